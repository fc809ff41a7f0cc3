//! `xent repro`: the published cases rerun — MNIST (reported vs true accuracy), Pima (1 sigmoid
//! vs 2 softmax, repeated runs), softmax temperature — with one report.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use xent_repro::cases::{mnist, pima, temperature};
use xent_repro::models::MnistCnnConfig;

/// Which case to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Case {
    /// MNIST CNN under the three loss configurations plus the Adam variant.
    Mnist,
    /// Pima diabetes, 10 runs per configuration, seed setup and cross-validation.
    Pima,
    /// Fixed softmax temperature vs post-hoc temperature scaling.
    Temperature,
    /// All three.
    All,
}

/// How much MNIST training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// `just repro`: the first 12,000 training images, 3 Adamax epochs (fits 20 minutes on 2 cores).
    Quick,
    /// `just repro-full`: all 60,000 training images, 10 Adamax epochs.
    Full,
}

/// `xent repro [CASE]`.
#[derive(Args, Debug)]
pub struct ReproArgs {
    /// The case to run.
    #[arg(value_enum, default_value = "all")]
    pub case: Case,
    /// MNIST epoch count and training-set size preset.
    #[arg(long, value_enum, default_value = "quick")]
    pub profile: Profile,
    /// Output folder: `<case>.json`, `<case>.md`, `<case>.svg`, `report.md`, and MNIST run directories (resumable).
    /// Default `runs/repro` (quick) or `runs/repro-full` (full).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder holding `mnist/`, `pima/` and `mitdb/`.
    #[arg(long, default_value = "datasets")]
    pub data: PathBuf,
    /// MNIST: train on the first N images (overrides the profile; 0 = all 60,000).
    #[arg(long)]
    pub mnist_train: Option<usize>,
    /// MNIST: Adamax epochs (overrides the profile).
    #[arg(long)]
    pub mnist_epochs: Option<usize>,
    /// MNIST: epochs of the Adam variant.
    #[arg(long, default_value_t = 2)]
    pub mnist_adam_epochs: usize,
    /// MNIST: only these runs (comma-separated: categorical, binary, softmax-binary, softmax-binary-adam).
    #[arg(long, value_delimiter = ',')]
    pub mnist_runs: Vec<String>,
    /// MNIST: batch size.
    #[arg(long, default_value_t = 128)]
    pub mnist_batch: usize,
    /// Pima: runs (seeds) per configuration.
    #[arg(long, default_value_t = 10)]
    pub pima_runs: usize,
    /// Pima: epochs.
    #[arg(long, default_value_t = 150)]
    pub pima_epochs: usize,
    /// Temperature: seeds per temperature.
    #[arg(long, default_value_t = 3)]
    pub temperature_seeds: usize,
    /// Temperature: the fixed temperature inside the softmax, compared with 1.
    #[arg(long, default_value_t = 0.6)]
    pub temperature: f64,
    /// Temperature: epochs on the MIT-BIH beats.
    #[arg(long, default_value_t = 10)]
    pub temperature_ecg_epochs: usize,
    /// Temperature: keep about N training beats, evenly strided over DS1 (all when absent).
    #[arg(long)]
    pub temperature_ecg_train: Option<usize>,
    /// Temperature: keep at most N test beats, evenly strided over DS2 (all when absent).
    #[arg(long)]
    pub temperature_ecg_test: Option<usize>,
    /// First seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// No per-epoch progress (a bar on a terminal, a line per epoch otherwise).
    #[arg(long)]
    pub quiet: bool,
    /// Retrain the cases' runs from scratch instead of resuming their run directories.
    #[arg(long)]
    pub force: bool,
}

const CASES: [&str; 3] = ["mnist", "pima", "temperature"];

/// The command that reproduces `case` with these arguments: the case, the profile and every
/// option that differs from its default (the output and data folders excepted).
pub fn command_line(args: &ReproArgs, case: &str) -> String {
    let mut s = format!("xent repro {case} --profile {}", format!("{:?}", args.profile).to_lowercase());
    let mut opt = |name: &str, value: String| s.push_str(&format!(" --{name} {value}"));
    let mine = |c: &str| case == "all" || case == c;
    if mine("mnist") {
        if let Some(n) = args.mnist_train {
            opt("mnist-train", n.to_string());
        }
        if let Some(n) = args.mnist_epochs {
            opt("mnist-epochs", n.to_string());
        }
        if args.mnist_adam_epochs != 2 {
            opt("mnist-adam-epochs", args.mnist_adam_epochs.to_string());
        }
        if args.mnist_batch != 128 {
            opt("mnist-batch", args.mnist_batch.to_string());
        }
        if !args.mnist_runs.is_empty() {
            opt("mnist-runs", args.mnist_runs.join(","));
        }
    }
    if mine("pima") {
        if args.pima_runs != 10 {
            opt("pima-runs", args.pima_runs.to_string());
        }
        if args.pima_epochs != 150 {
            opt("pima-epochs", args.pima_epochs.to_string());
        }
    }
    if mine("temperature") {
        if args.temperature_seeds != 3 {
            opt("temperature-seeds", args.temperature_seeds.to_string());
        }
        if args.temperature != 0.6 {
            opt("temperature", args.temperature.to_string());
        }
        if args.temperature_ecg_epochs != 10 {
            opt("temperature-ecg-epochs", args.temperature_ecg_epochs.to_string());
        }
        if let Some(n) = args.temperature_ecg_train {
            opt("temperature-ecg-train", n.to_string());
        }
        if let Some(n) = args.temperature_ecg_test {
            opt("temperature-ecg-test", n.to_string());
        }
    }
    if args.seed != 0 {
        opt("seed", args.seed.to_string());
    }
    s
}

