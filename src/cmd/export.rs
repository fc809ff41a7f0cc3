//! `xent export RUN --format safetensors [--out FILE]`: a finished run's weights for PyTorch.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use xent_core::RunDir;
use xent_core::export::{ExportedTensor, torch_safetensors};
use xent_core::burn::module::Module;
use xent_core::train::SavedRun;
use xent_text::ModelKind;
use xent_text::pipeline::TextRunInfo;

use super::run::{EcgNet, ecg_sidecar};

/// Arguments of `xent export`.
#[derive(Args, Debug)]
#[command(after_help = "Supported: runs of `xent train ecg` and `xent train text`, every --model. \
The file holds the weights under the state-dict keys of the equivalent torch.nn module \
(tests/golden/export_torch.py defines them); docs/outputs.md shows how to load it.

Example:
  xent export runs/ecg/cnn-inter/categorical/seed-0 --format safetensors --out cnn.safetensors")]
pub struct ExportArgs {
    /// A finished run directory (`<experiment>/<config>/seed-<n>` for ECG runs, one holding
    /// `text.json` for text runs).
    run: PathBuf,
    /// File format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Output file [default: RUN/model.safetensors].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Export formats.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// safetensors with PyTorch's names and layouts (`safetensors.torch.load_file` +
    /// `load_state_dict`).
    Safetensors,
}

/// Runs `xent export`.
pub fn run(args: ExportArgs) -> Result<()> {
    let ExportFormat::Safetensors = args.format;
    let out = args.out.clone().unwrap_or_else(|| args.run.join("model.safetensors"));
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let tensors = export_safetensors(&args.run, &out)?;
    let params: usize = tensors.iter().map(|t| t.shape.iter().product::<usize>()).sum();
    println!("{}: {} tensors, {params} values", out.display(), tensors.len());
    for t in &tensors {
        println!("  {} {:?} {}", t.name, t.shape, t.dtype);
    }
    Ok(())
}

/// Writes the weights of the run in `run` to `out` as safetensors for PyTorch.
///
/// # Errors
/// A run that is neither a finished ECG run nor a text run, an ECG network this xent does not know
/// ([`xent_core::Error::Unsupported`], naming it), weights that do not load, an unwritable `out`.
fn export_safetensors(run: &Path, out: &Path) -> Result<Vec<ExportedTensor>> {
    if run.join("text.json").is_file() {
        return export_text(run, out);
    }
    let sidecar = run.parent().and_then(Path::parent).map(|exp| exp.join(super::run::ECG_SIDECAR));
    if !sidecar.is_some_and(|p| p.is_file()) && run.join("config.json").is_file() {
        return Err(unsupported(run, &repro_model(run)?));
    }
    let side = ecg_sidecar(run)?;
    match side.model.as_str() {
        "cnn" | "cnn-plain" | "resnet" | "resnet-deep" => {}
        other => return Err(unsupported(run, &format!("ECG model `{other}`"))),
    }
    let saved = SavedRun::open(RunDir::at(run))?;
    let tensors = match EcgNet::load(&saved, &side)? {
        EcgNet::Cnn(model) => torch_safetensors(model.as_ref(), out)?,
        EcgNet::Resnet(model) => torch_safetensors(model.as_ref(), out)?,
    };
    Ok(tensors)
}

/// The text networks (`question`, `kim`, `mlp`, `linear`): their `text.json` gives the shapes.
fn export_text(run: &Path, out: &Path) -> Result<Vec<ExportedTensor>> {
    let info: TextRunInfo = xent_core::artifacts::read_json(&run.join("text.json"))?;
    let device = xent_core::default_device();
    let weights = run.join("model.bpk");
    let record = |e: xent_core::burn::store::RecordError| xent_core::Error::Record { path: weights.clone(), message: e.to_string() };
    Ok(match info.model.kind {
        ModelKind::Question => torch_safetensors(&info.model.init_question(&device).try_load_file(&weights).map_err(record)?, out)?,
        ModelKind::Kim => torch_safetensors(&info.model.init_kim(&device).try_load_file(&weights).map_err(record)?, out)?,
        ModelKind::Mlp => torch_safetensors(&info.model.init_mlp(&device).try_load_file(&weights).map_err(record)?, out)?,
        ModelKind::Linear => torch_safetensors(&info.model.init_linear(&device).try_load_file(&weights).map_err(record)?, out)?,
    })
}

/// What a run without an ECG sidecar or `text.json` trained, from its `config.json`: one of
/// `xent repro`'s networks.
fn repro_model(run: &Path) -> Result<String> {
    let config: serde_json::Value = xent_core::artifacts::read_json(&run.join("config.json"))?;
    let model = &config["model"];
    Ok(if serde_json::from_value::<xent_repro::models::MnistCnnConfig>(model.clone()).is_ok() {
        "MNIST CNN of `xent repro`".to_owned()
    } else if serde_json::from_value::<xent_repro::models::MlpConfig>(model.clone()).is_ok() {
        "MLP of `xent repro` (Pima, softmax temperature)".to_owned()
    } else {
        format!("model {model} (neither an ECG run with {} two levels up nor a text run)", super::run::ECG_SIDECAR)
    })
}

fn unsupported(run: &Path, model: &str) -> anyhow::Error {
    xent_core::Error::Unsupported(format!(
        "{}: xent export has no PyTorch equivalent for the {model}; it exports the runs of every \
         `xent train ecg --model` and `xent train text --model`",
        run.display()
    ))
    .into()
}
