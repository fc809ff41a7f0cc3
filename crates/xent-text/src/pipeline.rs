//! The text pipeline: corpus → tokenizer (trained on the training split) → fixed-length token ids
//! (CNNs) or TF-IDF bags of whole documents (MLP) → the network under each loss configuration and
//! seed, through xent-core's training engine, with run artifacts under `<runs>/text/<name>/`.
//!
//! Layout: `<runs>/text/<name>/[fold-F/]<config>-seed<S>/` holds the engine's files
//! (`config.json`, `history.jsonl`, `metrics.json`, `confusion.csv`, `model.bpk`, `checkpoint/`)
//! plus `tokenizer.json` and `text.json` (what `xent predict` needs; multi-label runs record
//! their tuned thresholds there). `<runs>/text/<name>/` gets `summary.json` and `report.md`
//! (`summary.md` under `--experiment`, whose `report.md` is the experiment's own).
//!
//! The test split is the engine's validation set (evaluated after every epoch, no early
//! stopping, no model selection on it). Corpora without a test split (BBC, AG News test) use
//! stratified k-fold cross-validation; BBC's exact duplicates stay in training folds.
//! Multi-label tasks hold out a stratified 10 % of the training split to tune a per-label
//! threshold; figures at 0.5 and at the tuned thresholds are both reported.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::artifacts::{self, DataInfo, OpenMode, RunDir};
use xent_core::metrics::multilabel::{MultiLabelCounts, MultiLabelMetrics};
use xent_core::report::plots::LabelPoints;
use xent_core::train::{Classifier, DataSource, OptimizerConfig, TrainConfig, Trainer};
use xent_core::{LossConfig, Targets};

use crate::corpus::{Corpus, Document, agnews, bbc, reuters};
use crate::bow::{BagOfWords, TfIdf};
use crate::data::{TokenIds, targets_of};
use crate::error::{Result, TextError};
use crate::model::{ModelKind, TextCnnConfig};
use crate::tokenize::{TextTokenizer, TokenizerConfig};

/// The corpora the pipeline knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusName {
    /// Reuters R8 (single-label).
    R8,
    /// Reuters R52 (single-label).
    R52,
    /// Reuters-90 (multi-label).
    R90,
    /// BBC News (cross-validated).
    Bbc,
    /// AG News test file (cross-validated).
    AgNews,
}

impl std::str::FromStr for CorpusName {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "r8" => Ok(Self::R8),
            "r52" => Ok(Self::R52),
            "r90" | "reuters90" | "reuters-90" => Ok(Self::R90),
            "bbc" => Ok(Self::Bbc),
            "ag-news" | "agnews" | "ag_news" => Ok(Self::AgNews),
            _ => Err(TextError::InvalidArgument(format!("unknown corpus {s:?} (r8, r52, r90, bbc, ag-news)"))),
        }
    }
}

impl CorpusName {
    /// Name in run paths.
    pub fn name(self) -> &'static str {
        match self {
            Self::R8 => "r8",
            Self::R52 => "r52",
            Self::R90 => "r90",
            Self::Bbc => "bbc",
            Self::AgNews => "ag-news",
        }
    }

    /// The source file(s) under `datasets`.
    pub fn sources(self, datasets: &Path) -> Vec<PathBuf> {
        match self {
            Self::R8 | Self::R52 | Self::R90 => vec![reuters::default_archive(datasets)],
            Self::Bbc => vec![datasets.join("bbc/bbc-fulltext.tar.gz")],
            Self::AgNews => vec![datasets.join("ag_news/test.csv.gz"), datasets.join("ag_news/classes.txt")],
        }
    }

    /// Loads the corpus from `datasets`.
    ///
    /// # Errors
    /// As the loaders.
    pub fn load(self, datasets: &Path) -> Result<Corpus> {
        let s = self.sources(datasets);
        match self {
            Self::R8 => reuters::load(&s[0], reuters::Task::R8),
            Self::R52 => reuters::load(&s[0], reuters::Task::R52),
            Self::R90 => reuters::load(&s[0], reuters::Task::R90),
            Self::Bbc => bbc::load_tar(&s[0]),
            Self::AgNews => agnews::load(&s[0], &s[1]),
        }
    }

    /// The configurations run by default: all three for single-label corpora; for Reuters-90
    /// `Binary` (the right choice) and `Categorical` (softmax forced on multi-label targets).
    pub fn default_configs(self) -> Vec<LossConfig> {
        match self {
            Self::R90 => vec![LossConfig::Binary, LossConfig::Categorical],
            _ => LossConfig::DEFAULT_SET.to_vec(),
        }
    }
}

