//! One split (the corpus's train/test, or one fold) through xent-core's experiment runner
//! ([`xent_core::experiment::compare_losses_with`]): the documents divided, the tokenizer trained,
//! the network chosen, and a per-run hook that saves what `xent predict` needs and, for
//! multi-label corpora, tunes the per-label thresholds.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use xent_core::Targets;
use xent_core::artifacts::{self, DataInfo, OpenMode};
use xent_core::experiment::{FinishedRun, Split, compare_losses_with};
use xent_core::metrics::multilabel::{MultiLabelCounts, MultiLabelMetrics};
use xent_core::train::{Classifier, DataSource, TrainConfig};

use super::{RunRow, TextNet, TextPlan, TextRunInfo, TextSummary, fit_tfidf, tune_thresholds};
use crate::bow::{BagOfWords, TfIdf};
use crate::corpus::{Corpus, Document};
use crate::data::TokenIds;
use crate::error::{Result, TextError};
use crate::model::{ModelKind, TextCnnConfig};
use crate::tokenize::TextTokenizer;

/// What one split's experiment yields: a row per run, the split's description, and (multi-label)
/// the training documents per label.
pub(super) struct SplitResult {
    pub(super) rows: Vec<RunRow>,
    pub(super) summary: TextSummary,
    pub(super) label_counts: Option<Vec<usize>>,
}

/// `multilabel.json` of a multi-label run: its test figures at 0.5 and at the per-label thresholds
/// of its `text.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct MultiLabelFigures {
    /// Every label at 0.5.
    at_half: MultiLabelMetrics,
    /// Each label at its tuned threshold (computed on scores shifted by 0.5 − tₖ, so the
    /// `threshold` field says 0.5; the rows mark it NaN: per label).
    tuned: MultiLabelMetrics,
}

/// The documents of one split, as the runner uses them: the training part, the validation part
/// (`--experiment`: early stopping off, temperature fit, learning curves), the held-out part for
/// multi-label thresholds, and the test documents (measured once per run).
struct Parts<'a> {
    fit: Vec<&'a Document>,
    valid: Vec<&'a Document>,
    hold: Vec<&'a Document>,
    test: Vec<&'a Document>,
}

impl<'a> Parts<'a> {
    fn of(plan: &TextPlan, corpus: &Corpus, train: &'a [Document], test: &'a [Document]) -> Result<Self> {
        let mut parts = Parts { fit: Vec::new(), valid: Vec::new(), hold: Vec::new(), test: test.iter().collect() };
        if plan.experiment {
            if corpus.multi_label {
                return Err(TextError::InvalidArgument(format!(
                    "{}: experiments are for single-label corpora; the multi-label pipeline (tuned thresholds) runs without --experiment",
                    corpus.name
                )));
            }
            // Validation: every 10th training document of each class in a seeded order (a class
            // keeps at least one training document).
            let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 98);
            let mut left = corpus.class_counts(train);
            let mut seen = vec![0usize; corpus.num_classes()];
            for i in order {
                let c = train[i].labels[0] as usize;
                seen[c] += 1;
                if seen[c].is_multiple_of(10) && left[c] > 1 {
                    left[c] -= 1;
                    parts.valid.push(&train[i]);
                } else {
                    parts.fit.push(&train[i]);
                }
            }
            return Ok(parts);
        }
        if !corpus.multi_label {
            parts.fit = train.iter().collect();
            return Ok(parts);
        }
        // Multi-label: hold out every 10th document of a seeded order for the thresholds, unless
        // that would take away the last training document of one of its labels (Reuters-90 has
        // labels with one).
        let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 99);
        let mut left = corpus.class_counts(train);
        let mut is_hold = vec![false; train.len()];
        for &i in order.iter().step_by(10) {
            if train[i].labels.iter().all(|&l| left[l as usize] > 1) {
                train[i].labels.iter().for_each(|&l| left[l as usize] -= 1);
                is_hold[i] = true;
            }
        }
        for (d, h) in train.iter().zip(is_hold) {
            if h { parts.hold.push(d) } else { parts.fit.push(d) }
        }
        Ok(parts)
    }
}

/// The encoded documents of one split: the runner's split, and the held-out part for
/// multi-label thresholds.
struct Encoded<D> {
    split: Split<D>,
    hold: Option<D>,
}

