//! Statistics across repeated runs: is a difference between two configurations real?
//!
//! Everything here works on plain `&[f64]` samples (one value per seed, e.g. a test accuracy).
//! Distributions come from [`statrs`] (Student t, normal); nothing here re-implements them.
//!
//! | function | what | SciPy equivalent (tested against `tests/golden/scipy_stats.json`) |
//! |---|---|---|
//! | [`Summary::of`] | n, mean, sd (n − 1), standard error, 95 % t interval of the mean | `np.mean`, `np.std(ddof=1)`, `stats.sem`, `stats.t.interval` |
//! | [`welch`] | Welch's unequal-variance t-test, Welch–Satterthwaite df, CI of the difference | `stats.ttest_ind(a, b, equal_var=False)` |
//! | [`paired`] | paired t-test on per-seed differences `a − b`, CI of the mean difference | `stats.ttest_rel(a, b)` |
//! | [`cohens_d`] / [`cohens_dz`] | effect sizes: pooled-sd d and the paired d_z | numpy formulas in the golden file |
//! | [`runs_needed`] | seeds needed to detect a difference δ given an sd | (power formula, see `docs/statistics.md`) |
//! | [`verdict`] | the plain-language sentence a report prints | — |
//!
//! Fewer than two values per group make every test an [`Error::InvalidArgument`] saying so: no
//! p-value is invented from one run.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::error::{Error, Result};

/// The confidence level of every interval in this module.
pub const CONFIDENCE: f64 = 0.95;

/// The significance level the verdict uses (two-sided).
pub const ALPHA: f64 = 0.05;

/// The power [`Comparison::runs_for_1pt`] is computed for.
pub const POWER: f64 = 0.8;

/// The difference [`Comparison::runs_for_1pt`] is computed for: one point (0.01).
pub const ONE_POINT: f64 = 0.01;

fn t_dist(df: f64) -> Result<StudentsT> {
    StudentsT::new(0.0, 1.0, df)
        .map_err(|e| Error::InvalidArgument(format!("Student t with {df} degrees of freedom: {e}")))
}

/// The two-sided critical value `t_{1 − α/2, df}` for a `level` interval.
///
/// # Errors
/// `df` not positive.
pub fn t_critical(level: f64, df: f64) -> Result<f64> {
    Ok(t_dist(df)?.inverse_cdf(0.5 + level / 2.0))
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom.
///
/// # Errors
/// `df` not positive.
pub fn two_sided_p(t: f64, df: f64) -> Result<f64> {
    Ok((2.0 * t_dist(df)?.sf(t.abs())).min(1.0))
}

fn too_few(what: &str, n: usize) -> Error {
    Error::InvalidArgument(format!(
        "{what} needs at least 2 runs, got {n}: with one run there is no estimate of run-to-run \
         variation, so no interval or p-value can be given; run more seeds"
    ))
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance with n − 1 in the denominator.
fn var(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

/// Descriptive statistics of one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of values.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1); `None` for one value.
    pub sd: Option<f64>,
    /// Standard error of the mean `sd / √n`; `None` for one value.
    pub sem: Option<f64>,
    /// 95 % Student-t interval of the mean; `None` for one value.
    pub ci95: Option<(f64, f64)>,
}

impl Summary {
    /// Summarises `x`.
    ///
    /// # Errors
    /// An empty sample, or a non-finite value.
    pub fn of(x: &[f64]) -> Result<Self> {
        if x.is_empty() {
            return Err(Error::InvalidArgument("cannot summarise an empty sample".into()));
        }
        if let Some(v) = x.iter().find(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!("sample contains the non-finite value {v}")));
        }
        let n = x.len();
        let m = mean(x);
        if n < 2 {
            return Ok(Self { n, mean: m, sd: None, sem: None, ci95: None });
        }
        let sd = var(x).sqrt();
        let sem = sd / (n as f64).sqrt();
        let h = t_critical(CONFIDENCE, n as f64 - 1.0)? * sem;
        Ok(Self { n, mean: m, sd: Some(sd), sem: Some(sem), ci95: Some((m - h, m + h)) })
    }
}