/// Everything a text experiment needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextPlan {
    /// Corpus.
    pub corpus: CorpusName,
    /// The datasets directory (`datasets/`).
    pub datasets: PathBuf,
    /// Network.
    pub model: ModelKind,
    /// Embedding width of the CNNs, hidden width of the MLP ([`ModelKind::default_width`]).
    pub embed_dim: usize,
    /// Loss configurations.
    pub configs: Vec<LossConfig>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Epochs per run.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Optimizer ([`ModelKind::default_optimizer`]).
    pub optimizer: OptimizerConfig,
    /// Tokenizer settings.
    pub tokenizer: TokenizerConfig,
    /// Bag-of-words networks: term frequency `1 + ln(count)` ([`TfIdf::sublinear_tf`]). Default
    /// true for the linear model (chosen on R8's validation split), false otherwise.
    #[serde(default)]
    pub sublinear_tf: bool,
    /// Folds of the cross-validation for corpora without a test split.
    pub folds: usize,
    /// How many of those folds to run (1 = the first only).
    pub run_folds: usize,
    /// Use only the first N training and N/3 test documents (after a seeded shuffle): for quick
    /// checks and tests.
    pub limit: Option<usize>,
    /// The experiment directory. Default `runs/text/<corpus>`.
    pub out: PathBuf,
    /// Existing run directories: refuse, resume or replace.
    pub mode: OpenMode,
    /// Hide the per-epoch progress.
    pub quiet: bool,
    /// Single-label corpora only: run through xent-core's experiments
    /// ([`xent_core::experiment::compare_losses`]) — a stratified 10 % of the training split
    /// as validation, the test split measured once per run, statistics across seeds, temperature
    /// scaling, `report.md` and SVG plots — instead of the plain engine loop.
    pub experiment: bool,
}

impl TextPlan {
    /// The defaults for `corpus`: Kim CNN with its training defaults (5 epochs, batch 50, Adam
    /// 1e-3), the corpus's default configurations, seed 0, word-level tokenizer (20,000 words, min
    /// frequency 2, 256 ids), 5 folds of which 1 is run.
    pub fn new(corpus: CorpusName) -> Self {
        let model = ModelKind::Kim;
        Self {
            corpus,
            datasets: PathBuf::from("datasets"),
            model,
            embed_dim: model.default_width(),
            configs: corpus.default_configs(),
            seeds: vec![0],
            epochs: model.default_epochs(),
            batch_size: model.default_batch_size(),
            optimizer: model.default_optimizer(),
            tokenizer: TokenizerConfig::default(),
            sublinear_tf: false,
            folds: 5,
            run_folds: 1,
            limit: None,
            out: PathBuf::from("runs").join("text").join(corpus.name()),
            mode: OpenMode::New,
            quiet: false,
            experiment: false,
        }
    }

    /// The same plan with network `model` and that network's defaults for the width, epochs,
    /// batch size and optimizer ([`ModelKind`]'s `default_*`) and for sublinear tf.
    pub fn with_model(self, model: ModelKind) -> Self {
        Self {
            model,
            sublinear_tf: model == ModelKind::Linear,
            embed_dim: model.default_width(),
            epochs: model.default_epochs(),
            batch_size: model.default_batch_size(),
            optimizer: model.default_optimizer(),
            ..self
        }
    }

    /// The network's shapes for a trained tokenizer and `k` classes.
    pub fn model_config(&self, tok: &TextTokenizer, k: usize) -> TextCnnConfig {
        TextCnnConfig { embed_dim: self.embed_dim, ..TextCnnConfig::new(self.model, tok.vocab_size(), tok.max_len(), k) }
    }

    /// The experiment directory ([`TextPlan::out`]).
    pub fn dir(&self) -> PathBuf {
        self.out.clone()
    }
}

/// What `xent predict` needs besides the weights and the tokenizer (`text.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRunInfo {
    /// The network's shapes.
    pub model: TextCnnConfig,
    /// The loss configuration (it fixes the head).
    pub loss: LossConfig,
    /// Corpus name.
    pub corpus: String,
    /// Class names.
    pub classes: Vec<String>,
    /// Multi-label task.
    pub multi_label: bool,
    /// Per-label decision thresholds (multi-label; tuned on the held-out part of training).
    pub thresholds: Option<Vec<f32>>,
    /// The TF-IDF weights fitted on the training split (bag-of-words networks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfidf: Option<TfIdf>,
}

