//! Errors of the repro crate: each names the file and the byte offset or line at fault.

use std::path::PathBuf;

/// What can go wrong reading the data or running a case.
#[derive(Debug, thiserror::Error)]
pub enum ReproError {
    /// The file could not be opened or read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error (shown in the message, not chained again).
        error: std::io::Error,
    },
    /// An idx file (after gunzip) is malformed.
    #[error("{}: byte offset {offset}: {message}", path.display())]
    Idx {
        /// The file.
        path: PathBuf,
        /// Byte offset in the decompressed stream where the problem was found.
        offset: u64,
        /// What is wrong.
        message: String,
    },
    /// An images file and a labels file disagree.
    #[error("{} has {images} images but {} has {labels} labels", images_path.display(), labels_path.display())]
    CountMismatch {
        /// The images file.
        images_path: PathBuf,
        /// Number of images it declares.
        images: usize,
        /// The labels file.
        labels_path: PathBuf,
        /// Number of labels it declares.
        labels: usize,
    },
    /// A CSV line of the Pima file is malformed.
    #[error("{}: line {line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An invalid argument (sizes, fold counts, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The training engine or metrics failed.
    #[error(transparent)]
    Core(#[from] xent_core::Error),
    /// The ECG data failed to load.
    #[error(transparent)]
    Ecg(#[from] xent_ecg::EcgError),
}

/// Result with [`ReproError`].
pub type Result<T> = std::result::Result<T, ReproError>;

/// The Burn-free layer's errors (artifacts, I/O) arrive as [`ReproError::Core`], as before the split.
impl From<xent_core::MetricsError> for ReproError {
    fn from(e: xent_core::MetricsError) -> Self {
        Self::Core(e.into())
    }
}

/// A case's error raised inside the experiment runner's per-run hook: engine errors pass through,
/// the others travel as [`xent_core::Error::Hook`] with their fault.
impl From<ReproError> for xent_core::Error {
    fn from(e: ReproError) -> Self {
        match e {
            ReproError::Core(e) => e,
            e => {
                let fault = e.fault();
                Self::Hook { source: Box::new(e), fault }
            }
        }
    }
}

impl ReproError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), error: source }
    }

    /// Whose fault this error is ([`xent_core::Fault`]): a data file or argument that is not what
    /// it must be is the input's; the engine's and the ECG reader's errors say for themselves.
    pub fn fault(&self) -> xent_core::Fault {
        use xent_core::Fault;
        match self {
            Self::Io { error, .. } => Fault::of_io(error),
            Self::Core(e) => e.fault(),
            Self::Ecg(e) => e.fault(),
            Self::Idx { .. } | Self::CountMismatch { .. } | Self::Csv { .. } | Self::InvalidArgument(_) => Fault::Input,
        }
    }
}