/// The result of a two-sample or paired t-test on `a − b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TTest {
    /// `"welch"` or `"paired"`.
    pub kind: String,
    /// Mean difference `mean(a) − mean(b)` (equal to the mean of per-seed differences when paired).
    pub diff: f64,
    /// Standard error of the difference.
    pub se: f64,
    /// The t statistic; `None` when the standard error is 0 (no variation at all).
    pub t: Option<f64>,
    /// Degrees of freedom (Welch–Satterthwaite, or n − 1 when paired).
    pub df: f64,
    /// Two-sided p-value; `None` when `t` is undefined.
    pub p: Option<f64>,
    /// 95 % interval of the difference.
    pub ci95: (f64, f64),
}

fn scale(a: &[f64], b: &[f64]) -> f64 {
    a.iter().chain(b).fold(0.0f64, |m, v| m.max(v.abs()))
}

fn check_sample(x: &[f64], what: &str) -> Result<()> {
    if x.len() < 2 {
        return Err(too_few(what, x.len()));
    }
    if let Some(v) = x.iter().find(|v| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!("{what}: sample contains the non-finite value {v}")));
    }
    Ok(())
}

/// `scale` is the largest |value| of the inputs: a standard error below 1e-12 of it is rounding
/// noise (e.g. 0.9 − 0.8 vs 0.8 − 0.7), not run-to-run variation.
fn finish(kind: &str, diff: f64, se: f64, df: f64, scale: f64) -> Result<TTest> {
    let se = if se <= 1e-12 * scale { 0.0 } else { se };
    let h = t_critical(CONFIDENCE, df)? * se;
    let (t, p) = if se > 0.0 {
        let t = diff / se;
        (Some(t), Some(two_sided_p(t, df)?))
    } else {
        (None, None)
    };
    Ok(TTest { kind: kind.into(), diff, se, t, df, p, ci95: (diff - h, diff + h) })
}

/// Welch's t-test of `mean(a) − mean(b)` (unequal variances), with Welch–Satterthwaite degrees
/// of freedom.
///
/// # Errors
/// Fewer than two values in either sample; non-finite values.
pub fn welch(a: &[f64], b: &[f64]) -> Result<TTest> {
    check_sample(a, "Welch's t-test (first group)")?;
    check_sample(b, "Welch's t-test (second group)")?;
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (var(a) / na, var(b) / nb);
    let se = (va + vb).sqrt();
    let df = if va + vb > 0.0 {
        (va + vb).powi(2) / (va * va / (na - 1.0) + vb * vb / (nb - 1.0))
    } else {
        na + nb - 2.0
    };
    finish("welch", mean(a) - mean(b), se, df, scale(a, b))
}