/// One run's figures on the test split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Configuration.
    pub config: LossConfig,
    /// Seed.
    pub seed: u64,
    /// Fold (0 for a corpus with a test split).
    pub fold: usize,
    /// Run directory.
    pub dir: PathBuf,
    /// True (argmax) accuracy (single-label).
    pub accuracy: Option<f64>,
    /// What Keras 2 / tf.keras would have printed for `'accuracy'`.
    pub keras2_reported: f64,
    /// What Keras 3 would have printed for `'accuracy'`.
    pub keras3_reported: f64,
    /// Macro-F1 (single-label).
    pub macro_f1: Option<f64>,
    /// Multi-label figures at threshold 0.5.
    pub multilabel: Option<MultiLabelMetrics>,
    /// Multi-label figures at the per-label thresholds tuned on the held-out training part.
    pub multilabel_tuned: Option<MultiLabelMetrics>,
    /// Wall-clock seconds of training and evaluation.
    pub seconds: f64,
}

/// `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSummary {
    /// The plan.
    pub corpus: CorpusName,
    /// Network.
    pub model: ModelKind,
    /// Classes.
    pub classes: Vec<String>,
    /// Training / test documents of the first split.
    pub n_train: usize,
    /// Test documents of the first split.
    pub n_test: usize,
    /// Held-out documents for threshold tuning (multi-label).
    pub n_threshold: usize,
    /// Tokenizer vocabulary of the first split.
    pub vocab_size: usize,
    /// Documents empty after tokenisation (all padding, kept), training + test of the first split.
    pub empty_documents: usize,
    /// Documents truncated to the sequence length, training + test of the first split.
    pub truncated_documents: usize,
    /// Seconds to train the tokenizer on the first split.
    pub tokenizer_seconds: f64,
    /// Loading notes.
    pub warnings: Vec<String>,
    /// Every run.
    pub runs: Vec<RunRow>,
}

