//! `xent train text …` and `xent predict RUN --text … | --file …`: the text pipeline
//! (crates/xent-text) from the command line.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use xent_core::train::OptimizerConfig;
use xent_core::{LossConfig, OpenMode};
use xent_text::pipeline::{self, CorpusName, TextPlan};
use xent_text::predict::Predictor;
use xent_text::{ModelKind, TokenizerKind};

use super::common::{CommonTrainArgs, LossArg, Seeds, deprecated};
use crate::usage;

/// Arguments of `xent train text`.
#[derive(Args, Debug, Clone)]
#[command(after_help = "OUT (or OUT/fold-F/ for cross-validated corpora) is an experiment directory: report.md \
with the statistics across seeds and its plots, and one run directory per configuration and seed, \
OUT/[fold-F/]CONFIG/seed-S/ (config.json, history.jsonl, metrics.json, model.bpk, logits_test.npy, tokenizer.json, \
text.json); OUT also gets summary.json and summary.md (every run in one table). \
Corpora: r8, r52 (single-label, ModApte test split), r90 (multi-label), bbc and ag-news (stratified k-fold CV). \
Re-running the same command skips finished runs and resumes unfinished ones.

Defaults: --losses the corpus's (all three; binary,categorical for r90), --data datasets, --out runs/text/CORPUS.

Examples:
  xent train text                                  # the question's CNN on R8, the corpus's configurations x 5 seeds
  xent train text --corpus r52 --model linear --seeds 0,1,2 --experiment --out runs/text/r52-linear
  xent train text --corpus bbc --model question --losses categorical,binary --run-folds 5")]
pub struct TrainTextArgs {
    #[command(flatten)]
    pub common: CommonTrainArgs,
    /// Corpus.
    #[arg(long, value_enum, default_value = "r8")]
    pub corpus: CorpusArg,
    /// Network: the question's CNN, kim (Kim 2014, 3/4/5 × 100 filters), mlp (TF-IDF bag of
    /// words → Dense → Dense) or linear (TF-IDF bag → Dense: logistic regression); mlp and linear
    /// read whole documents and ignore --max-len. `seed` is a deprecated name of `question`.
    #[arg(long, value_enum, default_value = "question")]
    pub model: ModelArg,
    /// Epochs per run [default: 5 for the CNNs, 15 for mlp, 40 for linear].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size [default: 50 for the CNNs, 32 for mlp and linear].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Optimizer [default: adam; for linear sgd, learning rate 5, momentum 0.9].
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerArg>,
    /// Learning rate [default: the network's; 1e-3 for adam, 0.01 for sgd on the other networks].
    #[arg(long)]
    pub lr: Option<f64>,
    /// SGD momentum [default: 0.9].
    #[arg(long)]
    pub momentum: Option<f64>,
    /// Tokenizer.
    #[arg(long, value_enum, default_value = "word-level")]
    pub tokenizer: TokenizerArg,
    /// Vocabulary size (special tokens included).
    #[arg(long, default_value_t = 20_000)]
    pub vocab_size: usize,
    /// Minimum frequency of a word in the training split.
    #[arg(long, default_value_t = 2)]
    pub min_frequency: u64,
    /// Sequence length; longer documents keep their beginning.
    #[arg(long, default_value_t = 256)]
    pub max_len: usize,
    /// mlp and linear: weigh a word counted c times by 1 + ln c instead of c (scikit-learn's
    /// sublinear_tf) [default: true for linear, false for mlp].
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub sublinear_tf: Option<bool>,
    /// Embedding width (CNNs) or hidden width (mlp) [default: 128 for the CNNs, 1024 for mlp].
    #[arg(long)]
    pub embed_dim: Option<usize>,
    /// Cross-validation folds (bbc, ag-news).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// How many of the folds to run.
    #[arg(long, default_value_t = 1)]
    pub run_folds: usize,
    /// Use only N training documents (and N/3 test documents): quick checks.
    #[arg(long)]
    pub limit: Option<usize>,
    /// After the runs, train this reference model on the same corpus and split (categorical
    /// cross-entropy, seed 0; into OUT-linear-reference) and print its test accuracy beside
    /// theirs.
    #[arg(long, value_enum, default_value = "none")]
    pub reference: ReferenceArg,
    /// Single-label corpora: hold out a stratified 10 % of the training documents as validation
    /// (per-epoch learning curves, temperature scaling fitted on it); without it every training
    /// document trains the network.
    #[arg(long)]
    pub experiment: bool,
    /// Deprecated: --losses.
    #[arg(long, hide = true, value_enum, value_delimiter = ',')]
    pub configs: Vec<LossArg>,
    /// Deprecated: --out (OUT = RUNS/text/NAME).
    #[arg(long, hide = true)]
    pub runs: Option<PathBuf>,
    /// Deprecated: --out (OUT = RUNS/text/NAME).
    #[arg(long, hide = true)]
    pub name: Option<String>,
    /// Deprecated: --data.
    #[arg(long, hide = true)]
    pub datasets: Option<PathBuf>,
    /// Deprecated: resuming is the default (--force restarts).
    #[arg(long, hide = true)]
    pub resume: bool,
}

