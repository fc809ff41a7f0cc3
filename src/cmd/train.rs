//! `xent train ecg …` and `xent train text …`.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use xent_core::LossConfig;
use xent_core::experiment::{CvSummary, Experiment, Plan, Split as ExperimentSplit, compare_losses};
use xent_core::train::{ClassWeighting, LrSchedule, OptimizerConfig, Sampling, TrainConfig};
use xent_ecg::beats::{BeatWindow, Normalize};
use xent_ecg::aami_report::aami_markdown;
use xent_ecg::record_lists::{read_patients, read_record_list};
use xent_ecg::{BeatSource, ClassSet, Cnn1dConfig, EcgDataConfig, Patients, SymbolMap, baseline};
use xent_resnet::ResNet1dConfig;

use super::common::{CommonTrainArgs, deprecated};
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
    /// The question's plain CNN on 187-sample windows (Conv/MaxPool/Dense).
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
    /// The square root of the balanced weights, renormalised (half-way in log scale).
    Sqrt,
}

/// How an epoch's batches are drawn.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplingArg {
    /// Every beat once per epoch, shuffled.
    Uniform,
    /// Batches with the classes in equal shares (rare classes oversampled).
    Balanced,
}

/// The classes learned.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassesArg {
    /// AAMI N, S, V, F (Q beats counted and left out).
    Nsvf,
    /// All five AAMI classes.
    Nsvfq,
}

/// Learning-rate schedule.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleArg {
    /// The base rate throughout.
    Constant,
    /// Cosine annealing from the base rate towards zero over the run's epochs.
    Cosine,
}

/// Amplitude normalisation of the beat windows.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NormalizeArg {
    /// Divide by the record's median beat amplitude (keeps amplitude relative to the patient).
    Record,
    /// Z-score every beat on its own.
    Zscore,
}

/// Arguments of `xent train ecg`.
#[derive(Args, Debug)]
#[command(after_help = "Runs go to OUT/<config>/seed-<s>/; OUT/report.md and OUT/*.svg compare the \
configurations. With --cv K the folds go to OUT/cv/fold-<k>/ and the summary to OUT/cv/cv.md. \
Re-running the same command skips finished runs and resumes unfinished ones.

Defaults: --losses categorical,binary,softmax-binary, --data datasets/mitdb, --out runs/ecg/MODEL-SPLIT.

Examples:
  xent train ecg                                   # the default CNN, 3 configurations x 5 seeds
  xent train ecg --losses categorical,binary --seeds 10 --out runs/ecg/cnn-10
  xent train ecg --cv 5 --seeds 1                  # model selection on DS1 only
  xent train ecg --data datasets/incartdb --train-records @train.txt --test-records @test.txt")]