/// Runs the plan.
///
/// # Errors
/// Corpus, tokenizer, engine or artifact failures.
pub fn run(plan: &TextPlan) -> Result<TextSummary> {
    if plan.configs.is_empty() || plan.seeds.is_empty() {
        return Err(TextError::InvalidArgument("need at least one configuration and one seed".into()));
    }
    let corpus = plan.corpus.load(&plan.datasets)?;
    let mut sha = String::new();
    for s in plan.corpus.sources(&plan.datasets) {
        sha.push_str(&artifacts::sha256_file(&s)?[..16]);
    }
    let data_info = DataInfo {
        source: format!("{} ({})", plan.corpus.name(), plan.corpus.sources(&plan.datasets)[0].display()),
        sha256: sha,
    };
    let splits: Vec<(usize, Vec<Document>, Vec<Document>)> = if corpus.test.is_empty() {
        (0..plan.run_folds.clamp(1, plan.folds.max(2)))
            .map(|f| {
                let (tr, te) = corpus.fold(plan.folds, f, 12345)?;
                Ok((f, tr.iter().map(|&i| corpus.train[i].clone()).collect(), te.iter().map(|&i| corpus.train[i].clone()).collect()))
            })
            .collect::<Result<_>>()?
    } else {
        vec![(0, corpus.train.clone(), corpus.test.clone())]
    };
    let dir = plan.dir();
    std::fs::create_dir_all(&dir).map_err(|e| TextError::io(&dir, e))?;
    let mut summary: Option<TextSummary> = None;
    let mut rows = Vec::new();
    // Training documents per label in the first split (multi-label: the per-label plot's axis).
    let mut label_counts: Option<Vec<usize>> = None;
    for (fold, mut train, mut test) in splits {
        if let Some(n) = plan.limit {
            train = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 7).into_iter().take(n).map(|i| train[i].clone()).collect();
            test = xent_core::train::shuffled(&(0..test.len()).collect::<Vec<_>>(), 7).into_iter().take((n / 3).max(1)).map(|i| test[i].clone()).collect();
            // A small slice may miss classes: keep only test documents whose labels training has.
            let mut seen = vec![false; corpus.num_classes()];
            train.iter().flat_map(|d| &d.labels).for_each(|&l| seen[l as usize] = true);
            test.retain(|d| d.labels.iter().all(|&l| seen[l as usize]));
        }
        crate::corpus::check_labels(&corpus.classes, &train, &test)?;
        let sub = if corpus.test.is_empty() { dir.join(format!("fold-{fold}")) } else { dir.clone() };
        if plan.experiment {
            let (row_set, first) = run_experiment(plan, &corpus, &train, &test, &data_info, &sub)?;
            if summary.is_none() {
                summary = Some(TextSummary { warnings: corpus.warnings.clone(), runs: Vec::new(), ..first });
            }
            rows.extend(row_set.into_iter().map(|mut r| {
                r.fold = fold;
                r
            }));
            continue;
        }
        // Multi-label: hold out every 10th training document (seeded order) for thresholds.
        let (fit_docs, hold): (Vec<&Document>, Vec<&Document>) = if corpus.multi_label {
            // Every 10th document of a seeded order, unless that would take away the last
            // training document of one of its labels (Reuters-90 has labels with one).
            let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 99);
            let mut left = corpus.class_counts(&train);
            let mut is_hold = vec![false; train.len()];
            for &i in order.iter().step_by(10) {
                if train[i].labels.iter().all(|&l| left[l as usize] > 1) {
                    train[i].labels.iter().for_each(|&l| left[l as usize] -= 1);
                    is_hold[i] = true;
                }
            }
            (
                train.iter().zip(&is_hold).filter(|(_, h)| !**h).map(|(d, _)| d).collect(),
                train.iter().zip(&is_hold).filter(|(_, h)| **h).map(|(d, _)| d).collect(),
            )
        } else {
            (train.iter().collect(), Vec::new())
        };
        let started = Instant::now();
        let tok = TextTokenizer::train(&plan.tokenizer, fit_docs.iter().map(|d| d.text.as_str()))?;
        let tok_seconds = started.elapsed().as_secs_f64();
        let k = corpus.num_classes();
        let ml = corpus.multi_label;
        let test_refs: Vec<&Document> = test.iter().collect();
        let model_cfg = plan.model_config(&tok, k);
        model_cfg.validate()?;
        let split = SplitRuns {
            plan,
            corpus: &corpus,
            data_info: &data_info,
            model_cfg: &model_cfg,
            tok: &tok,
            tfidf: None,
            fold,
            sub,
        };
        let (empty, truncated, split_rows) = match plan.model {
            ModelKind::Question | ModelKind::Kim => {
                let enc = |docs: &[&Document]| TokenIds::encode(&tok, docs, k, ml);
                let (tr, te) = (enc(&fit_docs)?, enc(&test_refs)?);
                let ho = if hold.is_empty() { None } else { Some(enc(&hold)?) };
                let r = if plan.model == ModelKind::Question {
                    split.fit_all(|d| model_cfg.init_question(d), &tr, &te, ho.as_ref())?
                } else {
                    split.fit_all(|d| model_cfg.init_kim(d), &tr, &te, ho.as_ref())?
                };
                (tr.empty + te.empty, tr.truncated + te.truncated, r)
            }
            ModelKind::Mlp | ModelKind::Linear => {
                let (tfidf, tr) = fit_tfidf(plan, &tok, &fit_docs, k, ml)?;
                let enc = |docs: &[&Document]| BagOfWords::encode(&tok, &tfidf, docs, k, ml);
                let te = enc(&test_refs)?;
                let ho = if hold.is_empty() { None } else { Some(enc(&hold)?) };
                let split = SplitRuns { tfidf: Some(&tfidf), ..split };
                let r = if plan.model == ModelKind::Mlp {
                    split.fit_all(|d| model_cfg.init_mlp(d), &tr, &te, ho.as_ref())?
                } else {
                    split.fit_all(|d| model_cfg.init_linear(d), &tr, &te, ho.as_ref())?
                };
                (tr.empty + te.empty, 0, r)
            }
        };
        rows.extend(split_rows);
        if ml && label_counts.is_none() {
            label_counts = Some(corpus.class_counts(fit_docs.iter().copied()));
        }
        if summary.is_none() {
            summary = Some(TextSummary {
                corpus: plan.corpus,
                model: plan.model,
                classes: corpus.classes.clone(),
                n_train: fit_docs.len(),
                n_test: test.len(),
                n_threshold: hold.len(),
                vocab_size: tok.vocab_size(),
                empty_documents: empty,
                truncated_documents: truncated,
                tokenizer_seconds: tok_seconds,
                warnings: corpus.warnings.clone(),
                runs: Vec::new(),
            });
        }
    }
    let mut summary = summary.expect("at least one split");
    summary.runs = rows;
    artifacts::write_json(&dir.join("summary.json"), &summary)?;
    // Under --experiment, report.md is the experiment's own (statistics, plots): keep it.
    let table = if plan.experiment { "summary.md" } else { "report.md" };
    let mut md = report_markdown(plan, &summary);
    if let Some(counts) = &label_counts {
        label_plot(plan, &summary, counts, &dir.join("per_label_f1.svg"))?;
        md.push_str("\n![per-label F1 against training documents](per_label_f1.svg)\n");
    }
    artifacts::write_atomic(&dir.join(table), md.as_bytes())?;
    Ok(summary)
}