/// The corpora of `xent train text`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusArg {
    /// Reuters R8 (single-label, ModApte test split).
    R8,
    /// Reuters R52 (single-label, ModApte test split).
    R52,
    /// Reuters-90 (multi-label, ModApte test split).
    R90,
    /// BBC News (stratified k-fold cross-validation).
    Bbc,
    /// AG News test file (stratified k-fold cross-validation).
    AgNews,
}

impl From<CorpusArg> for CorpusName {
    fn from(c: CorpusArg) -> Self {
        match c {
            CorpusArg::R8 => Self::R8,
            CorpusArg::R52 => Self::R52,
            CorpusArg::R90 => Self::R90,
            CorpusArg::Bbc => Self::Bbc,
            CorpusArg::AgNews => Self::AgNews,
        }
    }
}

/// The networks of `xent train text`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelArg {
    /// The question's small CNN.
    Question,
    /// Deprecated name of `question`.
    #[value(hide = true)]
    Seed,
    /// Kim's 2014 CNN.
    Kim,
    /// The TF-IDF bag-of-words MLP.
    Mlp,
    /// Logistic regression on the TF-IDF bag.
    Linear,
}

impl From<ModelArg> for ModelKind {
    fn from(m: ModelArg) -> Self {
        match m {
            ModelArg::Question | ModelArg::Seed => Self::Question,
            ModelArg::Kim => Self::Kim,
            ModelArg::Mlp => Self::Mlp,
            ModelArg::Linear => Self::Linear,
        }
    }
}

/// The optimizers of `xent train text`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerArg {
    /// Adam.
    Adam,
    /// SGD with momentum.
    Sgd,
}

/// The tokenizers of `xent train text`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenizerArg {
    /// One id per word.
    WordLevel,
    /// Byte-pair encoding over the pre-tokenised words.
    Bpe,
    /// WordPiece (`##` continuation prefix).
    Wordpiece,
}

impl From<TokenizerArg> for TokenizerKind {
    fn from(t: TokenizerArg) -> Self {
        match t {
            TokenizerArg::WordLevel => Self::WordLevel,
            TokenizerArg::Bpe => Self::Bpe,
            TokenizerArg::Wordpiece => Self::WordPiece,
        }
    }
}

/// The reference model trained after the runs.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceArg {
    /// Logistic regression on TF-IDF.
    Linear,
    /// No reference.
    None,
}

/// Arguments of `xent predict`.
#[derive(Args, Debug, Clone)]
pub struct PredictArgs {
    /// A text run directory (holding text.json, tokenizer.json, model.bpk).
    pub run: PathBuf,
    /// Text(s) to classify.
    #[arg(long, required_unless_present = "file")]
    pub text: Vec<String>,
    /// A file with one document per line.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Print JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
}

impl TrainTextArgs {
    /// The plan these arguments describe (printing a note for each deprecated flag used).
    pub fn plan(&self) -> Result<TextPlan> {
        let corpus = CorpusName::from(self.corpus);
        let mut plan = TextPlan::new(corpus).with_model(self.model.into());
        if self.model == ModelArg::Seed {
            deprecated("--model seed", "--model question");
        }
        let mut losses = self.common.losses.clone();
        if !self.configs.is_empty() {
            deprecated("--configs", "--losses");
            losses.extend(&self.configs);
        }
        if !losses.is_empty() {
            plan.configs = losses.into_iter().map(LossConfig::from).collect();
        }
        plan.seeds = self.common.seed_list();
        plan.epochs = self.epochs.unwrap_or(plan.epochs);
        plan.batch_size = self.batch_size.unwrap_or(plan.batch_size);
        plan.optimizer = self.optimizer(plan.optimizer)?;
        plan.tokenizer.kind = self.tokenizer.into();
        plan.tokenizer.vocab_size = self.vocab_size;
        plan.tokenizer.min_frequency = self.min_frequency;
        plan.tokenizer.max_len = self.max_len;
        plan.sublinear_tf = self.sublinear_tf.unwrap_or(plan.sublinear_tf);
        plan.embed_dim = self.embed_dim.unwrap_or(plan.embed_dim);
        plan.folds = self.folds;
        plan.run_folds = self.run_folds;
        plan.limit = self.limit;
        if let Some(d) = &self.datasets {
            deprecated("--datasets", "--data");
            plan.datasets = d.clone();
        }
        if let Some(d) = &self.common.data {
            plan.datasets = d.clone();
        }
        if self.runs.is_some() || self.name.is_some() {
            deprecated("--runs and --name", "--out RUNS/text/NAME");
            let runs = self.runs.clone().unwrap_or_else(|| "runs".into());
            plan.out = runs.join("text").join(self.name.as_deref().unwrap_or(corpus.name()));
        }
        if let Some(out) = &self.common.out {
            plan.out = out.clone();
        }
        if self.resume {
            deprecated("--resume", "nothing: resuming is the default (--force restarts)");
        }
        plan.mode = if self.common.force { OpenMode::Force } else { OpenMode::Resume };
        plan.quiet = self.common.quiet;
        plan.experiment = self.experiment;
        plan.shard = self.common.shard()?;
        Ok(plan)
    }

