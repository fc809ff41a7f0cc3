//! `xent score`: audit predictions from any framework.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use xent_core::Head;
use xent_core::io::{read_class_names, read_predictions, read_targets, read_weights};
use xent_core::score::{ScoreOptions, score};

/// Arguments of `xent score`.
#[derive(Args, Debug)]
#[command(after_help = "P: CSV (N rows x K columns, header optional) or .npy (f4/f8, shape [N,K] or [N] for one \
sigmoid unit). T: class indices (one CSV column or an integer .npy) or a one-/multi-hot matrix. \
Exit code 2 on bad input, naming the file and line or index.")]
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
    #[arg(long, default_value_t = 0.0, value_name = "A")]
    label_smoothing: f32,
    /// Threshold for binary decisions (binary accuracy, a single sigmoid, multi-label).
    #[arg(long, default_value_t = 0.5)]
    threshold: f32,
    /// Top-k accuracies to compute, e.g. 2,3.
    #[arg(long, value_delimiter = ',', value_name = "K,...")]
    top_k: Vec<usize>,
    /// Class names, one per line.
    #[arg(long, value_name = "FILE")]
    classes: Option<PathBuf>,
    /// Print one JSON object instead of the readable report.
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy)]
enum Activation {
    Softmax,
    Sigmoid,
}

/// Runs `xent score`.
pub fn run(args: ScoreArgs) -> Result<()> {
    let predictions = read_predictions(&args.pred)?;
    let targets = read_targets(&args.target)?;
    let sample_weight = args.sample_weight.as_deref().map(read_weights).transpose()?;
    let class_names = args.classes.as_deref().map(read_class_names).transpose()?;
    let opts = ScoreOptions {
        from_logits: args.from_logits,
        activation: args.activation.map(|a| match a {
            Activation::Softmax => Head::Softmax,
            Activation::Sigmoid => Head::Sigmoid,
        }),
        sample_weight,
        label_smoothing: args.label_smoothing,
        threshold: args.threshold,
        top_k: args.top_k,
        class_names,
    };
    let report = score(&predictions, &targets, &opts).with_context(|| {
        format!("scoring {} against {}", args.pred.display(), args.target.display())
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(())
}