/// Multi-label runs: each label's test F1 at the tuned thresholds (mean over the runs of a
/// configuration) against its number of training documents, one colour per configuration.
fn label_plot(plan: &TextPlan, s: &TextSummary, counts: &[usize], path: &Path) -> Result<()> {
    let series: Vec<LabelPoints> = plan
        .configs
        .iter()
        .filter_map(|&c| {
            let runs: Vec<&MultiLabelMetrics> = s.runs.iter().filter(|r| r.config == c).filter_map(|r| r.multilabel_tuned.as_ref()).collect();
            let n = runs.len() as f64;
            (!runs.is_empty()).then(|| LabelPoints {
                name: format!("{c} ({} run{})", runs.len(), if runs.len() == 1 { "" } else { "s" }),
                points: counts
                    .iter()
                    .enumerate()
                    .map(|(j, &t)| (t as f64, runs.iter().map(|m| m.per_label.get(j).map_or(0.0, |l| l.f1)).sum::<f64>() / n))
                    .collect(),
            })
        })
        .collect();
    let title = format!("{}, {} model: per-label F1 at tuned thresholds", plan.corpus.name(), plan.model.name());
    xent_core::report::plots::label_f1(path, &title, &series)?;
    Ok(())
}

/// Fits TF-IDF on the training documents (whole, tokenised once) and returns it with their bags.
fn fit_tfidf(
    plan: &TextPlan,
    tok: &TextTokenizer,
    docs: &[&Document],
    k: usize,
    multi_label: bool,
) -> Result<(TfIdf, BagOfWords)> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let ids = tok.encode_whole(&texts)?;
    let tfidf = TfIdf::fit(&ids, tok.vocab_size())?.with_sublinear_tf(plan.sublinear_tf);
    let bags = BagOfWords::from_ids(&tfidf, &ids, targets_of(docs, k, multi_label), k)?;
    Ok((tfidf, bags))
}

/// One split's runs (every configuration × seed) in the plain engine loop.
struct SplitRuns<'a> {
    plan: &'a TextPlan,
    corpus: &'a Corpus,
    data_info: &'a DataInfo,
    model_cfg: &'a TextCnnConfig,
    tok: &'a TextTokenizer,
    tfidf: Option<&'a TfIdf>,
    fold: usize,
    sub: PathBuf,
}

impl SplitRuns<'_> {
    /// Trains and evaluates every configuration × seed; multi-label runs tune thresholds on
    /// `hold`. Each run directory gets `tokenizer.json` and `text.json`.
    fn fit_all<D, M>(&self, init: impl Fn(&Device) -> M, train: &D, test: &D, hold: Option<&D>) -> Result<Vec<RunRow>>
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

/// A [`TextCnnConfig`] for xent-core's experiments with the builder of its network
/// ([`TextCnnConfig::init_question`], `init_kim`, `init_mlp` or `init_linear`); serialised as the
/// configuration alone.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct TextNet<M> {
    /// The network's shapes (the experiment sets `num_classes` per loss configuration).
    pub config: TextCnnConfig,
    /// Builds the network from a configuration.
    #[serde(skip)]
    pub init: fn(&TextCnnConfig, &Device) -> M,
}

impl<M: Classifier> xent_core::experiment::ModelConfig for TextNet<M> {
    type Model = M;
    fn init(&self, outputs: usize, device: &Device) -> M {
        (self.init)(&TextCnnConfig { num_classes: outputs, ..self.config.clone() }, device)
    }
}