pub struct TrainEcgArgs {
    #[command(flatten)]
    common: CommonTrainArgs,
    /// Network.
    #[arg(long, value_enum, default_value = "cnn")]
    model: EcgModel,
    /// Split paradigm.
    #[arg(long, value_enum, default_value = "inter")]
    split: ParadigmArg,
    /// Epochs per run (the cosine schedule anneals over them). The default is the length that
    /// 5-fold patient-grouped cross-validation on DS1 measured (docs/ecg-results.md).
    #[arg(long, default_value_t = DEFAULT_EPOCHS)]
    epochs: usize,
    /// Cross-validate on the training side only (DS1, grouped by patient; intra: stratified beat
    /// folds) with K folds instead of training the final models: prints and saves the per-epoch
    /// validation curve, pooled out-of-fold figures and the epoch count they choose.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Mini-batch size (default: 64; 16 with --question-setup).
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate (default: Adam 1e-3; SGD 0.003 with --question-setup).
    #[arg(long)]
    lr: Option<f64>,
    /// Train as the question did: SGD(lr=0.003, momentum=0.7), batch 16, constant rate, no
    /// class weights.
    #[arg(long)]
    question_setup: bool,
    /// Deprecated spelling of --question-setup.
    #[arg(long, hide = true)]
    seed_setup: bool,
    /// Class weights in the loss (default: sqrt, chosen by DS1 cross-validation; none with
    /// --question-setup).
    #[arg(long, value_enum)]
    class_weights: Option<WeightsArg>,
    /// Learning-rate schedule (default: cosine, annealed over --epochs; constant with --question-setup).
    #[arg(long, value_enum)]
    schedule: Option<ScheduleArg>,
    /// How batches are drawn.
    #[arg(long, value_enum, default_value = "uniform")]
    sampling: SamplingArg,
    /// Decoupled weight decay λ (Keras 3's `weight_decay`: `w ← w − η·λ·w` before each step).
    #[arg(long, default_value_t = 0.0, value_name = "LAMBDA")]
    weight_decay: f64,
    /// Classes learned.
    #[arg(long, value_enum, default_value = "nsvf")]
    classes: ClassesArg,
    /// Beat amplitude normalisation (`cnn`, `resnet`, `resnet-deep`; `cnn-plain` keeps z-scores).
    #[arg(long, value_enum, default_value = "record")]
    normalize: NormalizeArg,
    /// Add to every beat its difference from the record's median beat as a second channel
    /// (`cnn`, `resnet`, `resnet-deep`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    template_difference: bool,
    /// Leave the RR features out of the network.
    #[arg(long)]
    no_rr: bool,
    /// `cnn`: flatten the last block's features instead of pooling them over time.
    #[arg(long)]
    flatten: bool,
    /// Only these records (comma-separated), e.g. for a quick look.
    #[arg(long, value_delimiter = ',')]
    records: Vec<String>,
    /// The training records of the inter-patient split (and of --cv), comma-separated or `@FILE`
    /// (one name per line) [default: MIT-BIH's DS1]. Any WFDB database: give --test-records too.
    #[arg(long, value_name = "LIST|@FILE", value_parser = record_list)]
    train_records: Option<RecordList>,
    /// The test records of the inter-patient split, comma-separated or `@FILE` [default: MIT-BIH's DS2].
    #[arg(long, value_name = "LIST|@FILE", value_parser = record_list)]
    test_records: Option<RecordList>,
    /// A `record,patient` file: records of one patient stay together in --cv folds and may not be
    /// on both sides of the split [default: every record is its own patient].
    #[arg(long, value_name = "FILE")]
    patients: Option<PathBuf>,
    /// A `symbol,class` file mapping annotation symbols to AAMI classes (N, S, V, F, Q, or `-` to
    /// leave out) on top of AAMI's table [default: AAMI's table].
    #[arg(long, value_name = "FILE")]
    symbol_map: Option<PathBuf>,
    /// Only the first N beats of each record (a quick look).
    #[arg(long, value_name = "N")]
    beats_per_record: Option<usize>,
}

/// Epochs of `xent train ecg` by default, as chosen by DS1 cross-validation.
const DEFAULT_EPOCHS: usize = 10;

