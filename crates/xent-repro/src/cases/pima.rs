//! Case 2: Pima diabetes, one sigmoid + binary cross-entropy vs two softmax + categorical
//! cross-entropy, repeated runs — the question's setup (evaluated on its own training data) and the
//! honest one (stratified 5-fold cross-validation, standardised features).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use xent_core::LossConfig;
use xent_core::report::plots::{self, SeedDots};
use xent_core::stats::{Comparison, Summary};
use xent_core::DataInfo;
use xent_core::experiment::{FinishedRun, Plan, Split, compare_losses, compare_losses_with};
use xent_core::train::{OptimizerConfig, TrainConfig};

use super::{grid, pct};
use crate::error::{ReproError, Result};
use crate::models::MlpConfig;
use crate::rows::stratified_folds;

/// Options of the Pima case.
#[derive(Debug, Clone)]
pub struct PimaOptions {
    /// The CSV.
    pub path: PathBuf,
    /// Runs (seeds) per configuration (10).
    pub runs: usize,
    /// Epochs (150).
    pub epochs: usize,
    /// Batch size (32).
    pub batch_size: usize,
    /// Folds of the honest setup (5).
    pub folds: usize,
    /// First seed; run r uses `seed + r`.
    pub seed: u64,
    /// Use only the first `n` rows (tests).
    pub row_limit: Option<usize>,
    /// Where the runs live (`OUT/runs/pima` under `xent repro`); finished runs are skipped when the
    /// case runs again.
    pub runs_root: PathBuf,
    /// Delete `runs_root` first and train every run again.
    pub fresh: bool,
}

/// The two configurations: (name, loss, outputs).
pub const CONFIGS: [(&str, LossConfig, usize); 2] =
    [("1 sigmoid + BCE", LossConfig::Binary, 1), ("2 softmax + CCE", LossConfig::Categorical, 2)];

/// One configuration over the runs of one setup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PimaSeries {
    /// Configuration name.
    pub name: String,
    /// True accuracy per run (seed order).
    pub accuracy: Vec<f64>,
    /// Keras-2-reported accuracy per run.
    pub keras2_reported: Vec<f64>,
    /// Keras-3-reported accuracy per run.
    pub keras3_reported: Vec<f64>,
    /// Runs whose predictions were ≥ 95 % one class (a collapsed model: on Pima that scores about
    /// the majority share 500/768 = 65.1 %).
    pub collapsed_runs: usize,
    /// Mean, sd and 95 % interval of the true accuracy.
    pub summary: Summary,
}

/// The figures of one run of one configuration.
#[derive(Debug, Clone)]
struct RunFigures {
    true_accuracy: f64,
    keras2: f64,
    keras3: f64,
    collapsed: bool,
}

/// One run's held-out folds, pooled: correct predictions and Keras's reported figures weighted by
/// each fold's size, and the predicted count per class.
#[derive(Debug, Clone, Default)]
struct Pooled {
    correct: f64,
    keras2: f64,
    keras3: f64,
    n: usize,
    predicted: [f64; 2],
}

impl Pooled {
    fn add(&mut self, fold: &super::Accuracies) {
        let m = fold.n as f64;
        self.correct += fold.true_accuracy * m;
        self.keras2 += fold.keras2_reported * m;
        self.keras3 += fold.keras3_reported * m;
        self.n += fold.n;
        for (p, q) in self.predicted.iter_mut().zip(&fold.predicted_per_class) {
            *p += q;
        }
    }

    fn figures(&self) -> RunFigures {
        let n = self.n as f64;
        RunFigures { true_accuracy: self.correct / n, keras2: self.keras2 / n, keras3: self.keras3 / n, collapsed: collapsed(&self.predicted) }
    }
}

impl RunFigures {
    fn of(a: &super::Accuracies) -> Self {
        Self { true_accuracy: a.true_accuracy, keras2: a.keras2_reported, keras3: a.keras3_reported, collapsed: collapsed(&a.predicted_per_class) }
    }
}