/// One split through [`xent_core::experiment::compare_losses`]: validation = every 10th
/// training document of each class in a seeded order (a class keeps at least one training
/// document); the tokenizer is trained on the rest. Runs land in `<sub>/<loss>/seed-<seed>/`,
/// each with `tokenizer.json` and `text.json` added.
fn run_experiment(
    plan: &TextPlan,
    corpus: &Corpus,
    train: &[Document],
    test: &[Document],
    data_info: &DataInfo,
    sub: &Path,
) -> Result<(Vec<RunRow>, TextSummary)> {
    if corpus.multi_label {
        return Err(TextError::InvalidArgument(format!(
            "{}: experiments are for single-label corpora; the multi-label pipeline (tuned thresholds) runs without --experiment",
            corpus.name
        )));
    }
    let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 98);
    let mut left = corpus.class_counts(train);
    let mut seen = vec![0usize; corpus.num_classes()];
    let (mut fit, mut valid): (Vec<&Document>, Vec<&Document>) = (Vec::new(), Vec::new());
    for i in order {
        let c = train[i].labels[0] as usize;
        seen[c] += 1;
        if seen[c].is_multiple_of(10) && left[c] > 1 {
            left[c] -= 1;
            valid.push(&train[i]);
        } else {
            fit.push(&train[i]);
        }
    }
    let started = Instant::now();
    let tok = TextTokenizer::train(&plan.tokenizer, fit.iter().map(|d| d.text.as_str()))?;
    let tok_seconds = started.elapsed().as_secs_f64();
    let k = corpus.num_classes();
    let test_refs: Vec<&Document> = test.iter().collect();
    let model_cfg = plan.model_config(&tok, k);
    model_cfg.validate()?;
    let xplan = xent_core::experiment::Plan::seeds(1)
        .with_losses(plan.configs.clone())
        .with_train(TrainConfig {
            epochs: plan.epochs,
            batch_size: plan.batch_size,
            optimizer: plan.optimizer,
            ..Default::default()
        })
        .in_dir(sub)
        .quiet(plan.quiet);
    let xplan = xent_core::experiment::Plan { seeds: plan.seeds.clone(), ..xplan };
    // Experiments resume by themselves (finished runs are skipped); --force starts afresh.
    if plan.mode == OpenMode::Force && sub.join("experiment.json").is_file() {
        for entry in std::fs::read_dir(sub).map_err(|e| TextError::io(sub, e))?.flatten() {
            let p = entry.path();
            let r = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
            r.map_err(|e| TextError::io(&p, e))?;
        }
    }
    use xent_core::experiment::compare_losses as compare;
    fn split<D>(tr: D, va: D, te: D, info: &DataInfo, classes: &[String]) -> xent_core::experiment::Split<D> {
        xent_core::experiment::Split::new(tr, va, info.clone()).with_test(te).with_class_names(classes.to_vec())
    }
    let started = Instant::now();
    let (experiment, empty, truncated, tfidf) = match plan.model {
        ModelKind::Question | ModelKind::Kim => {
            let enc = |docs: &[&Document]| TokenIds::encode(&tok, docs, k, false);
            let (tr, va, te) = (enc(&fit)?, enc(&valid)?, enc(&test_refs)?);
            let (empty, truncated) = (tr.empty + va.empty + te.empty, tr.truncated + va.truncated + te.truncated);
            let data = split(tr, va, te, data_info, &corpus.classes);
            let e = if plan.model == ModelKind::Question {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_question }, &data, &xplan)?
            } else {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_kim }, &data, &xplan)?
            };
            (e, empty, truncated, None)
        }
        ModelKind::Mlp | ModelKind::Linear => {
            let (tfidf, tr) = fit_tfidf(plan, &tok, &fit, k, false)?;
            let enc = |docs: &[&Document]| BagOfWords::encode(&tok, &tfidf, docs, k, false);
            let (va, te) = (enc(&valid)?, enc(&test_refs)?);
            let empty = tr.empty + va.empty + te.empty;
            let data = split(tr, va, te, data_info, &corpus.classes);
            let e = if plan.model == ModelKind::Mlp {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_mlp }, &data, &xplan)?
            } else {
                compare(&TextNet { config: model_cfg.clone(), init: TextCnnConfig::init_linear }, &data, &xplan)?
            };
            (e, empty, 0, Some(tfidf))
        }
    };
    let first = TextSummary {
        corpus: plan.corpus,
        model: plan.model,
        classes: corpus.classes.clone(),
        n_train: fit.len(),
        n_test: test.len(),
        n_threshold: 0,
        vocab_size: tok.vocab_size(),
        empty_documents: empty,
        truncated_documents: truncated,
        tokenizer_seconds: tok_seconds,
        warnings: Vec::new(),
        runs: Vec::new(),
    };
    let per_run = started.elapsed().as_secs_f64() / experiment.runs.len().max(1) as f64;
    let mut rows = Vec::new();
    for run in &experiment.runs {
        let loss = run.config.train.loss;
        tok.save(&run.dir.join("tokenizer.json"))?;
        let info = TextRunInfo {
            model: model_cfg.clone(),
            loss,
            corpus: plan.corpus.name().into(),
            classes: corpus.classes.clone(),
            multi_label: false,
            thresholds: None,
            tfidf: tfidf.clone(),
        };
        artifacts::write_json(&run.dir.join("text.json"), &info)?;
        let f = run.figures();
        rows.push(RunRow {
            config: loss,
            seed: run.config.train.seed,
            fold: 0,
            dir: run.dir.clone(),
            accuracy: Some(f.accuracy),
            keras2_reported: f.keras2,
            keras3_reported: f.keras3,
            macro_f1: f.macro_f1,
            multilabel: None,
            multilabel_tuned: None,
            seconds: per_run,
        });
    }
    Ok((rows, first))
}

