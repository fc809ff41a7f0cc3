//! `xent score`: audit predictions from any framework.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use xent_metrics::Head;
use xent_metrics::io::{HeaderMode, InputLimits, ReadOptions, read_score_inputs};
use xent_metrics::metrics::DEFAULT_MAX_CLASSES;
use xent_metrics::score::{ScoreOptions, score};

/// Arguments of `xent score`.
#[derive(Args, Debug)]
#[command(after_help = "P: CSV (N rows x K columns, header optional) or .npy (f4/f8, shape [N,K] or [N] for one \
sigmoid unit). T: class indices (one CSV column or an integer .npy) or a one-/multi-hot matrix. \
Every value must be finite as f32. Each input must be a regular file of at most --max-input-mib; CSV cells \
are at most 1024 bytes. Exit code 2 on bad input, naming the file and line or index.")]
pub struct ScoreArgs {
    /// Predictions: probabilities (default) or logits (--from-logits).
    #[arg(long, value_name = "P")]
    pred: PathBuf,
    /// Targets: class indices or one-/multi-hot rows.
    #[arg(long, value_name = "T")]
    target: PathBuf,
    /// The predictions are logits, not probabilities.
    #[arg(long)]
    from_logits: bool,
    /// Activation that turns logits into probabilities for the metrics (default: softmax for K > 1,
    /// sigmoid for one output).
    #[arg(long, value_enum, requires = "from_logits")]
    activation: Option<Activation>,
    /// One weight per row (CSV column or .npy); weights every metric and the losses.
    #[arg(long, value_name = "W")]
    sample_weight: Option<PathBuf>,
    /// Label smoothing for the losses, in [0, 1].
    #[arg(long, default_value_t = 0.0, value_name = "A", allow_negative_numbers = true)]
    label_smoothing: f32,
    /// Threshold for binary decisions (binary accuracy, a single sigmoid, multi-label), in [0, 1].
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    threshold: f32,
    /// Top-k accuracies to compute, e.g. 2,3 (each k < the number of classes).
    #[arg(long, value_delimiter = ',', value_name = "K,...", allow_negative_numbers = true)]
    top_k: Vec<usize>,
    /// Whether each CSV file's first row is a header: auto detects column names, a pandas index
    /// column, and pandas' integer column names 0,1,… when predictions and targets both start with them.
    #[arg(long, value_enum, default_value_t = Header::Auto)]
    header: Header,
    /// Largest number of classes for which the dense K x K confusion matrix is reported; above it
    /// the matrix is omitted (with a warning) and every metric is computed from per-class counts.
    #[arg(long, default_value_t = DEFAULT_MAX_CLASSES, value_name = "K")]
    max_classes: usize,
    /// Largest input file, in MiB; a larger file is refused before it is read.
    #[arg(long, default_value_t = InputLimits::default().max_bytes >> 20, value_name = "MIB")]
    max_input_mib: u64,
    /// Class names, one per line.
    #[arg(long, value_name = "FILE")]
    classes: Option<PathBuf>,
    /// Print one JSON object instead of the readable report.
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum Header {
    Auto,
    Yes,
    No,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum Activation {
    Softmax,
    Sigmoid,
}

/// Runs `xent score`.
pub fn run(args: ScoreArgs) -> Result<()> {
    let read = ReadOptions {
        header: match args.header {
            Header::Auto => HeaderMode::Auto,
            Header::Yes => HeaderMode::Yes,
            Header::No => HeaderMode::No,
        },
        limits: InputLimits { max_bytes: args.max_input_mib.saturating_mul(1 << 20) },
    };
    let inputs = read_score_inputs(
        &args.pred,
        &args.target,
        args.sample_weight.as_deref(),
        args.classes.as_deref(),
        read,
    )?;
    let (predictions, targets) = (inputs.predictions, inputs.targets);
    let opts = ScoreOptions {
        from_logits: args.from_logits,
        activation: args.activation.map(|a| match a {
            Activation::Softmax => Head::Softmax,
            Activation::Sigmoid => Head::Sigmoid,
        }),
        sample_weight: inputs.sample_weight,
        label_smoothing: args.label_smoothing,
        threshold: args.threshold,
        top_k: args.top_k,
        class_names: inputs.class_names,
        max_classes: Some(args.max_classes),
    };
    let mut report = score(&predictions, &targets, &opts).with_context(|| {
        let mut with = Vec::new();
        if let Some(w) = &args.sample_weight {
            with.push(format!("weights {}", w.display()));
        }
        if let Some(c) = &args.classes {
            with.push(format!("class names {}", c.display()));
        }
        let with = if with.is_empty() { String::new() } else { format!(" ({})", with.join(", ")) };
        format!("scoring {} against {}{with}", args.pred.display(), args.target.display())
    })?;
    report.warnings.extend(inputs.notes);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}
