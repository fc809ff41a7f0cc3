//! Typed errors of xent-core: those of the engine (non-finite losses, Burn records, batches) and,
//! through [`Error::Metrics`], those of xent-metrics (files, parsing, mismatched inputs), whose
//! messages pass through unchanged. Every variant that comes from user data names the file and
//! the line, row or byte offset at fault.

use std::path::PathBuf;

pub use xent_metrics::Error as MetricsError;
pub use xent_metrics::Fault;

/// Errors returned by xent-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of the Burn-free layer (xent-metrics): reading or writing files, malformed or
    /// mismatched inputs, run directories. Displayed as is.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Inputs that are each well formed but do not fit together (e.g. K differs between
    /// predictions and targets).
    #[error("{0}")]
    Mismatch(String),
    /// A value outside its allowed range (e.g. label smoothing outside [0, 1]).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The training loss became NaN or infinite.
    #[error(
        "training stopped: the loss is {loss} at epoch {epoch}, batch {batch} (of {batches}); \
         {kept}"
    )]
    NonFiniteLoss {
        /// Epoch, from 1.
        epoch: usize,
        /// Batch within the epoch, from 1.
        batch: usize,
        /// Batches per epoch.
        batches: usize,
        /// The offending loss value.
        loss: f32,
        /// What was kept, e.g. "the checkpoint of epoch 3 in runs/x/checkpoint is kept".
        kept: String,
    },
    /// A Burn record (weights or optimizer state) could not be written or read.
    #[error("{}: {message}", path.display())]
    Record {
        /// The file at fault.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Reading or evaluating a batch failed.
    #[error("epoch {epoch}, batch {batch}: {source}")]
    Batch {
        /// Epoch, from 1 (0 for a final evaluation).
        epoch: usize,
        /// Batch, from 1.
        batch: usize,
        /// The underlying error.
        #[source]
        source: Box<Error>,
    },
    /// One run of an experiment failed.
    #[error("{tag} ({}): {source}", path.display())]
    Run {
        /// Which run, e.g. `[2/15] binary seed 1`.
        tag: String,
        /// Its run directory.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// A device whose backend this build leaves out (a cargo feature).
    #[error("device {device:?} needs a build with the `{feature}` feature (cargo build --features {feature})")]
    DeviceNotBuilt {
        /// The device as named, e.g. `cuda:0`.
        device: String,
        /// The cargo feature that brings its backend.
        feature: &'static str,
    },
    /// Something xent cannot do for this model, e.g. export one that has no PyTorch equivalent.
    #[error("{0}")]
    Unsupported(String),
    /// A domain crate's per-run hook ([`crate::experiment::RunHook`]) failed; displayed as its
    /// own error.
    #[error("{source}")]
    Hook {
        /// The domain crate's error.
        source: Box<dyn std::error::Error + Send + Sync>,
        /// Whose fault it is, as the domain error says.
        fault: Fault,
    },
    /// Not a failure: this process trained its share of an experiment's runs, and other processes
    /// (shards of a job array, or the same command started twice) still train the rest. The last
    /// process to finish writes the report; `xent report DIR` writes it once every run is finished.
    #[error(
        "{}: this process's runs are done; {} still being trained by other processes ({}). The last process \
         to finish writes the report (or run `xent report {}` once they have finished)",
        dir.display(),
        if runs.len() == 1 { "1 run is".to_string() } else { format!("{} runs are", runs.len()) },
        runs.join(", "),
        dir.display()
    )]
    Unfinished {
        /// The experiment directory.
        dir: PathBuf,
        /// The runs not finished yet, e.g. `binary seed 3`.
        runs: Vec<String>,
    },
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// Whose fault this error is ([`Fault`]): a loss that became non-finite is the run's; a
    /// record that does not load is the file's.
    pub fn fault(&self) -> Fault {
        match self {
            Self::Metrics(e) => e.fault(),
            Self::Io { source, .. } => Fault::of_io(source),
            Self::Mismatch(_) | Self::InvalidArgument(_) | Self::Record { .. } => Fault::Input,
            Self::DeviceNotBuilt { .. } | Self::Unsupported(_) => Fault::Input,
            Self::NonFiniteLoss { .. } => Fault::Runtime,
            Self::Unfinished { .. } => Fault::Deferred,
            Self::Hook { fault, .. } => *fault,
            Self::Batch { source, .. } | Self::Run { source, .. } => source.fault(),
        }
    }
}

/// Result type of xent-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