fn run_ecg(args: TrainEcgArgs) -> Result<()> {
    args.common.select_device();
    let losses = args.common.losses_or(&LossConfig::DEFAULT_SET);
    if args.seed_setup {
        deprecated("--seed-setup", "--question-setup");
    }
    let question_setup = args.question_setup || args.seed_setup;
    let data_dir = args.common.data.clone().unwrap_or_else(|| PathBuf::from("datasets/mitdb"));
    let window = match args.model {
        // 187 samples as the question's Kaggle-style beats: 125 Hz, 0.5 s before and 1 s from the R peak.
        EcgModel::CnnPlain => BeatWindow { before: 62, after: 125, target_fs: Some(125.0), ..BeatWindow::default() },
        _ => BeatWindow {
            normalize: match args.normalize {
                NormalizeArg::Record => Normalize::RecordReference,
                NormalizeArg::Zscore => Normalize::ZScore,
            },
            template_difference: args.template_difference,
            ..EcgDataConfig::default_window()
        },
    };
    let window = match &args.symbol_map {
        Some(path) => BeatWindow { symbols: SymbolMap::read(path)?, ..window },
        None => window,
    };
    let data = EcgDataConfig {
        dir: data_dir.clone(),
        records: (!args.records.is_empty()).then(|| args.records.clone()),
        train_records: args.train_records.clone().map(|l| l.0),
        test_records: args.test_records.clone().map(|l| l.0),
        patients: args.patients.as_deref().map(read_patients).transpose()?.unwrap_or_default(),
        beats_per_record: args.beats_per_record,
        window: window.clone(),
        paradigm: match args.split {
            ParadigmArg::Inter => Patients::Inter,
            ParadigmArg::Intra => Patients::Intra,
        },
        classes: match args.classes {
            ClassesArg::Nsvf => ClassSet::Nsvf,
            ClassesArg::Nsvfq => ClassSet::Nsvfq,
        },
        ..EcgDataConfig::default()
    };
    let optimizer = if question_setup {
        OptimizerConfig::sgd_momentum(args.lr.unwrap_or(0.003), 0.7, false)
    } else {
        OptimizerConfig::adam().with_learning_rate(args.lr.unwrap_or(1e-3))
    }
    .with_weight_decay(args.weight_decay);
    let train = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size.unwrap_or(if question_setup { 16 } else { 64 }),
        optimizer,
        class_weight: match args.class_weights.unwrap_or(if question_setup { WeightsArg::None } else { WeightsArg::Sqrt }) {
            WeightsArg::None => ClassWeighting::None,
            WeightsArg::Balanced => ClassWeighting::Balanced,
            WeightsArg::Sqrt => ClassWeighting::Sqrt,
        },
        schedule: match args.schedule.unwrap_or(if question_setup { ScheduleArg::Constant } else { ScheduleArg::Cosine }) {
            ScheduleArg::Constant => LrSchedule::Constant,
            ScheduleArg::Cosine => LrSchedule::Cosine { epochs: args.epochs.max(1), floor: 0.0 },
        },
        sampling: match args.sampling {
            SamplingArg::Uniform => Sampling::Uniform,
            SamplingArg::Balanced => Sampling::ClassBalanced,
        },
        ..TrainConfig::default()
    };
    let split_name = match args.split {
        ParadigmArg::Inter => "inter",
        ParadigmArg::Intra => "intra",
    };
    let model_name = args.model.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default();
    let out = args.common.out.clone().unwrap_or_else(|| PathBuf::from(format!("runs/ecg/{model_name}-{split_name}")));
    let (length, channels) = (window.length(), window.channels_for(1));
    let rr = !args.no_rr;
    let model = match args.model {
        EcgModel::Cnn => EcgNetConfig::Cnn(
            Cnn1dConfig::new().with_length(length).with_channels(channels).with_rr_features(rr).with_global_pool(!args.flatten),
        ),
        EcgModel::CnnPlain => EcgNetConfig::Cnn(Cnn1dConfig::plain().with_length(length)),
        EcgModel::Resnet => {
            EcgNetConfig::Resnet(ResNet1dConfig::small().with_length(length).with_channels(channels).with_rr_features(rr))
        }
        EcgModel::ResnetDeep => {
            EcgNetConfig::Resnet(ResNet1dConfig::hannun2019().with_length(length).with_channels(channels).with_rr_features(rr))
        }
    };
    let plan = Plan::seeds(0)
        .with_seeds(args.common.seed_list())
        .with_losses(losses)
        .with_train(train)
        .quiet(args.common.quiet)
        .shard(args.common.shard()?);
    eprintln!("loading beats from {} …", data_dir.display());

    if let Some(k) = args.cv {
        let cv_dir = out.join("cv");
        let folds = data.load_cv(k).with_context(|| format!("loading {}", data_dir.display()))?;
        let mut experiments = Vec::with_capacity(k);
        let mut elsewhere = None;
        for (f, fold) in folds.iter().enumerate() {
            eprintln!("{}", fold.description);
            let dir = cv_dir.join(format!("fold-{}", f + 1));
            if args.common.force {
                restart(&plan, &dir)?;
            }
            // A shard trains its share of every fold before it says what is left to others.
            match model.compare_losses(&fold.split, &plan.clone().in_dir(&dir)) {
                Ok(e) => experiments.push(e),
                Err(e) if crate::exit::fault(&e) == xent_metrics::Fault::Deferred => elsewhere = Some(e),
                Err(e) => return Err(e),
            }
        }
        if let Some(e) = elsewhere {
            return Err(e);
        }
        let summary = CvSummary::from_folds(&experiments)?;
        summary.write(&cv_dir)?;
        println!("{}", summary.to_markdown());
        println!("cross-validation: {}", cv_dir.join("cv.md").display());
        return Ok(());
    }

    let loaded = data.load().with_context(|| format!("loading {}", data_dir.display()))?;
    eprintln!("{}", loaded.description);
    if args.common.force {
        restart(&plan, &out)?;
    }
    let experiment = model.compare_losses(&loaded.split, &plan.in_dir(&out))?;
    // What `xent eval` / `xent predict` need to cut and scale new beats as these were; written
    // once the experiment has accepted this data, so a refused run never replaces it.
    let side = super::run::EcgExperimentData { model: model_name.clone(), data: data.clone(), rr_scaler: loaded.rr_scaler };
    xent_core::artifacts::write_json(&out.join(super::run::ECG_SIDECAR), &side)?;
    for c in &experiment.comparisons {
        println!("{}: {}", c.metric, c.verdict);
    }
    let test = loaded.split.test.as_ref().context("the final split has no test side")?;
    let baselines = vec![
        ("always N (baseline)".to_owned(), baseline::always_n(test)),
        ("logistic regression on RR features (baseline)".to_owned(), baseline::rr_logistic(&loaded.split.train, test)?),
    ];
    let aami = aami_markdown(&experiment, test.beats(), &loaded.split.class_names, &baselines)?;
    xent_core::artifacts::write_atomic(&out.join("aami.md"), aami.as_bytes())?;
    println!("\n{aami}");
    println!("report: {}", out.join("report.md").display());
    println!("AAMI figures: {}", out.join("aami.md").display());
    Ok(())
}

