//! The engine loop of the plain (non-experiment) mode: every configuration × seed of one split, trained on the training documents and measured on the test documents, with multi-label thresholds tuned on held-out training documents.

#[allow(unused_imports)]
use super::*;

/// One split's runs (every configuration × seed) in the plain engine loop.
pub(super) struct SplitRuns<'a> {
    pub(super) plan: &'a TextPlan,
    pub(super) corpus: &'a Corpus,
    pub(super) data_info: &'a DataInfo,
    pub(super) model_cfg: &'a TextCnnConfig,
    pub(super) tok: &'a TextTokenizer,
    pub(super) tfidf: Option<&'a TfIdf>,
    pub(super) fold: usize,
    pub(super) sub: PathBuf,
}

impl SplitRuns<'_> {
    /// Trains and evaluates every configuration × seed; multi-label runs tune thresholds on
    /// `hold`. Each run directory gets `tokenizer.json` and `text.json`.
    pub(super) fn fit_all<D, M>(&self, init: impl Fn(&Device) -> M, train: &D, test: &D, hold: Option<&D>) -> Result<Vec<RunRow>>
    where
        D: DataSource,
        M: Classifier<Batch = D::Batch>,
    {
        let plan = self.plan;
        let mut rows = Vec::new();
        for &config in &plan.configs {
            for &seed in &plan.seeds {
                let run_dir = RunDir::at(self.sub.join(format!("{}-seed{seed}", config.name())));
                let started = Instant::now();
                let train_cfg = TrainConfig {
                    loss: config,
                    epochs: plan.epochs,
                    batch_size: plan.batch_size,
                    seed,
                    optimizer: plan.optimizer,
                    ..Default::default()
                };
                let trainer = Trainer::new(train_cfg)
                    .quiet(plan.quiet)
                    .with_run(run_dir.clone(), plan.mode)
                    .with_model_config(self.model_cfg)
                    .with_data_info(self.data_info.clone())
                    .with_class_names(self.corpus.classes.clone());
                if !plan.quiet {
                    eprintln!("{} fold {} {config} seed {seed} → {}", plan.corpus.name(), self.fold, run_dir.path().display());
                }
                let (metrics, ml, ml_tuned, thresholds) = fit_one(&trainer, &init, train, test, hold, config)?;
                self.tok.save(&run_dir.file("tokenizer.json"))?;
                let info = TextRunInfo {
                    model: self.model_cfg.clone(),
                    loss: config,
                    corpus: plan.corpus.name().into(),
                    classes: self.corpus.classes.clone(),
                    multi_label: self.corpus.multi_label,
                    thresholds,
                    tfidf: self.tfidf.cloned(),
                };
                artifacts::write_json(&run_dir.file("text.json"), &info)?;
                let v = metrics.valid.as_ref().expect("the test split is the validation set");
                rows.push(RunRow {
                    config,
                    seed,
                    fold: self.fold,
                    dir: run_dir.path().to_path_buf(),
                    accuracy: v.summary.accuracy,
                    keras2_reported: v.summary.keras2_reported_accuracy,
                    keras3_reported: v.summary.keras3_reported_accuracy,
                    macro_f1: v.summary.macro_f1,
                    multilabel: ml,
                    multilabel_tuned: ml_tuned,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
        }
        Ok(rows)
    }
}

pub(super) type FitResult = (xent_core::train::FinalMetrics, Option<MultiLabelMetrics>, Option<MultiLabelMetrics>, Option<Vec<f32>>);

pub(super) fn fit_one<D: DataSource, M: Classifier<Batch = D::Batch>>(
    trainer: &Trainer,
    init: impl FnOnce(&Device) -> M,
    train: &D,
    test: &D,
    hold: Option<&D>,
    config: LossConfig,
) -> Result<FitResult> {
    let outcome = trainer.fit(init, train, Some(test))?;
    let metrics = outcome.metrics.expect("not paused");
    let Some(hold) = hold else {
        return Ok((metrics, None, None, None));
    };
    let device = xent_core::default_device();
    let hs = xent_core::train::predict(&outcome.model, hold, config, 256, &device)?.into_vec();
    let ts = xent_core::train::predict(&outcome.model, test, config, 256, &device)?.into_vec();
    let k = test.num_classes();
    let thresholds = tune_thresholds(&hs, hot(hold), k);
    let at = |t: &[f32]| {
        let mut c = MultiLabelCounts::new(k, 0.5);
        let y = hot(test);
        for i in 0..test.len() {
            // Shifting each score by (0.5 − tₖ) turns "score > tₖ" into "score' > 0.5".
            let s: Vec<f32> = (0..k).map(|j| ts[i * k + j] - t[j] + 0.5).collect();
            c.update(&y[i * k..(i + 1) * k], &s, 1.0);
        }
        c.metrics()
    };
    let plain = at(&vec![0.5; k]);
    let mut tuned = at(&thresholds);
    tuned.threshold = f32::NAN;
    Ok((metrics, Some(plain), Some(tuned), Some(thresholds)))
}

pub(super) fn hot(d: &impl DataSource) -> &[f32] {
    match d.targets() {
        Targets::Hot(m) => m.as_slice(),
        Targets::Labels(_) => &[],
    }
}