    /// `--optimizer`, `--lr` and `--momentum` applied to the network's default optimizer
    /// (`default`): naming the default's kind keeps its settings; the other kind starts from
    /// Keras's default learning rate (Adam 1e-3; SGD 0.01, here with momentum 0.9).
    fn optimizer(&self, default: OptimizerConfig) -> Result<OptimizerConfig> {
        let base = match self.optimizer {
            None => default,
            Some(OptimizerArg::Sgd) if matches!(default, OptimizerConfig::Sgd { .. }) => default,
            Some(OptimizerArg::Sgd) => OptimizerConfig::sgd_momentum(0.01, 0.9, false),
            Some(OptimizerArg::Adam) if matches!(default, OptimizerConfig::Adam { .. }) => default,
            Some(OptimizerArg::Adam) => OptimizerConfig::adam(),
        };
        let with_momentum = match (base, self.momentum) {
            (OptimizerConfig::Sgd { learning_rate, nesterov, decay, weight_decay, .. }, Some(momentum)) => {
                OptimizerConfig::Sgd { learning_rate, momentum, nesterov, decay, weight_decay }
            }
            (_, Some(_)) => usage!("--momentum applies to --optimizer sgd"),
            (b, None) => b,
        };
        let chosen = self.lr.map_or(with_momentum, |lr| with_momentum.with_learning_rate(lr));
        chosen.validate()?;
        Ok(chosen)
    }
}

/// Runs `xent train text`.
pub fn run_train(args: TrainTextArgs) -> Result<()> {
    args.common.select_device();
    let plan = args.plan()?;
    let summary = pipeline::run(&plan).with_context(|| format!("text pipeline on {}", plan.corpus.name()))?;
    print!("{}", pipeline::report_markdown(&plan, &summary));
    println!("\nwritten: {}", plan.dir().display());
    if args.reference == ReferenceArg::Linear && plan.model != ModelKind::Linear {
        let mut reference_out = plan.out.clone().into_os_string();
        reference_out.push("-linear-reference");
        let mut common = args.common.clone();
        common.losses = vec![LossArg::Categorical];
        common.seeds = Some(Seeds(vec![0]));
        common.out = Some(reference_out.into());
        common.data = Some(plan.datasets.clone());
        let reference = TrainTextArgs {
            common,
            model: ModelArg::Linear,
            configs: Vec::new(),
            epochs: None,
            batch_size: None,
            optimizer: None,
            lr: None,
            momentum: None,
            embed_dim: None,
            sublinear_tf: None,
            runs: None,
            name: None,
            datasets: None,
            resume: false,
            reference: ReferenceArg::None,
            ..args.clone()
        }
        .plan()?;
        // Every run of the main grid is finished here: the reference is one run, not shared out.
        let reference = TextPlan { shard: None, ..reference };
        let ref_summary =
            pipeline::run(&reference).with_context(|| format!("the linear reference on {}", plan.corpus.name()))?;
        let mean = |rows: &[&pipeline::RunRow]| {
            let v: Vec<f64> = rows.iter().filter_map(|r| r.accuracy).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        println!("\nReference on the same test documents (accuracy, mean over runs):");
        for config in &plan.configs {
            let rows: Vec<&pipeline::RunRow> = summary.runs.iter().filter(|r| r.config == *config).collect();
            if let Some(m) = mean(&rows) {
                println!("  {} network, {config}: {:.2} % ({} runs)", plan.model.name(), 100.0 * m, rows.len());
            }
        }
        let rows: Vec<&pipeline::RunRow> = ref_summary.runs.iter().collect();
        if let Some(m) = mean(&rows) {
            println!("  logistic regression on TF-IDF (linear), categorical, seed 0: {:.2} %", 100.0 * m);
        }
        println!("written: {}", reference.dir().display());
    }
    Ok(())
}

/// Runs `xent predict` on a text run.
pub fn run_predict(args: PredictArgs) -> Result<()> {
    let mut texts = args.text.clone();
    if let Some(f) = &args.file {
        let s = std::fs::read_to_string(f).with_context(|| format!("{}", f.display()))?;
        texts.extend(s.lines().map(String::from));
    }
    if texts.is_empty() {
        usage!("nothing to classify: give --text or a non-empty --file");
    }
    let p = Predictor::open(&args.run)?;
    let preds = p.predict(&texts)?;
    for (t, pr) in texts.iter().zip(&preds) {
        if args.json {
            println!("{}", serde_json::json!({ "text": t, "labels": pr.labels, "scores": pr.scores, "empty": pr.empty }));
        } else {
            let best = pr.scores.iter().copied().fold(f32::MIN, f32::max);
            let short: String = t.chars().take(60).collect();
            println!("{}\t{:.3}\t{short}{}", pr.labels.join(","), best, if pr.empty { "\t(empty after tokenisation)" } else { "" });
        }
    }
    Ok(())
}