impl PimaSeries {
    /// The series of configuration `name` from its runs (seed order), with the summary of the true
    /// accuracy.
    fn from_runs(name: &str, runs: &[RunFigures]) -> Result<Self> {
        let accuracy: Vec<f64> = runs.iter().map(|r| r.true_accuracy).collect();
        Ok(Self {
            name: name.into(),
            summary: Summary::of(&accuracy)?,
            accuracy,
            keras2_reported: runs.iter().map(|r| r.keras2).collect(),
            keras3_reported: runs.iter().map(|r| r.keras3).collect(),
            collapsed_runs: runs.iter().filter(|r| r.collapsed).count(),
        })
    }
}

/// One setup (as the question did, or cross-validated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PimaSetup {
    /// What was done.
    pub description: String,
    /// Both configurations.
    pub series: Vec<PimaSeries>,
    /// The statistics of A − B (paired by seed).
    pub comparison: Comparison,
    /// Largest and smallest single-run accuracy over both configurations.
    pub range: (f64, f64),
    /// The largest gap between a run of A and a run of B, either direction: what picking one run
    /// of each can show.
    pub largest_single_run_gap: f64,
}

/// The case's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PimaResult {
    /// Rows used.
    pub n: usize,
    /// Class counts (0, 1).
    pub class_counts: Vec<usize>,
    /// Runs per configuration.
    pub runs: usize,
    /// Epochs, batch size.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// The question's setup.
    pub seed_setup: PimaSetup,
    /// Stratified k-fold cross-validation.
    pub cross_validated: PimaSetup,
    /// Wall-clock seconds.
    pub seconds: f64,
}

fn train_config(loss: LossConfig, opts: &PimaOptions, seed: u64) -> TrainConfig {
    TrainConfig { loss, optimizer: OptimizerConfig::adam(), epochs: opts.epochs, batch_size: opts.batch_size, seed, ..Default::default() }
}

fn collapsed(pred: &[f64]) -> bool {
    let total: f64 = pred.iter().sum();
    pred.iter().any(|&p| p >= 0.95 * total)
}

fn setup(description: String, series: Vec<PimaSeries>) -> Result<PimaSetup> {
    let (a, b) = (&series[0], &series[1]);
    let comparison = Comparison::new(&a.name, &b.name, "true accuracy", &a.accuracy, &b.accuracy, true)?;
    let all = a.accuracy.iter().chain(&b.accuracy);
    let range = (all.clone().copied().fold(f64::NEG_INFINITY, f64::max), all.copied().fold(f64::INFINITY, f64::min));
    let gap = |x: &[f64], y: &[f64]| {
        x.iter().copied().fold(f64::NEG_INFINITY, f64::max) - y.iter().copied().fold(f64::INFINITY, f64::min)
    };
    let largest_single_run_gap = gap(&a.accuracy, &b.accuracy).max(gap(&b.accuracy, &a.accuracy));
    Ok(PimaSetup { description, series, comparison, range, largest_single_run_gap })
}

