//! Typed errors of xent-metrics: reading and writing files, malformed or mismatched inputs, bad
//! arguments, existing run directories. Every variant that comes from user data names the file and
//! the line, row or byte offset at fault.

use std::path::PathBuf;

/// Errors returned by xent-metrics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is malformed; `location` says where (e.g. "line 3", "row 7, column 2").
    #[error("{}: {location}: {message}", path.display())]
    Parse {
        /// The file at fault.
        path: PathBuf,
        /// Where in the file, e.g. `line 3, column 2` or `header`.
        location: String,
        /// What is wrong.
        message: String,
    },
    /// Inputs that are each well formed but do not fit together (e.g. K differs between
    /// predictions and targets).
    #[error("{0}")]
    Mismatch(String),
    /// A value outside its allowed range (e.g. label smoothing outside [0, 1]).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A run directory exists and neither resume nor force was asked.
    #[error(
        "{}: run directory already exists; resume it or replace it (`--force` on the command line)",
        .0.display()
    )]
    RunExists(PathBuf),
}

impl Error {
    /// A [`Error::Parse`] for `path` at `location`.
    pub fn parse(
        path: impl Into<PathBuf>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Parse { path: path.into(), location: location.into(), message: message.into() }
    }

    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}

/// Whose fault an error is, which is what a command line turns into its exit code: bad input or
/// usage (a malformed or missing file, an invalid argument; exit code 2) or a failure while
/// running (a full disk, training that diverged; exit code 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The input or the arguments are at fault: fix them and run again.
    Input,
    /// The run failed on valid input.
    Runtime,
    /// Nothing failed: the work this process was given is done and the rest is being done
    /// elsewhere (other shards of an experiment); exit code 0.
    Deferred,
}

impl Fault {
    /// The fault of an operating-system error on a file: a missing file, a directory where a file
    /// was expected, or bytes that cannot be what the file claims are the input's; anything else
    /// (permissions, a full disk, an interrupted device) is the run's.
    pub fn of_io(error: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match error.kind() {
            K::NotFound | K::InvalidData | K::InvalidInput | K::UnexpectedEof | K::IsADirectory | K::NotADirectory => {
                Self::Input
            }
            _ => Self::Runtime,
        }
    }
}

impl Error {
    /// Whose fault this error is ([`Fault`]).
    pub fn fault(&self) -> Fault {
        match self {
            Self::Io { source, .. } => Fault::of_io(source),
            Self::Parse { .. } | Self::Mismatch(_) | Self::InvalidArgument(_) | Self::RunExists(_) => Fault::Input,
        }
    }
}

/// Result type of xent-metrics.
pub type Result<T, E = Error> = std::result::Result<T, E>;
