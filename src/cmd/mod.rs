//! One module per subcommand. `score` and `report` read files only (xent-metrics); the others
//! train or run models on the engine (xent-core, Burn) and exist with the `train` feature only.

pub mod report;
pub mod score;

#[cfg(feature = "train")]
pub mod common;
#[cfg(feature = "train")]
pub mod ecg;
#[cfg(feature = "train")]
pub mod export;
#[cfg(feature = "train")]
pub mod repro;
#[cfg(feature = "train")]
pub mod run;
#[cfg(feature = "train")]
pub mod text;
#[cfg(feature = "train")]
pub mod train;

/// The commands that train or run models (the `train` feature).
#[cfg(feature = "train")]
#[derive(clap::Subcommand, Debug)]
pub enum EngineCommand {
    /// Train every loss configuration over several seeds and compare them (ECG or text).
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Evaluate a finished ECG run on other records.
    Eval(run::EvalArgs),
    /// Predict with a finished run: text for text runs, beat probabilities (.npy) for ECG runs.
    Predict(run::PredictArgs),
    /// Export a finished run's weights for another framework (safetensors for PyTorch).
    Export(export::ExportArgs),
    /// Rerun the published cases: MNIST CNN, Pima diabetes, softmax temperature.
    Repro(repro::ReproArgs),
    /// ECG records: header and annotation facts, WAV export, QRS detection.
    #[command(subcommand)]
    Ecg(ecg::EcgCommand),
}

#[cfg(feature = "train")]
impl EngineCommand {
    /// Runs the command.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Self::Train(command) => train::run(command),
            Self::Eval(args) => run::run_eval(args),
            Self::Predict(args) => run::run_predict(args),
            Self::Export(args) => export::run(args),
            Self::Repro(args) => repro::run(args),
            Self::Ecg(command) => ecg::run(command),
        }
    }
}