fn write(out: &Path, name: &str, json: serde_json::Value, md: &str, args: &ReproArgs) -> Result<()> {
    let md = &format!("{md}\nReproduce: `{}`\n", command_line(args, name));
    let p = out.join(format!("{name}.json"));
    xent_core::artifacts::write_json(&p, &json)?;
    xent_core::artifacts::write_atomic(&out.join(format!("{name}.md")), md.as_bytes())?;
    println!("{md}");
    Ok(())
}

/// Rebuilds `report.md` from every `<case>.md` present in `out`.
fn combine(out: &Path, command: &str) -> Result<PathBuf> {
    let mut s = format!("# xent repro: the published cases, measured\n\nReproduce all: `{command}`; each section names its own command.\n\n");
    for c in CASES {
        if let Ok(md) = std::fs::read_to_string(out.join(format!("{c}.md"))) {
            s.push_str(&md);
            s.push('\n');
        }
    }
    let p = out.join("report.md");
    xent_core::artifacts::write_atomic(&p, s.as_bytes())?;
    Ok(p)
}

/// Runs `xent repro`.
///
/// # Errors
/// Data errors naming the file and offset or line; training errors.
pub fn run(args: ReproArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(match args.profile {
            Profile::Quick => "runs/repro",
            Profile::Full => "runs/repro-full",
        })
    });
    let want = |c: Case| args.case == c || args.case == Case::All;
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    if want(Case::Mnist) {
        let (limit, epochs) = match args.profile {
            Profile::Quick => (Some(12_000), 3),
            Profile::Full => (None, 10),
        };
        let limit = match args.mnist_train {
            Some(0) => None,
            Some(n) => Some(n),
            None => limit,
        };
        let opts = mnist::MnistOptions {
            data_dir: args.data.join("mnist"),
            train_limit: limit,
            test_limit: None,
            epochs: args.mnist_epochs.unwrap_or(epochs),
            adam_epochs: args.mnist_adam_epochs,
            batch_size: args.mnist_batch,
            seed: args.seed,
            runs_root: out.join("runs").join("mnist"),
            quiet: args.quiet,
            model: MnistCnnConfig::default(),
            only: args.mnist_runs.clone(),
            fresh: args.force,
        };
        let r = mnist::run(&opts)?;
        r.write_svg(&out.join("mnist.svg"))?;
        write(&out, "mnist", serde_json::to_value(&r)?, &format!("{}\n![](mnist.svg)\n", r.markdown()), &args)?;
    }
    if want(Case::Pima) {
        let opts = pima::PimaOptions {
            path: args.data.join("pima").join("pima-indians-diabetes.csv"),
            runs: args.pima_runs,
            epochs: args.pima_epochs,
            batch_size: 32,
            folds: 5,
            seed: args.seed,
            row_limit: None,
            runs_root: out.join("runs").join("pima"),
            fresh: args.force,
        };
        if !args.quiet {
            eprintln!("pima: {} runs × 2 configurations × (1 + 5 folds) trainings of {} epochs", opts.runs, opts.epochs);
        }
        let r = pima::run(&opts)?;
        r.write_svg(&out.join("pima.svg"))?;
        write(&out, "pima", serde_json::to_value(&r)?, &format!("{}\n![](pima.svg)\n", r.markdown()), &args)?;
    }
    if want(Case::Temperature) {
        let opts = temperature::TemperatureOptions {
            temperatures: vec![args.temperature, 1.0],
            seeds: args.temperature_seeds,
            random_epochs: 100,
            mitdb: Some(args.data.join("mitdb")),
            ecg_epochs: args.temperature_ecg_epochs,
            ecg_train_limit: args.temperature_ecg_train,
            ecg_test_limit: args.temperature_ecg_test,
            seed: args.seed,
            runs_root: out.join("runs").join("temperature"),
            fresh: args.force,
        };
        if !args.quiet {
            eprintln!("temperature: T = {} vs 1, {} seeds, random data then MIT-BIH N/S/V beats", args.temperature, opts.seeds);
        }
        let r = temperature::run(&opts)?;
        let drawn = r.write_svg(&out.join("temperature.svg"))?;
        let md = if drawn { format!("{}\n![](temperature.svg)\n", r.markdown()) } else { r.markdown() };
        write(&out, "temperature", serde_json::to_value(&r)?, &md, &args)?;
    }
    let report = combine(&out, &command_line(&args, "all"))?;
    eprintln!("report: {}", report.display());
    Ok(())
}
