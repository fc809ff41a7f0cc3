//! `statistics.json`: the statistics of an experiment's `report.md` in machine-readable form —
//! the per-configuration summaries of its first table and every comparison of its "Is the
//! difference real?" section. Both are copied from the [`Experiment`]'s [`ConfigStats`] and
//! [`Comparison`]s, the values `report.md` prints, and nothing is recomputed: the printed
//! figures are these rounded.
//!
//! Fields of a comparison ([`ComparisonRecord`]; A − B, fractions, not points):
//!
//! | field | value |
//! |---|---|
//! | `a`, `b` | the two configurations |
//! | `metric` | the metric's name in `results.csv` (`accuracy`, `keras2_reported`) |
//! | `metric_label` | the metric as `report.md` names it (`true accuracy`, `Keras-2-reported accuracy`) |
//! | `n_a`, `n_b`, `mean_a`, `mean_b` | runs and mean per group |
//! | `test` | the test the verdict rests on: `paired` (paired t-test over seeds) when every seed has both runs, else `welch`; `null` with one run per group |
//! | `diff`, `ci_low`, `ci_high` | that test's difference and 95 % interval (`diff` = `mean_a − mean_b` without a test, the bounds `null`) |
//! | `se`, `t`, `df`, `p` | that test's standard error, statistic, degrees of freedom and two-sided p-value (`t`, `p` `null` without run-to-run variation) |
//! | `significant` | `p < alpha` (the verdict's rule), `null` without a p-value |
//! | `verdict` | the sentence `report.md` prints |
//! | `cohens_d`, `cohens_dz` | effect sizes |
//! | `runs_for_1pt` | runs per configuration a two-sided test at `alpha` needs to detect a 1-point difference with power `power` |
//! | `paired`, `welch` | both tests in full (the two test columns of `report.md`'s table) |

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::artifacts::write_json;
use crate::error::Result;
use crate::experiment::results::COMPARED;
use crate::experiment::{ConfigStats, Experiment};
use crate::stats::{ALPHA, CONFIDENCE, Comparison, ONE_POINT, POWER, Summary, TTest};

/// A configuration's summary of one metric over seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRecord {
    /// The configuration.
    pub config: String,
    /// The metric's name in `results.csv`.
    pub metric: String,
    /// Runs.
    pub n: usize,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation; `None` for one run.
    pub sd: Option<f64>,
    /// Standard error of the mean; `None` for one run.
    pub sem: Option<f64>,
    /// Lower bound of the 95 % interval of the mean; `None` for one run.
    pub ci_low: Option<f64>,
    /// Upper bound of the 95 % interval of the mean; `None` for one run.
    pub ci_high: Option<f64>,
}

impl SummaryRecord {
    fn new(config: &str, metric: &str, s: &Summary) -> Self {
        Self {
            config: config.into(),
            metric: metric.into(),
            n: s.n,
            mean: s.mean,
            sd: s.sd,
            sem: s.sem,
            ci_low: s.ci95.map(|c| c.0),
            ci_high: s.ci95.map(|c| c.1),
        }
    }
}

/// One comparison of configuration A with B (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ComparisonRecord {
    pub a: String,
    pub b: String,
    pub metric: String,
    pub metric_label: String,
    pub n_a: usize,
    pub n_b: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    pub test: Option<String>,
    pub diff: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub se: Option<f64>,
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
    pub significant: Option<bool>,
    pub verdict: String,
    pub cohens_d: Option<f64>,
    pub cohens_dz: Option<f64>,
    pub runs_for_1pt: Option<usize>,
    pub paired: Option<TTest>,
    pub welch: Option<TTest>,
}

