//! `xent train text …` and `xent predict RUN --text … | --file …`: the text pipeline
//! (crates/xent-text) from the command line.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use xent_core::{LossConfig, OpenMode};
use xent_text::pipeline::{self, CorpusName, TextPlan};
use xent_text::predict::Predictor;
use xent_text::{ModelKind, TokenizerKind};

/// Arguments of `xent train text`.
#[derive(Args, Debug, Clone)]
#[command(after_help = "Runs go to RUNS/text/NAME/[fold-F/]CONFIG-seedS/ (config.json, history.jsonl, metrics.json, \
confusion.csv, model.bpk, tokenizer.json, text.json); RUNS/text/NAME/ gets summary.json and report.md. \
Corpora: r8, r52 (single-label, ModApte test split), r90 (multi-label), bbc and ag-news (stratified k-fold CV).")]
pub struct TrainTextArgs {
    /// Corpus: r8, r52, r90, bbc, ag-news.
    #[arg(long, default_value = "r8")]
    pub corpus: String,
    /// Network: seed (the question's CNN), kim (Kim 2014, 3/4/5 × 100 filters) or mlp (TF-IDF
    /// bag of words → Dense → Dense; reads whole documents, ignores --max-len).
    #[arg(long, default_value = "seed")]
    pub model: String,
    /// Loss configurations, comma-separated [default: the corpus's: all three; binary,categorical for r90].
    #[arg(long, value_delimiter = ',')]
    pub configs: Vec<String>,
    /// Seeds, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub seeds: Vec<u64>,
    /// Epochs per run.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 50)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Tokenizer: word-level, bpe, wordpiece.
    #[arg(long, default_value = "word-level")]
    pub tokenizer: String,
    /// Vocabulary size (special tokens included).
    #[arg(long, default_value_t = 20_000)]
    pub vocab_size: usize,
    /// Minimum frequency of a word in the training split.
    #[arg(long, default_value_t = 2)]
    pub min_frequency: u64,
    /// Sequence length; longer documents keep their beginning.
    #[arg(long, default_value_t = 256)]
    pub max_len: usize,
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
    /// Experiment name [default: the corpus name].
    #[arg(long)]
    pub name: Option<String>,
    /// Runs root.
    #[arg(long, default_value = "runs")]
    pub runs: PathBuf,
    /// Datasets directory.
    #[arg(long, default_value = "datasets")]
    pub datasets: PathBuf,
    /// Replace existing run directories (wins over --resume).
    #[arg(long)]
    pub force: bool,
    /// Continue existing runs from their checkpoints (a finished run is only re-evaluated).
    #[arg(long)]
    pub resume: bool,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Single-label corpora: run through xent-core's experiments (held-out validation, test
    /// measured once, statistics across seeds, temperature scaling, report.md with SVG plots);
    /// runs go to RUNS/text/NAME/[fold-F/]CONFIG/seed-S/.
    #[arg(long)]
    pub experiment: bool,
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
    /// The plan these arguments describe.
    pub fn plan(&self) -> Result<TextPlan> {
        let corpus: CorpusName = self.corpus.parse()?;
        let mut plan = TextPlan::new(corpus);
        plan.model = self.model.parse::<ModelKind>()?;
        if !self.configs.is_empty() {
            plan.configs = self.configs.iter().map(|c| c.parse::<LossConfig>()).collect::<Result<_, _>>()?;
        }
        plan.seeds = self.seeds.clone();
        plan.epochs = self.epochs;
        plan.batch_size = self.batch_size;
        plan.learning_rate = self.lr;
        plan.tokenizer.kind = self.tokenizer.parse::<TokenizerKind>()?;
        plan.tokenizer.vocab_size = self.vocab_size;
        plan.tokenizer.min_frequency = self.min_frequency;
        plan.tokenizer.max_len = self.max_len;
        plan.embed_dim = self.embed_dim.unwrap_or(plan.model.default_width());
        plan.folds = self.folds;
        plan.run_folds = self.run_folds;
        plan.limit = self.limit;
        plan.runs = self.runs.clone();
        plan.datasets = self.datasets.clone();
        plan.name = self.name.clone().unwrap_or_else(|| corpus.name().to_string());
        plan.mode = match (self.force, self.resume) {
            (true, _) => OpenMode::Force,
            (_, true) => OpenMode::Resume,
            _ => OpenMode::New,
        };
        plan.quiet = self.quiet;
        plan.experiment = self.experiment;
        Ok(plan)
    }
}

/// Runs `xent train text`.
pub fn run_train(args: TrainTextArgs) -> Result<()> {
    let plan = args.plan()?;
    let summary = pipeline::run(&plan).with_context(|| format!("text pipeline on {}", plan.corpus.name()))?;
    print!("{}", pipeline::report_markdown(&plan, &summary));
    println!("\nwritten: {}", plan.dir().display());
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
        bail!("nothing to classify: give --text or a non-empty --file");
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