type FitResult = (xent_core::train::FinalMetrics, Option<MultiLabelMetrics>, Option<MultiLabelMetrics>, Option<Vec<f32>>);

fn fit_one<D: DataSource, M: Classifier<Batch = D::Batch>>(
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

fn hot(d: &impl DataSource) -> &[f32] {
    match d.targets() {
        Targets::Hot(m) => m.as_slice(),
        Targets::Labels(_) => &[],
    }
}

/// Per-label thresholds maximising each label's F1 on held-out data, over 0.05, 0.10, …, 0.95;
/// 0.5 for a label without positives there.
pub fn tune_thresholds(scores: &[f32], truth: &[f32], k: usize) -> Vec<f32> {
    let n = truth.len() / k.max(1);
    (0..k)
        .map(|j| {
            if (0..n).all(|i| truth[i * k + j] != 1.0) {
                return 0.5;
            }
            let mut best = (f64::MIN, 0.5f32);
            for step in 1..20 {
                let t = step as f32 * 0.05;
                let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
                for i in 0..n {
                    match (truth[i * k + j] == 1.0, scores[i * k + j] > t) {
                        (true, true) => tp += 1.0,
                        (false, true) => fp += 1.0,
                        (true, false) => fneg += 1.0,
                        _ => {}
                    }
                }
                let f1 = 2.0 * tp / (2.0 * tp + fp + fneg);
                if f1 > best.0 {
                    best = (f1, t);
                }
            }
            best.1
        })
        .collect()
}

fn mean_sd(v: &[f64]) -> String {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return format!("{:.2}", 100.0 * m);
    }
    let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    format!("{:.2} ± {:.2}", 100.0 * m, 100.0 * sd)
}