impl<D: DataSource> Encoded<D> {
    fn new(cx: &Context<'_>, fit: D, valid: Option<D>, hold: Option<D>, test: D) -> Self {
        let split = Split {
            train: fit,
            valid,
            test: Some(test),
            data: cx.data_info.clone(),
            class_names: cx.corpus.classes.clone(),
        };
        Self { split, hold }
    }

    fn test(&self) -> &D {
        self.split.test.as_ref().expect("Encoded::new sets the test split")
    }
}

/// Everything the per-run hook and the rows need, shared by every network.
struct Context<'a> {
    plan: &'a TextPlan,
    corpus: &'a Corpus,
    data_info: &'a DataInfo,
    sub: &'a Path,
    tok: &'a TextTokenizer,
    model_cfg: &'a TextCnnConfig,
    tfidf: Option<&'a TfIdf>,
}

/// `enc(docs)`, or `None` for no documents.
fn optional<D>(docs: &[&Document], enc: impl Fn(&[&Document]) -> Result<D>) -> Result<Option<D>> {
    if docs.is_empty() { Ok(None) } else { enc(docs).map(Some) }
}

/// Runs one split's experiment in `sub` (every configuration × seed).
pub(super) fn run_split(
    plan: &TextPlan,
    corpus: &Corpus,
    train: &[Document],
    test: &[Document],
    data_info: &DataInfo,
    sub: &Path,
) -> Result<SplitResult> {
    let parts = Parts::of(plan, corpus, train, test)?;
    let started = Instant::now();
    let tok = TextTokenizer::train(&plan.tokenizer, parts.fit.iter().map(|d| d.text.as_str()))?;
    let tokenizer_seconds = started.elapsed().as_secs_f64();
    let (k, ml) = (corpus.num_classes(), corpus.multi_label);
    let model_cfg = plan.model_config(&tok, k);
    model_cfg.validate()?;
    // Experiments resume by themselves (finished runs are skipped); --force starts afresh.
    if plan.mode == OpenMode::Force && sub.join("experiment.json").is_file() {
        for entry in std::fs::read_dir(sub).map_err(|e| TextError::io(sub, e))?.flatten() {
            let p = entry.path();
            let r = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            r.map_err(|e| TextError::io(&p, e))?;
        }
    }
    let cx = Context { plan, corpus, data_info, sub, tok: &tok, model_cfg: &model_cfg, tfidf: None };
    let (rows, empty, truncated) = match plan.model {
        ModelKind::Question | ModelKind::Kim => {
            let enc = |docs: &[&Document]| TokenIds::encode(&tok, docs, k, ml);
            let (fit, valid, test) = (enc(&parts.fit)?, optional(&parts.valid, enc)?, enc(&parts.test)?);
            let empty = fit.empty + valid.as_ref().map_or(0, |v| v.empty) + test.empty;
            let truncated = fit.truncated + valid.as_ref().map_or(0, |v| v.truncated) + test.truncated;
            let data = Encoded::new(&cx, fit, valid, optional(&parts.hold, enc)?, test);
            let rows = if plan.model == ModelKind::Question {
                cx.run(TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_question }, &data)?
            } else {
                cx.run(TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_kim }, &data)?
            };
            (rows, empty, truncated)
        }
        ModelKind::Mlp | ModelKind::Linear => {
            let (tfidf, fit) = fit_tfidf(plan, &tok, &parts.fit, k, ml)?;
            let enc = |docs: &[&Document]| BagOfWords::encode(&tok, &tfidf, docs, k, ml);
            let (valid, test) = (optional(&parts.valid, enc)?, enc(&parts.test)?);
            let empty = fit.empty + valid.as_ref().map_or(0, |v| v.empty) + test.empty;
            let data = Encoded::new(&cx, fit, valid, optional(&parts.hold, enc)?, test);
            let cx = Context { tfidf: Some(&tfidf), ..cx };
            let rows = if plan.model == ModelKind::Mlp {
                cx.run(TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_mlp }, &data)?
            } else {
                cx.run(TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_linear }, &data)?
            };
            (rows, empty, 0)
        }
    };
    let summary = TextSummary {
        corpus: plan.corpus,
        model: plan.model,
        classes: corpus.classes.clone(),
        n_train: parts.fit.len(),
        n_test: test.len(),
        n_threshold: parts.hold.len(),
        vocab_size: tok.vocab_size(),
        empty_documents: empty,
        truncated_documents: truncated,
        tokenizer_seconds,
        warnings: corpus.warnings.clone(),
        runs: Vec::new(),
    };
    let label_counts = ml.then(|| corpus.class_counts(parts.fit.iter().copied()));
    Ok(SplitResult { rows, summary, label_counts })
}