/// Runs both setups, every training through xent-core's experiment runner: the question's setup
/// in `<runs_root>/question/`, each cross-validation fold in `<runs_root>/cv/seed-<S>/fold-<F>/`
/// (finished runs are kept and skipped when the case runs again).
///
/// # Errors
/// CSV errors naming the line; engine errors; fewer than 2 runs or folds.
pub fn run(opts: &PimaOptions) -> Result<PimaResult> {
    if opts.runs < 2 || opts.folds < 2 {
        return Err(ReproError::InvalidArgument(format!(
            "the Pima case needs at least 2 runs and 2 folds (got {} runs, {} folds)",
            opts.runs, opts.folds
        )));
    }
    let started = Instant::now();
    let mut data = crate::pima::load(&opts.path)?;
    if let Some(n) = opts.row_limit {
        data = data.subset(&(0..n.min(data.len())).collect::<Vec<_>>());
    }
    let seeds: Vec<u64> = (0..opts.runs as u64).map(|r| opts.seed + r).collect();
    let sha256 = xent_core::artifacts::sha256_file(&opts.path)?;
    let info = |what: String| DataInfo { source: format!("{} ({} rows{what})", opts.path.display(), data.len()), sha256: sha256.clone() };
    let classes: Vec<String> = vec!["0".into(), "1".into()];
    let losses: Vec<LossConfig> = CONFIGS.iter().map(|c| c.1).collect();
    let grid = |dir: PathBuf, seeds: Vec<u64>| -> Result<Plan> {
        Ok(grid::plan(&dir, losses.clone(), seeds, train_config(LossConfig::Categorical, opts, 0), false, opts.fresh)?
            .single_sigmoid_for_two_classes(true))
    };
    // One sigmoid for `Binary`, two softmax outputs for `Categorical`: the runner's outputs.
    let net = MlpConfig::pima(2);

    // The question's setup: raw features, all rows, evaluated on the same rows.
    let split = Split::without_validation(data.clone(), info(String::new())).with_class_names(classes.clone());
    let question = compare_losses(&net, &split, &grid(opts.runs_root.join("question"), seeds.clone())?)?;
    let mut seed_series = Vec::new();
    for (name, loss, _) in CONFIGS {
        let runs: Vec<RunFigures> = question
            .runs
            .iter()
            .filter(|r| r.loss() == loss)
            .map(|r| RunFigures::of(&super::Accuracies::of_split(&r.metrics.train)))
            .collect();
        seed_series.push(PimaSeries::from_runs(name, &runs)?);
    }
    let seed_setup = setup(
        format!(
            "the question's setup: raw features, all {} rows for training, Adam, {} epochs, batch {}, accuracy on the training rows",
            data.len(),
            opts.epochs,
            opts.batch_size
        ),
        seed_series,
    )?;

    // Honest: stratified k-fold, standardised by the training folds; accuracy pooled over folds.
    // Each fold's test rows are evaluated by the run itself (`test.json`).
    let mut pooled: Vec<Vec<RunFigures>> = vec![Vec::new(); CONFIGS.len()];
    for &seed in &seeds {
        let folds = stratified_folds(&data.labels, 2, opts.folds, seed);
        let mut sums = vec![Pooled::default(); CONFIGS.len()];
        for (f, test_idx) in folds.iter().enumerate() {
            let train_idx: Vec<usize> = (0..data.len()).filter(|i| test_idx.binary_search(i).is_err()).collect();
            let train = data.subset(&train_idx);
            let (mean, sd) = train.moments();
            let (train, test) = (train.standardised(&mean, &sd), data.subset(test_idx).standardised(&mean, &sd));
            let dir = opts.runs_root.join("cv").join(format!("seed-{seed}")).join(format!("fold-{f}"));
            let what = format!(", seed {seed} fold {f} of {}, standardised by the training folds", opts.folds);
            let split = Split::without_validation(train, info(what)).with_test(test).with_class_names(classes.clone());
            let test = split.test.as_ref().expect("the split has its test fold");
            let hook = |run: &FinishedRun<'_, _>| grid::evaluate_in_run(run, "test.json", test);
            let e = compare_losses_with(&net, &split, &grid(dir, vec![seed])?, hook)?;
            for (sum, &(_, loss, _)) in sums.iter_mut().zip(&CONFIGS) {
                let run = e.runs.iter().find(|r| r.loss() == loss).expect("the plan's configurations");
                sum.add(&grid::read_from_run(&run.dir, "test.json")?);
            }
        }
        for (runs, sum) in pooled.iter_mut().zip(sums) {
            runs.push(sum.figures());
        }
    }
    let mut cv_series = Vec::new();
    for ((name, _, _), runs) in CONFIGS.iter().zip(pooled) {
        cv_series.push(PimaSeries::from_runs(name, &runs)?);
    }
    let cross_validated = setup(
        format!(
            "stratified {}-fold cross-validation, features standardised by the training folds, Adam, {} epochs, batch {}, \
             accuracy pooled over the held-out folds",
            opts.folds, opts.epochs, opts.batch_size
        ),
        cv_series,
    )?;
    Ok(PimaResult {
        n: data.len(),
        class_counts: data.class_counts(),
        runs: opts.runs,
        epochs: opts.epochs,
        batch_size: opts.batch_size,
        seed_setup,
        cross_validated,
        seconds: started.elapsed().as_secs_f64(),
    })
}

