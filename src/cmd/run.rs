//! `xent eval RUN …` and `xent predict RUN …`: use a finished run on new data. Text runs (with
//! `text.json`) classify text; ECG runs classify the beats of MIT-BIH-format records with the
//! beat window their experiment was trained on (`ecg-data.json` in the experiment directory).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::usage;
use clap::Args;
use serde::{Deserialize, Serialize};
use xent_core::train::SavedRun;
use xent_core::{ModelConfig, RunDir};
use xent_ecg::rr::RrScaler;
use xent_ecg::{BeatSource, Cnn1dConfig, EcgDataConfig};
use xent_resnet::ResNet1dConfig;

use super::text;

/// What an ECG experiment directory records about its data, so its runs can be used later.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EcgExperimentData {
    /// The network's name (`cnn`, `cnn-plain`, `resnet`, `resnet-deep`).
    pub model: String,
    /// How beats were cut and split.
    pub data: EcgDataConfig,
    /// The RR scaler fitted on the training beats.
    pub rr_scaler: RrScaler,
}

/// The sidecar file name in an ECG experiment directory.
pub const ECG_SIDECAR: &str = "ecg-data.json";

/// Arguments of `xent eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A finished ECG run directory (`<experiment>/<config>/seed-<n>`).
    run: PathBuf,
    /// Records to evaluate on (names in --data), e.g. 100,101.
    #[arg(long, value_delimiter = ',', required = true)]
    records: Vec<String>,
    /// Folder holding the records.
    #[arg(long, default_value = "datasets/mitdb")]
    data: PathBuf,
}

/// Arguments of `xent predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A finished run directory: a text run, or an ECG run (`<experiment>/<config>/seed-<n>`).
    run: PathBuf,
    /// Text run: text(s) to classify.
    #[arg(long)]
    text: Vec<String>,
    /// Text run: a file with one document per line.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Text run: print JSON lines.
    #[arg(long)]
    json: bool,
    /// ECG run: records whose annotated beats to classify.
    #[arg(long, value_delimiter = ',')]
    records: Vec<String>,
    /// ECG run: folder holding the records.
    #[arg(long, default_value = "datasets/mitdb")]
    data: PathBuf,
    /// ECG run: where to write the probabilities (`N × K` f4 `.npy`, columns in the class order
    /// N, S, V, F, then Q where the run has it; readable by `xent score`). Beside it,
    /// `<stem>.beats.csv` names each row's beat: `record,sample,symbol,class`.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The ECG experiment data of a run directory.
pub(super) fn ecg_sidecar(run: &Path) -> Result<EcgExperimentData> {
    let exp = run.parent().and_then(Path::parent).context("a run directory is <experiment>/<config>/seed-<n>")?;
    let path = exp.join(ECG_SIDECAR);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: not an ECG experiment run (no {ECG_SIDECAR})", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}", path.display()))
}

/// Beats of `records` cut, filtered to the class set and RR-scaled as the experiment's (no split).
fn ecg_beats(side: &EcgExperimentData, dir: &Path, records: &[String]) -> Result<BeatSource> {
    let data = EcgDataConfig { dir: dir.to_path_buf(), records: Some(records.to_vec()), beats_per_record: None, ..side.data.clone() };
    let loaded = data.beats()?;
    Ok(BeatSource::new(loaded.beats).with_rr_scaler(side.rr_scaler).with_classes(side.data.classes.count()))
}

/// `p.npy` → `p.beats.csv`.
fn beats_csv_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map_or_else(|| "predictions".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}.beats.csv"))
}

/// One row per beat of `data`: `record,sample,symbol,class`.
fn write_beats_csv(path: &Path, data: &BeatSource) -> Result<()> {
    let set = data.beats();
    let mut text = String::from("record,sample,symbol,class\n");
    for (i, b) in set.beats.iter().enumerate() {
        text.push_str(&format!("{},{},{},{}\n", set.record_of(i).unwrap_or(""), b.sample, b.symbol(), b.class));
    }
    xent_core::artifacts::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// A loaded ECG network (boxed: the two differ much in size).
pub(super) enum EcgNet {
    Cnn(Box<xent_ecg::Cnn1d>),
    Resnet(Box<xent_resnet::ResNet1d>),
}

impl EcgNet {
    /// Builds the run's network from its `config.json` and loads its final weights.
    pub(super) fn load(saved: &SavedRun, side: &EcgExperimentData) -> Result<Self> {
        let device = xent_core::default_device();
        let outputs = saved.config.num_outputs;
        let json = saved.config.model.clone();
        Ok(match side.model.as_str() {
            "resnet" | "resnet-deep" => {
                let cfg: ResNet1dConfig = serde_json::from_value(json).context("the run's model configuration")?;
                Self::Resnet(Box::new(saved.load_model(ModelConfig::init(&cfg, outputs, &device))?))
            }
            _ => {
                let cfg: Cnn1dConfig = serde_json::from_value(json).context("the run's model configuration")?;
                Self::Cnn(Box::new(saved.load_model(ModelConfig::init(&cfg, outputs, &device))?))
            }
        })
    }
}

/// Runs `xent eval` on an ECG run: the full metric set of the run's configuration on new records.
pub fn run_eval(args: EvalArgs) -> Result<()> {
    let side = ecg_sidecar(&args.run)?;
    let saved = SavedRun::open(RunDir::at(&args.run))?;
    let data = ecg_beats(&side, &args.data, &args.records)?;
    let device = xent_core::default_device();
    let report = match EcgNet::load(&saved, &side)? {
        EcgNet::Cnn(m) => saved.evaluate(m.as_ref(), &data, &device)?,
        EcgNet::Resnet(m) => saved.evaluate(m.as_ref(), &data, &device)?,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Runs `xent predict`: text runs classify text; ECG runs write beat probabilities to `--out`.
pub fn run_predict(args: PredictArgs) -> Result<()> {
    if args.run.join("text.json").is_file() {
        return text::run_predict(text::PredictArgs {
            run: args.run,
            text: args.text,
            file: args.file,
            json: args.json,
        });
    }
    let side = ecg_sidecar(&args.run)?;
    if args.records.is_empty() {
        usage!("an ECG run predicts the beats of --records (e.g. --records 100,101)");
    }
    let Some(out) = args.out else { usage!("an ECG run needs --out FILE.npy for the probabilities") };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let saved = SavedRun::open(RunDir::at(&args.run))?;
    let data = ecg_beats(&side, &args.data, &args.records)?;
    let device = xent_core::default_device();
    let probabilities = match EcgNet::load(&saved, &side)? {
        EcgNet::Cnn(m) => saved.predict(m.as_ref(), &data, &device)?,
        EcgNet::Resnet(m) => saved.predict(m.as_ref(), &data, &device)?,
    };
    xent_core::artifacts::write_npy(&out, &probabilities)?;
    let csv = beats_csv_path(&out);
    write_beats_csv(&csv, &data)?;
    println!("{} beats x {} outputs written to {} (beats: {})", probabilities.rows(), probabilities.cols(), out.display(), csv.display());
    Ok(())
}