/// `report.md`: per configuration, mean ± sd (sample sd, over seeds and folds) in percent.
pub fn report_markdown(plan: &TextPlan, s: &TextSummary) -> String {
    let mut md = format!(
        "# Text: {} with the {} network{}\n\nTraining documents {}, test documents {}{}; vocabulary {} ({:?}, {}); \
         empty after tokenisation: {}; truncated: {}.\n\
         Epochs {}, batch {}, {}, seeds {:?}{}.\n\n",
        plan.corpus.name(),
        plan.model.name(),
        if plan.model == ModelKind::Linear { String::new() } else { format!(" (width {})", plan.embed_dim) },
        s.n_train,
        s.n_test,
        if s.n_threshold > 0 { format!(", held out for thresholds {}", s.n_threshold) } else { String::new() },
        s.vocab_size,
        plan.tokenizer.kind,
        if plan.model.is_bag_of_words() {
            format!("whole documents as TF-IDF bags{}", if plan.sublinear_tf { ", sublinear tf" } else { "" })
        } else {
            format!("max length {}, truncation keeps the beginning", plan.tokenizer.max_len)
        },
        s.empty_documents,
        s.truncated_documents,
        plan.epochs,
        plan.batch_size,
        plan.optimizer,
        plan.seeds,
        if s.runs.iter().any(|r| r.fold > 0) || matches!(plan.corpus, CorpusName::Bbc | CorpusName::AgNews) {
            format!(", {} of {} folds", plan.run_folds, plan.folds)
        } else {
            String::new()
        },
    );
    let multi = s.runs.iter().any(|r| r.multilabel.is_some());
    if multi {
        md.push_str("| configuration | runs | micro-F1 @0.5 | macro-F1 @0.5 | subset acc @0.5 | Hamming loss @0.5 | micro-F1 tuned | macro-F1 tuned | Keras 2 reports |\n|---|---|---|---|---|---|---|---|---|\n");
    } else {
        md.push_str("| configuration | runs | true accuracy % | Keras 2 reports % | Keras 3 reports % | macro-F1 % |\n|---|---|---|---|---|---|\n");
    }
    for &c in &plan.configs {
        let r: Vec<&RunRow> = s.runs.iter().filter(|r| r.config == c).collect();
        if r.is_empty() {
            continue;
        }
        let col = |f: &dyn Fn(&RunRow) -> Option<f64>| mean_sd(&r.iter().filter_map(|x| f(x)).collect::<Vec<_>>());
        if multi {
            md.push_str(&format!(
                "| {c} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.len(),
                col(&|x| x.multilabel.as_ref().map(|m| m.micro_f1)),
                col(&|x| x.multilabel.as_ref().map(|m| m.macro_f1)),
                col(&|x| x.multilabel.as_ref().map(|m| m.subset_accuracy)),
                col(&|x| x.multilabel.as_ref().map(|m| m.hamming_loss)),
                col(&|x| x.multilabel_tuned.as_ref().map(|m| m.micro_f1)),
                col(&|x| x.multilabel_tuned.as_ref().map(|m| m.macro_f1)),
                col(&|x| Some(x.keras2_reported)),
            ));
        } else {
            md.push_str(&format!(
                "| {c} | {} | {} | {} | {} | {} |\n",
                r.len(),
                col(&|x| x.accuracy),
                col(&|x| Some(x.keras2_reported)),
                col(&|x| Some(x.keras3_reported)),
                col(&|x| x.macro_f1),
            ));
        }
    }
    if !multi {
        let verdicts = verdicts(plan, s);
        if !verdicts.is_empty() {
            md.push_str("\nIs the difference real? (true accuracy, paired t-test over runs with the same seed and fold)\n\n");
            for v in verdicts {
                md.push_str(&format!("- {v}\n"));
            }
        }
    }
    if !s.warnings.is_empty() {
        md.push_str("\nLoading notes:\n\n");
        for w in &s.warnings {
            md.push_str(&format!("- {w}\n"));
        }
    }
    md
}

/// The verdict of every pair of configurations on the true accuracy, paired by (fold, seed);
/// none with fewer than two runs per configuration.
fn verdicts(plan: &TextPlan, s: &TextSummary) -> Vec<String> {
    let runs_of = |c: LossConfig| {
        let mut r: Vec<&RunRow> = s.runs.iter().filter(|r| r.config == c && r.accuracy.is_some()).collect();
        r.sort_by_key(|r| (r.fold, r.seed));
        r
    };
    let mut out = Vec::new();
    for (i, &a) in plan.configs.iter().enumerate() {
        for &b in &plan.configs[i + 1..] {
            let (ra, rb) = (runs_of(a), runs_of(b));
            if ra.len() < 2 || rb.len() < 2 {
                continue;
            }
            let paired = ra.len() == rb.len() && ra.iter().zip(&rb).all(|(x, y)| (x.fold, x.seed) == (y.fold, y.seed));
            let acc = |r: &[&RunRow]| r.iter().filter_map(|x| x.accuracy).collect::<Vec<f64>>();
            if let Ok(c) = xent_core::stats::Comparison::new(a.name(), b.name(), "true accuracy", &acc(&ra), &acc(&rb), paired) {
                out.push(c.verdict);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_maximise_each_labels_f1_on_held_out_scores() {
        // Label 0: positives score 0.3 and 0.35, negatives 0.1 and 0.2 → any t in [0.2, 0.3)
        // separates them; the grid's first such value is 0.2 (scores must be *above* t).
        // Label 1: no positives → 0.5.
        let scores = [0.3, 0.9, 0.35, 0.8, 0.1, 0.7, 0.2, 0.6];
        let truth = [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let t = tune_thresholds(&scores, &truth, 2);
        assert!((t[0] - 0.2).abs() < 1e-6, "{t:?}");
        assert_eq!(t[1], 0.5);
    }

    #[test]
    fn mean_sd_uses_the_sample_sd() {
        assert_eq!(mean_sd(&[0.9, 0.8]), "85.00 ± 7.07");
        assert_eq!(mean_sd(&[0.5]), "50.00");
    }
}