/// Paired t-test on the per-seed differences `a[i] − b[i]`.
///
/// # Errors
/// Samples of different lengths; fewer than two pairs; non-finite values.
pub fn paired(a: &[f64], b: &[f64]) -> Result<TTest> {
    if a.len() != b.len() {
        return Err(Error::Mismatch(format!(
            "a paired t-test needs one value per seed in both groups, got {} and {}",
            a.len(),
            b.len()
        )));
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    check_sample(&d, "the paired t-test")?;
    let n = d.len() as f64;
    finish("paired", mean(&d), (var(&d) / n).sqrt(), n - 1.0, scale(a, b))
}

/// Cohen's d with the pooled standard deviation `√(((na−1)·va + (nb−1)·vb) / (na+nb−2))`;
/// `None` when that sd is 0.
///
/// # Errors
/// Fewer than two values in either sample.
pub fn cohens_d(a: &[f64], b: &[f64]) -> Result<Option<f64>> {
    check_sample(a, "Cohen's d (first group)")?;
    check_sample(b, "Cohen's d (second group)")?;
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let pooled = (((na - 1.0) * var(a) + (nb - 1.0) * var(b)) / (na + nb - 2.0)).sqrt();
    Ok((pooled > 0.0).then(|| (mean(a) - mean(b)) / pooled))
}

/// Cohen's d_z of paired data: `mean(d) / sd(d)` of the differences `d = a − b`; `None` when
/// `sd(d) = 0`.
///
/// # Errors
/// Different lengths or fewer than two pairs.
pub fn cohens_dz(a: &[f64], b: &[f64]) -> Result<Option<f64>> {
    if a.len() != b.len() {
        return Err(Error::Mismatch(format!("d_z needs paired samples, got {} and {} values", a.len(), b.len())));
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    check_sample(&d, "Cohen's d_z")?;
    let sd = var(&d).sqrt();
    Ok((sd > 0.0).then(|| mean(&d) / sd))
}

/// The design a sample size is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Paired runs (same seeds), `sd` = sd of the per-seed differences.
    Paired,
    /// Two independent groups of equal size, `sd` = the common per-group sd.
    TwoSample,
}

/// The smallest number of runs (per configuration) for which a two-sided t-test at level
/// `alpha` detects a true difference `delta` with probability `power`, when the run-to-run
/// standard deviation is `sd`.
///
/// Formula: `n = ((t_{1−α/2, ν} + t_{power, ν}) · s / δ)²` with `s = sd` for [`Design::Paired`]
/// and `s = √2 · sd` for [`Design::TwoSample`], iterated from the normal approximation until ν
/// (`n − 1`, resp. `2n − 2`) and `n` agree; at least 2.
///
/// # Errors
/// `delta` or `sd` not positive and finite; `alpha` or `power` outside (0, 1).
pub fn runs_needed(delta: f64, sd: f64, alpha: f64, power: f64, design: Design) -> Result<usize> {
    if !(delta.is_finite() && delta > 0.0 && sd.is_finite() && sd > 0.0) {
        return Err(Error::InvalidArgument(format!(
            "runs_needed: the difference ({delta}) and the sd ({sd}) must be positive"
        )));
    }
    if !(alpha > 0.0 && alpha < 1.0 && power > 0.0 && power < 1.0) {
        return Err(Error::InvalidArgument(format!("runs_needed: alpha ({alpha}) and power ({power}) must lie in (0, 1)")));
    }
    let s = match design {
        Design::Paired => sd,
        Design::TwoSample => std::f64::consts::SQRT_2 * sd,
    };
    let normal = Normal::new(0.0, 1.0).map_err(|e| Error::InvalidArgument(e.to_string()))?;
    let z = normal.inverse_cdf(1.0 - alpha / 2.0) + normal.inverse_cdf(power);
    let mut n = ((z * s / delta).powi(2)).ceil().max(2.0);
    for _ in 0..100 {
        let df = match design {
            Design::Paired => n - 1.0,
            Design::TwoSample => 2.0 * n - 2.0,
        };
        let t = t_dist(df)?;
        let q = t.inverse_cdf(1.0 - alpha / 2.0) + t.inverse_cdf(power);
        let next = ((q * s / delta).powi(2)).ceil().max(2.0);
        if next == n {
            break;
        }
        n = next;
    }
    Ok(n as usize)
}

/// Everything a report says about configuration A versus B on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Name of configuration A.
    pub a: String,
    /// Name of configuration B.
    pub b: String,
    /// The metric compared (e.g. `test accuracy`).
    pub metric: String,
    /// Runs of A.
    pub summary_a: Summary,
    /// Runs of B.
    pub summary_b: Summary,
    /// Welch's test (`None` with fewer than two runs in a group).
    pub welch: Option<TTest>,
    /// The paired test on per-seed differences (`None` unless every seed has both runs and
    /// there are at least two).
    pub paired: Option<TTest>,
    /// Cohen's d (pooled sd).
    pub cohens_d: Option<f64>,
    /// Cohen's d_z (paired).
    pub cohens_dz: Option<f64>,
    /// Runs per configuration needed to detect a 1-point (0.01) difference with power 0.8 at
    /// α = 0.05, from the observed sd (of the paired differences when paired).
    pub runs_for_1pt: Option<usize>,
    /// The plain-language verdict.
    pub verdict: String,
}