impl PimaSetup {
    fn markdown(&self) -> String {
        let mut s = format!(
            "*{}*\n\n| configuration | mean true accuracy | sd | 95 % CI | min | max | Keras 2 reports (mean) | Keras 3 reports (mean) | collapsed runs |\n\
             |---|---|---|---|---|---|---|---|---|\n",
            self.description
        );
        for x in &self.series {
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                x.name,
                pct(x.summary.mean),
                x.summary.sd.map_or("–".into(), |v| format!("{:.2} pt", 100.0 * v)),
                x.summary.ci95.map_or("–".into(), |(l, h)| format!("[{:.2}, {:.2}] %", 100.0 * l, 100.0 * h)),
                pct(x.accuracy.iter().copied().fold(f64::INFINITY, f64::min)),
                pct(x.accuracy.iter().copied().fold(f64::NEG_INFINITY, f64::max)),
                pct(mean(&x.keras2_reported)),
                pct(mean(&x.keras3_reported)),
                x.collapsed_runs
            ));
        }
        s.push_str("\nPer-run true accuracy (seed order):\n\n");
        for x in &self.series {
            s.push_str(&format!(
                "- {}: {}\n",
                x.name,
                x.accuracy.iter().map(|v| format!("{:.1}", 100.0 * v)).collect::<Vec<_>>().join(", ")
            ));
        }
        s.push_str(&format!(
            "\n**Verdict:** {}.\n\nSingle runs ranged from {} to {}; picking one run of each configuration can show a gap of up to {:.1} points.\n",
            self.comparison.verdict,
            pct(self.range.1),
            pct(self.range.0),
            100.0 * self.largest_single_run_gap
        ));
        if let Some(w) = &self.comparison.welch {
            s.push_str(&format!(
                "Welch's t-test: difference {:.2} pt, t = {}, df = {:.1}, p = {}.\n",
                100.0 * w.diff,
                w.t.map_or("–".into(), |t| format!("{t:.2}")),
                w.df,
                w.p.map_or("–".into(), |p| format!("{p:.3}"))
            ));
        }
        s
    }
}

impl PimaResult {
    /// Per-run true accuracy of both configurations in both setups, with the majority-class
    /// baseline, as an SVG plot at `path`.
    ///
    /// # Errors
    /// Drawing or writing fails.
    pub fn write_svg(&self, path: &Path) -> Result<()> {
        let mut groups = Vec::new();
        for (tag, setup) in [("as asked", &self.seed_setup), ("5-fold CV", &self.cross_validated)] {
            for s in &setup.series {
                // One output or two: Keras 2 reports the true accuracy for both configurations.
                let values = s.accuracy.iter().enumerate().map(|(i, &a)| (i as u64, a, a)).collect();
                groups.push(SeedDots { name: format!("{} · {tag}", s.name), values });
            }
        }
        let majority = self.class_counts.iter().copied().max().unwrap_or(0) as f64 / self.n.max(1) as f64;
        let label = format!("always the majority class: {:.1} %", 100.0 * majority);
        Ok(plots::seed_dots(path, "Pima: true accuracy of each run", &groups, Some((majority, &label)))?)
    }

    /// The case's report section.
    pub fn markdown(&self) -> String {
        format!(
            "## Pima diabetes: 1 sigmoid + BCE vs 2 softmax + CCE, {} runs each\n\n\
             {} rows ({} negative, {} positive; always predicting negative scores {}). Network 8 → 12 → 8 → 1 (sigmoid) or → 2 (softmax), \
             ReLU, Glorot-uniform, Keras-default Adam. The question reported 74.1 % vs 66.9 % from one run each.\n\n\
             ### As the question did\n\n{}\n### Honestly\n\n{}",
            self.runs,
            self.n,
            self.class_counts[0],
            self.class_counts.get(1).copied().unwrap_or(0),
            pct(self.class_counts[0] as f64 / self.n as f64),
            self.seed_setup.markdown(),
            self.cross_validated.markdown()
        )
    }
}