/// Record names given on the command line.
#[derive(Debug, Clone)]
struct RecordList(Vec<String>);

/// `a,b,c` → those names; `@FILE` → the file's names, one per line.
fn record_list(s: &str) -> Result<RecordList, String> {
    let names: Vec<String> = match s.strip_prefix('@') {
        Some(path) => read_record_list(path.as_ref()).map_err(|e| e.to_string())?,
        None => s.split(',').map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned).collect(),
    };
    if names.is_empty() {
        return Err("no record names".into());
    }
    Ok(RecordList(names))
}

/// `--force`: deletes the run directories `plan` would write under `dir` and the experiment's
/// manifest, leaving anything else in `dir` alone.
fn restart(plan: &Plan, dir: &std::path::Path) -> Result<()> {
    for &loss in &plan.losses {
        for &seed in &plan.seeds {
            let run = dir.join(Plan::run_path(loss, seed));
            if run.exists() {
                std::fs::remove_dir_all(&run).with_context(|| format!("--force: removing {}", run.display()))?;
            }
        }
    }
    let manifest = dir.join("experiment.json");
    if manifest.exists() {
        std::fs::remove_file(&manifest).with_context(|| format!("--force: removing {}", manifest.display()))?;
    }
    Ok(())
}

/// The network of an ECG experiment.
enum EcgNetConfig {
    Cnn(Cnn1dConfig),
    Resnet(ResNet1dConfig),
}

impl EcgNetConfig {
    fn compare_losses(&self, split: &ExperimentSplit<BeatSource>, plan: &Plan) -> Result<Experiment> {
        Ok(match self {
            Self::Cnn(c) => compare_losses(c, split, plan)?,
            Self::Resnet(c) => compare_losses(c, split, plan)?,
        })
    }
}