impl Comparison {
    /// Compares `a` and `b` (values in [0, 1], printed as points = percent). When `paired` is
    /// true the values are per seed in the same order and the paired test decides the verdict;
    /// otherwise Welch's test does.
    ///
    /// Never fails: with fewer than two runs the tests are `None` and the verdict says why.
    pub fn new(a_name: &str, b_name: &str, metric: &str, a: &[f64], b: &[f64], paired_seeds: bool) -> Result<Self> {
        let summary_a = Summary::of(a)?;
        let summary_b = Summary::of(b)?;
        let welch_t = welch(a, b).ok();
        let paired_t = if paired_seeds { paired(a, b).ok() } else { None };
        let sd_for_power = match &paired_t {
            Some(p) => Some(p.se * (a.len() as f64).sqrt()).map(|s| (s, Design::Paired)),
            None => match (summary_a.sd, summary_b.sd) {
                (Some(x), Some(y)) => Some((((x * x + y * y) / 2.0).sqrt(), Design::TwoSample)),
                _ => None,
            },
        };
        let runs_for_1pt = sd_for_power.and_then(|(s, d)| runs_needed(ONE_POINT, s, ALPHA, POWER, d).ok());
        let mut c = Self {
            a: a_name.into(),
            b: b_name.into(),
            metric: metric.into(),
            cohens_d: cohens_d(a, b).ok().flatten(),
            cohens_dz: if paired_seeds { cohens_dz(a, b).ok().flatten() } else { None },
            summary_a,
            summary_b,
            welch: welch_t,
            paired: paired_t,
            runs_for_1pt,
            verdict: String::new(),
        };
        c.verdict = verdict(a_name, b_name, c.diff(), c.decisive(), a.len().min(b.len()));
        Ok(c)
    }

    /// The test the verdict rests on: the paired test when there is one, else Welch's; `None`
    /// with fewer than two runs per configuration.
    pub fn decisive(&self) -> Option<&TTest> {
        self.paired.as_ref().or(self.welch.as_ref())
    }

    /// The difference `A − B` the verdict states: that of the deciding test, else the difference
    /// of the means.
    pub fn diff(&self) -> f64 {
        self.decisive().map_or(self.summary_a.mean - self.summary_b.mean, |t| t.diff)
    }
}

/// Formats a p-value: `p = 0.58`, `p = 0.003`, `p < 0.001`.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else if p < 0.01 {
        format!("p = {p:.3}")
    } else {
        format!("p = {p:.2}")
    }
}

