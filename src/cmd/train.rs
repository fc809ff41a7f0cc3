//! `xent train ecg …` and `xent train text …`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use xent_core::LossConfig;
use xent_core::experiment::{Plan, compare_losses};
use xent_core::train::{ClassWeighting, EarlyStopping, Monitor, OptimizerConfig, TrainConfig};
use xent_ecg::beats::BeatWindow;
use xent_ecg::{Cnn1dConfig, EcgDataConfig, Patients};
use xent_resnet::ResNet1dConfig;

use super::text;

/// `xent train` subcommands.
#[derive(Subcommand, Debug)]
pub enum TrainCommand {
    /// Train ECG beat classifiers (MIT-BIH) under every loss configuration.
    Ecg(TrainEcgArgs),
    /// Train topic classifiers on news text under every loss configuration.
    Text(text::TrainTextArgs),
}

/// Runs a `xent train` subcommand.
pub fn run(command: TrainCommand) -> Result<()> {
    match command {
        TrainCommand::Ecg(args) => run_ecg(args),
        TrainCommand::Text(args) => text::run_train(args),
    }
}

/// The ECG networks.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcgModel {
    /// The 1D-CNN default: 3 conv blocks with batch norm, RR features, dense head.
    Cnn,
    /// The seed question's plain CNN on 187-sample windows (Conv/MaxPool/Dense).
    CnnPlain,
    /// The small residual network (3 basic blocks, RR features).
    Resnet,
    /// The deep Hannun-2019-style residual network (16 pre-activation blocks).
    ResnetDeep,
}

/// Split paradigm.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParadigmArg {
    /// DS1 → DS2, no patient on both sides (honest).
    Inter,
    /// Stratified random split of beats, patients on both sides (optimistic).
    Intra,
}

/// Class weighting in the training loss.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsArg {
    /// All classes weigh 1.
    None,
    /// `n / (K · n_c)`, scikit-learn's "balanced".
    Balanced,
}

/// Arguments of `xent train ecg`.
#[derive(Args, Debug)]
#[command(after_help = "Runs go to OUT/<config>/seed-<s>/; OUT/report.md and OUT/*.svg compare the \
configurations. Re-running the same command skips finished runs and resumes unfinished ones.")]
pub struct TrainEcgArgs {
    /// Network.
    #[arg(long, value_enum, default_value = "cnn")]
    model: EcgModel,
    /// Split paradigm.
    #[arg(long, value_enum, default_value = "inter")]
    split: ParadigmArg,
    /// Loss configurations (categorical, binary, softmax-binary, softmax-binary-keras3).
    #[arg(long, value_delimiter = ',', default_value = "categorical,binary,softmax-binary")]
    losses: Vec<String>,
    /// Number of seeds (0..N); every configuration runs every seed.
    #[arg(long, default_value_t = 2)]
    seeds: u64,
    /// Maximum epochs per run (early stopping on validation macro-F1 may end a run sooner).
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Early-stopping patience in epochs (0 turns early stopping off).
    #[arg(long, default_value_t = 2)]
    patience: usize,
    /// Mini-batch size (default: 64; 16 with --seed-setup).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate (default: Adam 1e-3; SGD 0.003 with --seed-setup).
    #[arg(long)]
    lr: Option<f64>,
    /// Train as the seed question did: SGD(lr=0.003, momentum=0.7), batch 16.
    #[arg(long)]
    seed_setup: bool,
    /// Class weights in the loss.
    #[arg(long, value_enum, default_value = "none")]
    class_weights: WeightsArg,
    /// Only these MIT-BIH records (comma-separated), e.g. for a quick look.
    #[arg(long, value_delimiter = ',')]
    records: Vec<String>,
    /// Only the first N beats of each record (a quick look).
    #[arg(long, value_name = "N")]
    beats_per_record: Option<usize>,
    /// The MIT-BIH folder.
    #[arg(long, default_value = "datasets/mitdb")]
    data: PathBuf,
    /// Experiment directory (default: runs/ecg/MODEL-SPLIT).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No per-epoch progress bars.
    #[arg(long)]
    quiet: bool,
}

fn run_ecg(args: TrainEcgArgs) -> Result<()> {
    let losses: Vec<LossConfig> = args
        .losses
        .iter()
        .map(|s| s.parse::<LossConfig>())
        .collect::<Result<_, _>>()?;
    if args.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let window = match args.model {
        // 187 samples as the seed's Kaggle-style beats: 125 Hz, 0.5 s before and 1 s from the R peak.
        EcgModel::CnnPlain => BeatWindow { before: 62, after: 125, target_fs: Some(125.0), ..BeatWindow::default() },
        _ => EcgDataConfig::default_window(),
    };
    let data = EcgDataConfig {
        dir: args.data.clone(),
        records: (!args.records.is_empty()).then(|| args.records.clone()),
        beats_per_record: args.beats_per_record,
        window: window.clone(),
        paradigm: match args.split {
            ParadigmArg::Inter => Patients::Inter,
            ParadigmArg::Intra => Patients::Intra,
        },
        ..EcgDataConfig::default()
    };
    eprintln!("loading beats from {} …", args.data.display());
    let loaded = data.load().with_context(|| format!("loading {}", args.data.display()))?;
    eprintln!("{}", loaded.description);

    let optimizer = if args.seed_setup {
        OptimizerConfig::sgd_momentum(args.lr.unwrap_or(0.003), 0.7, false)
    } else {
        OptimizerConfig::adam().with_learning_rate(args.lr.unwrap_or(1e-3))
    };
    let train = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size.unwrap_or(if args.seed_setup { 16 } else { 64 }),
        optimizer,
        class_weight: match args.class_weights {
            WeightsArg::None => ClassWeighting::None,
            WeightsArg::Balanced => ClassWeighting::Balanced,
        },
        early_stopping: (args.patience > 0).then(|| EarlyStopping::new(Monitor::ValMacroF1, args.patience)),
        ..TrainConfig::default()
    };
    let split_name = match args.split {
        ParadigmArg::Inter => "inter",
        ParadigmArg::Intra => "intra",
    };
    let model_name = args.model.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/ecg/{model_name}-{split_name}")));
    let plan = Plan::seeds(args.seeds).with_losses(losses).with_train(train).in_dir(&out).quiet(args.quiet);
    // What `xent eval` / `xent predict` need to cut new beats as these were cut.
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let side = super::run::EcgExperimentData { model: model_name.clone(), data: data.clone() };
    xent_core::artifacts::write_json(&out.join(super::run::ECG_SIDECAR), &side)?;
    let length = window.length();
    let experiment = match args.model {
        EcgModel::Cnn => compare_losses(&Cnn1dConfig::new().with_length(length), &loaded.split, &plan),
        EcgModel::CnnPlain => compare_losses(&Cnn1dConfig::plain().with_length(length), &loaded.split, &plan),
        EcgModel::Resnet => compare_losses(&ResNet1dConfig::small().with_length(length), &loaded.split, &plan),
        EcgModel::ResnetDeep => compare_losses(&ResNet1dConfig::hannun2019().with_length(length), &loaded.split, &plan),
    }?;
    for c in &experiment.comparisons {
        println!("{}: {}", c.metric, c.verdict);
    }
    println!("report: {}", out.join("report.md").display());
    Ok(())
}