impl Context<'_> {
    /// The split's experiment through the runner, with the text hook, read back as rows.
    fn run<D, M>(&self, net: TextNet<M>, data: &Encoded<D>) -> Result<Vec<RunRow>>
    where
        D: DataSource<Batch = M::Batch>,
        M: Classifier,
    {
        let plan = self.plan;
        let xplan = xent_core::experiment::Plan::seeds(0)
            .with_seeds(plan.seeds.clone())
            .with_losses(plan.configs.clone())
            .with_train(TrainConfig {
                epochs: plan.epochs,
                batch_size: plan.batch_size,
                optimizer: plan.optimizer,
                ..Default::default()
            })
            .in_dir(self.sub)
            .quiet(plan.quiet)
            .shard(plan.shard);
        let hook = |run: &FinishedRun<'_, M>| self.after_run(run, data).map_err(xent_core::Error::from);
        let experiment = compare_losses_with(&net, &data.split, &xplan, hook)?;
        experiment
            .runs
            .iter()
            .map(|run| {
                let f = run.figures();
                let ml: Option<MultiLabelFigures> = if self.corpus.multi_label {
                    Some(artifacts::read_json(&run.dir.join("multilabel.json"))?)
                } else {
                    None
                };
                Ok(RunRow {
                    config: run.loss(),
                    seed: run.config.train.seed,
                    fold: 0,
                    dir: run.dir.clone(),
                    accuracy: f.evaluation.accuracy,
                    keras2_reported: f.keras2,
                    keras3_reported: f.keras3,
                    macro_f1: f.macro_f1,
                    multilabel: ml.as_ref().map(|m| m.at_half.clone()),
                    multilabel_tuned: ml.map(|m| MultiLabelMetrics { threshold: f32::NAN, ..m.tuned }),
                    seconds: run.history.iter().map(|h| h.seconds).sum(),
                })
            })
            .collect()
    }

    /// The per-run hook: `tokenizer.json` and `text.json` (what `xent predict` needs) and, for
    /// multi-label corpora, the per-label thresholds tuned on the held-out documents with the
    /// test figures at 0.5 and at those thresholds (`multilabel.json`).
    fn after_run<D, M>(&self, run: &FinishedRun<'_, M>, data: &Encoded<D>) -> Result<()>
    where
        D: DataSource<Batch = M::Batch>,
        M: Classifier,
    {
        self.tok.save(&run.dir.file("tokenizer.json"))?;
        let thresholds = match &data.hold {
            Some(hold) => {
                let hs = xent_core::train::predict(run.model, hold, run.loss, 256, run.device)?.into_vec();
                let test = data.test();
                // The test scores from the logits the runner computed.
                let head = run.loss.head();
                let z = run.test_logits.expect("the split has its test documents");
                let ts = z.map_rows(|row, p| head.apply_row(row, p)).into_vec();
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
                let figures = MultiLabelFigures { at_half: at(&vec![0.5; k]), tuned: at(&thresholds) };
                artifacts::write_json(&run.dir.file("multilabel.json"), &figures)?;
                Some(thresholds)
            }
            None => None,
        };
        let info = TextRunInfo {
            model: self.model_cfg.clone(),
            loss: run.loss,
            corpus: self.plan.corpus.name().into(),
            classes: self.corpus.classes.clone(),
            multi_label: self.corpus.multi_label,
            thresholds,
            tfidf: self.tfidf.cloned(),
        };
        artifacts::write_json(&run.dir.file("text.json"), &info)?;
        Ok(())
    }
}

/// The multi-hot targets of `d` (empty for class-index targets).
fn hot(d: &impl DataSource) -> &[f32] {
    match d.targets() {
        Targets::Hot(m) => m.as_slice(),
        Targets::Labels(_) => &[],
    }
}