/// The plain-language verdict on `diff = mean(A) − mean(B)` (fractions, printed in points), given
/// the deciding test (`None` when there were too few runs) and the number of runs `n`.
///
/// Example: `"categorical − binary: difference 0.4 pt, 95 % CI [−1.1, 1.9], p = 0.58 (paired
/// t-test): not distinguishable from run-to-run noise with 10 runs"`.
pub fn verdict(a: &str, b: &str, diff: f64, test: Option<&TTest>, n: usize) -> String {
    let pt = |v: f64| {
        let s = format!("{:.1}", 100.0 * v);
        // A minus sign, not a hyphen; and no "-0.0".
        if s == "-0.0" { "0.0".to_string() } else { s.replace('-', "−") }
    };
    let Some(t) = test else {
        return format!(
            "{a} − {b}: difference {} pt from {n} run{} per configuration: no test possible — at least \
             2 runs per configuration are needed to tell a difference from run-to-run noise",
            pt(diff),
            if n == 1 { "" } else { "s" }
        );
    };
    let head = format!(
        "{a} − {b}: difference {} pt, 95 % CI [{}, {}]",
        pt(t.diff),
        pt(t.ci95.0),
        pt(t.ci95.1)
    );
    let test_name = if t.kind == "paired" { "paired t-test over seeds" } else { "Welch's t-test" };
    match t.p {
        None => format!(
            "{head} ({test_name}): every run gave the same difference, so there is no run-to-run \
             variation to test against with {n} runs"
        ),
        Some(p) if p < ALPHA => {
            let (hi, lo) = if t.diff > 0.0 { (a, b) } else { (b, a) };
            format!("{head}, {} ({test_name}): {hi} is higher than {lo} beyond run-to-run noise with {n} runs", format_p(p))
        }
        Some(p) => format!(
            "{head}, {} ({test_name}): not distinguishable from run-to-run noise with {n} runs",
            format_p(p)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn golden() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/golden/scipy_stats.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn vals(v: &serde_json::Value) -> Vec<f64> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    }

    fn close(got: f64, want: &serde_json::Value, tol: f64, what: &str) {
        let want = want.as_f64().unwrap();
        assert!((got - want).abs() <= tol * want.abs().max(1e-3), "{what}: got {got}, SciPy {want}");
    }

    #[test]
    fn summaries_match_scipy() {
        for pair in golden()["pairs"].as_array().unwrap() {
            for side in ["a", "b"] {
                let g = &pair[side];
                let s = Summary::of(&vals(&g["values"])).unwrap();
                let name = format!("{} {side}", pair["name"]);
                close(s.mean, &g["mean"], 1e-12, &format!("{name} mean"));
                close(s.sd.unwrap(), &g["std"], 1e-12, &format!("{name} sd"));
                close(s.sem.unwrap(), &g["sem"], 1e-12, &format!("{name} sem"));
                close(s.ci95.unwrap().0, &g["ci95_mean"][0], 1e-10, &format!("{name} ci lo"));
                close(s.ci95.unwrap().1, &g["ci95_mean"][1], 1e-10, &format!("{name} ci hi"));
            }
        }
    }

    #[test]
    fn welch_matches_scipy() {
        for pair in golden()["pairs"].as_array().unwrap() {
            let (a, b) = (vals(&pair["a"]["values"]), vals(&pair["b"]["values"]));
            let w = welch(&a, &b).unwrap();
            let g = &pair["welch"];
            let name = pair["name"].to_string();
            close(w.t.unwrap(), &g["statistic"], 1e-10, &format!("{name} t"));
            close(w.df, &g["df"], 1e-10, &format!("{name} df"));
            close(w.p.unwrap(), &g["pvalue"], 1e-8, &format!("{name} p"));
        }
    }

    #[test]
    fn paired_test_and_its_interval_match_scipy() {
        for pair in golden()["pairs"].as_array().unwrap() {
            let (a, b) = (vals(&pair["a"]["values"]), vals(&pair["b"]["values"]));
            let p = paired(&a, &b).unwrap();
            let g = &pair["paired"];
            let name = pair["name"].to_string();
            close(p.t.unwrap(), &g["statistic"], 1e-10, &format!("{name} t"));
            close(p.df, &g["df"], 0.0, &format!("{name} df"));
            close(p.p.unwrap(), &g["pvalue"], 1e-8, &format!("{name} p"));
            close(p.diff, &g["mean_diff"], 1e-12, &format!("{name} mean diff"));
            close(p.ci95.0, &g["ci95_mean_diff"][0], 1e-10, &format!("{name} ci lo"));
            close(p.ci95.1, &g["ci95_mean_diff"][1], 1e-10, &format!("{name} ci hi"));
        }
    }

    #[test]
    fn effect_sizes_match_numpy_formulas() {
        for pair in golden()["pairs"].as_array().unwrap() {
            let (a, b) = (vals(&pair["a"]["values"]), vals(&pair["b"]["values"]));
            let name = pair["name"].to_string();
            let d = cohens_d(&a, &b).unwrap().unwrap();
            let dz = cohens_dz(&a, &b).unwrap().unwrap();
            if pair["cohens_d_pooled"].as_f64().unwrap() == 0.0 {
                assert!(d.abs() < 1e-12 && dz.abs() < 1e-12, "{name}");
            } else {
                close(d, &pair["cohens_d_pooled"], 1e-10, &format!("{name} d"));
                close(dz, &pair["paired"]["cohens_dz"], 1e-10, &format!("{name} d_z"));
            }
        }
    }

    #[test]
    fn one_run_gives_a_clear_message_and_no_p_value() {
        let err = welch(&[0.9], &[0.8, 0.85]).unwrap_err().to_string();
        assert!(err.contains("at least 2 runs, got 1"), "{err}");
        let err = paired(&[0.9], &[0.8]).unwrap_err().to_string();
        assert!(err.contains("at least 2 runs"), "{err}");
        let s = Summary::of(&[0.9]).unwrap();
        assert_eq!((s.sd, s.ci95), (None, None));
        let c = Comparison::new("categorical", "binary", "accuracy", &[0.9], &[0.8], true).unwrap();
        assert!(c.welch.is_none() && c.paired.is_none());
        assert!(c.verdict.contains("no test possible") && !c.verdict.contains("p ="), "{}", c.verdict);
        assert!(paired(&[0.9, 0.8], &[0.8]).unwrap_err().to_string().contains("one value per seed"));
    }

    #[test]
    fn identical_differences_have_no_p_value() {
        let t = paired(&[0.9, 0.8, 0.7], &[0.8, 0.7, 0.6]).unwrap();
        assert!(t.p.is_none());
        let v = verdict("a", "b", t.diff, Some(&t), 3);
        assert!(v.contains("no run-to-run variation"), "{v}");
    }

    #[test]
    fn verdict_reads_as_the_issue_asks() {
        // 10 paired runs whose differences average 0.4 pt with sd 2.1 pt.
        let a: Vec<f64> = (0..10).map(|i| 0.80 + 0.004 + if i % 2 == 0 { 0.02 } else { -0.02 }).collect();
        let b = vec![0.80; 10];
        let c = Comparison::new("categorical", "binary", "test accuracy", &a, &b, true).unwrap();
        assert!(c.verdict.starts_with("categorical − binary: difference 0.4 pt, 95 % CI [−1.1, 1.9], p = 0.56"), "{}", c.verdict);
        assert!(c.verdict.ends_with("not distinguishable from run-to-run noise with 10 runs"), "{}", c.verdict);
        let golden = golden();
        let g = &golden["pairs"][1];
        let c = Comparison::new("x", "y", "acc", &vals(&g["a"]["values"]), &vals(&g["b"]["values"]), true).unwrap();
        assert!(c.verdict.contains("x is higher than y beyond run-to-run noise with 10 runs"), "{}", c.verdict);
        assert!(c.verdict.contains("p < 0.001"), "{}", c.verdict);
    }

    #[test]
    fn runs_needed_follows_the_power_formula() {
        // Normal approximation for paired, sd = δ: (1.95996 + 0.84162)² = 7.85 → 8; the t
        // correction raises it to 10 (the usual tables give 10 for d_z = 1, power 0.8).
        assert_eq!(runs_needed(1.0, 1.0, 0.05, 0.8, Design::Paired).unwrap(), 10);
        // Two independent groups with d = 1: 17 per group (again the textbook figure).
        assert_eq!(runs_needed(1.0, 1.0, 0.05, 0.8, Design::TwoSample).unwrap(), 17);
        assert!(runs_needed(0.0, 1.0, 0.05, 0.8, Design::Paired).is_err());
    }
}
