//! `xent train text …` and `xent predict RUN --text … | --file …`: the text pipeline
//! (crates/xent-text) from the command line.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use xent_core::train::OptimizerConfig;
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
    /// Network: seed (the question's CNN), kim (Kim 2014, 3/4/5 × 100 filters), mlp (TF-IDF
    /// bag of words → Dense → Dense) or linear (TF-IDF bag → Dense: logistic regression); mlp
    /// and linear read whole documents and ignore --max-len.
    #[arg(long, default_value = "seed")]
    pub model: String,
    /// Loss configurations, comma-separated [default: the corpus's: all three; binary,categorical for r90].
    #[arg(long, value_delimiter = ',')]
    pub configs: Vec<String>,
    /// Seeds, comma-separated (five: enough to tell a difference of a point from seed noise).
    #[arg(long, value_delimiter = ',', default_value = "0,1,2,3,4")]
    pub seeds: Vec<u64>,
    /// Epochs per run [default: 5 for the CNNs, 15 for mlp, 40 for linear].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Mini-batch size [default: 50 for the CNNs, 32 for mlp and linear].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Optimizer: adam or sgd [default: adam; for linear sgd, learning rate 5, momentum 0.9].
    #[arg(long)]
    pub optimizer: Option<String>,
    /// Learning rate [default: the network's; 1e-3 for adam, 0.01 for sgd on the other networks].
    #[arg(long)]
    pub lr: Option<f64>,
    /// SGD momentum [default: 0.9].
    #[arg(long)]
    pub momentum: Option<f64>,
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
    /// No per-epoch progress (a bar on a terminal, a line per epoch otherwise).
    #[arg(long)]
    pub quiet: bool,
    /// After the runs, train this reference model on the same corpus and split (categorical
    /// cross-entropy, seed 0) and print its test accuracy beside theirs: `linear` (logistic
    /// regression on TF-IDF), or `none`.
    #[arg(long, default_value = "none", value_parser = ["linear", "none"])]
    pub reference: String,
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
        let mut plan = TextPlan::new(corpus).with_model(self.model.parse::<ModelKind>()?);
        if !self.configs.is_empty() {
            plan.configs = self.configs.iter().map(|c| c.parse::<LossConfig>()).collect::<Result<_, _>>()?;
        }
        plan.seeds = self.seeds.clone();
        plan.epochs = self.epochs.unwrap_or(plan.epochs);
        plan.batch_size = self.batch_size.unwrap_or(plan.batch_size);
        plan.optimizer = self.optimizer(plan.optimizer)?;
        plan.tokenizer.kind = self.tokenizer.parse::<TokenizerKind>()?;
        plan.tokenizer.vocab_size = self.vocab_size;
        plan.tokenizer.min_frequency = self.min_frequency;
        plan.tokenizer.max_len = self.max_len;
        plan.sublinear_tf = self.sublinear_tf.unwrap_or(plan.sublinear_tf);
        plan.embed_dim = self.embed_dim.unwrap_or(plan.embed_dim);
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

    /// `--optimizer`, `--lr` and `--momentum` applied to the network's default optimizer
    /// (`default`): naming the default's kind keeps its settings; the other kind starts from
    /// Keras's default learning rate (Adam 1e-3; SGD 0.01, here with momentum 0.9).
    fn optimizer(&self, default: OptimizerConfig) -> Result<OptimizerConfig> {
        let base = match self.optimizer.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None => default,
            Some("sgd") if matches!(default, OptimizerConfig::Sgd { .. }) => default,
            Some("sgd") => OptimizerConfig::sgd_momentum(0.01, 0.9, false),
            Some("adam") if matches!(default, OptimizerConfig::Adam { .. }) => default,
            Some("adam") => OptimizerConfig::adam(),
            Some(other) => bail!("unknown optimizer {other:?} (adam, sgd)"),
        };
        let with_momentum = match (base, self.momentum) {
            (OptimizerConfig::Sgd { learning_rate, nesterov, decay, weight_decay, .. }, Some(momentum)) => {
                OptimizerConfig::Sgd { learning_rate, momentum, nesterov, decay, weight_decay }
            }
            (_, Some(_)) => bail!("--momentum applies to --optimizer sgd"),
            (b, None) => b,
        };
        let chosen = self.lr.map_or(with_momentum, |lr| with_momentum.with_learning_rate(lr));
        chosen.validate()?;
        Ok(chosen)
    }
}

/// Runs `xent train text`.
pub fn run_train(args: TrainTextArgs) -> Result<()> {
    let plan = args.plan()?;
    let summary = pipeline::run(&plan).with_context(|| format!("text pipeline on {}", plan.corpus.name()))?;
    print!("{}", pipeline::report_markdown(&plan, &summary));
    println!("\nwritten: {}", plan.dir().display());
    if args.reference == "linear" && plan.model != ModelKind::Linear {
        let reference = TrainTextArgs {
            model: "linear".into(),
            configs: vec!["categorical".into()],
            seeds: vec![0],
            epochs: None,
            batch_size: None,
            optimizer: None,
            lr: None,
            momentum: None,
            embed_dim: None,
            sublinear_tf: None,
            name: Some(format!("{}-linear-reference", plan.name)),
            reference: "none".into(),
            ..args.clone()
        }
        .plan()?;
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