impl From<&Comparison> for ComparisonRecord {
    fn from(c: &Comparison) -> Self {
        let d = c.decisive();
        let metric = COMPARED.iter().find(|(_, label)| *label == c.metric).map_or(c.metric.as_str(), |(key, _)| key);
        Self {
            a: c.a.clone(),
            b: c.b.clone(),
            metric: metric.to_string(),
            metric_label: c.metric.clone(),
            n_a: c.summary_a.n,
            n_b: c.summary_b.n,
            mean_a: c.summary_a.mean,
            mean_b: c.summary_b.mean,
            test: d.map(|t| t.kind.clone()),
            diff: c.diff(),
            ci_low: d.map(|t| t.ci95.0),
            ci_high: d.map(|t| t.ci95.1),
            se: d.map(|t| t.se),
            t: d.and_then(|t| t.t),
            df: d.map(|t| t.df),
            p: d.and_then(|t| t.p),
            significant: d.and_then(|t| t.p).map(|p| p < ALPHA),
            verdict: c.verdict.clone(),
            cohens_d: c.cohens_d,
            cohens_dz: c.cohens_dz,
            runs_for_1pt: c.runs_for_1pt,
            paired: c.paired.clone(),
            welch: c.welch.clone(),
        }
    }
}

/// `statistics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// The split the figures are on (`test`, else `validation`).
    pub split: String,
    /// The fold of a cross-validation (directory `fold-N`), else `None`.
    pub fold: Option<usize>,
    /// The seeds.
    pub seeds: Vec<u64>,
    /// Significance level of the verdicts (two-sided).
    pub alpha: f64,
    /// Level of every interval.
    pub confidence: f64,
    /// Power of `runs_for_1pt`.
    pub power: f64,
    /// The difference `runs_for_1pt` is computed for (a fraction: 0.01 = one point).
    pub min_difference: f64,
    /// Per configuration and metric, in plan order.
    pub summaries: Vec<SummaryRecord>,
    /// Every comparison, in `report.md`'s order.
    pub comparisons: Vec<ComparisonRecord>,
}

impl Statistics {
    /// The statistics of `exp`, copied from its computed [`ConfigStats`] and [`Comparison`]s.
    pub fn of(exp: &Experiment) -> Self {
        let summaries = exp
            .configs
            .iter()
            .flat_map(|c: &ConfigStats| c.metrics.iter().map(move |(m, _, s)| SummaryRecord::new(c.loss.name(), m, s)))
            .collect();
        Self {
            split: exp.runs.first().map_or_else(|| "test".to_string(), |r| r.figures().split),
            fold: exp.fold(),
            seeds: exp.manifest.seeds.clone(),
            alpha: ALPHA,
            confidence: CONFIDENCE,
            power: POWER,
            min_difference: ONE_POINT,
            summaries,
            comparisons: exp.comparisons.iter().map(ComparisonRecord::from).collect(),
        }
    }
}

/// Writes `statistics.json` into the experiment directory, atomically. Returns its path.
///
/// # Errors
/// Writing fails.
pub fn write(exp: &Experiment) -> Result<PathBuf> {
    let p = exp.dir.join("statistics.json");
    write_json(&p, &Statistics::of(exp))?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_copies_the_deciding_test() {
        let a = [0.80, 0.82, 0.85, 0.79];
        let b = [0.78, 0.80, 0.80, 0.78];
        let c = Comparison::new("categorical", "binary", "true accuracy", &a, &b, true).unwrap();
        let r = ComparisonRecord::from(&c);
        let p = c.paired.as_ref().unwrap();
        assert_eq!((r.metric.as_str(), r.test.as_deref()), ("accuracy", Some("paired")));
        assert_eq!((r.diff, r.ci_low, r.ci_high, r.p, r.t), (p.diff, Some(p.ci95.0), Some(p.ci95.1), p.p, p.t));
        assert_eq!(r.significant, Some(p.p.unwrap() < ALPHA));
        assert_eq!((r.n_a, r.n_b, r.verdict.as_str()), (4, 4, c.verdict.as_str()));
        let unpaired = ComparisonRecord::from(&Comparison::new("x", "y", "other", &a, &b[..3], false).unwrap());
        assert_eq!((unpaired.test.as_deref(), unpaired.metric.as_str(), unpaired.n_b), (Some("welch"), "other", 3));
        let one = ComparisonRecord::from(&Comparison::new("x", "y", "true accuracy", &a[..1], &b[..1], true).unwrap());
        assert_eq!((one.test, one.p, one.ci_low, one.significant), (None, None, None, None));
        assert!((one.diff - 0.02).abs() < 1e-12);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<ComparisonRecord>(&json).unwrap(), r);
    }
}
