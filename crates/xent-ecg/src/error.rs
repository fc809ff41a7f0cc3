//! Typed errors of the ECG crate. Every variant names the file (or record) at fault and, where it
//! applies, the line or byte offset.

use std::path::PathBuf;

use xent_core::Fault;

/// Result alias of this crate.
pub type Result<T, E = EcgError> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, converting or cutting ECG data.
#[derive(Debug, thiserror::Error)]
pub enum EcgError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A path names something other than a regular file (a FIFO, a device, a directory, …):
    /// reading it could block forever or never end.
    #[error("{path}: not a regular file ({kind}); WFDB files must be regular files")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is instead (`FIFO`, `character device`, `directory`, …).
        kind: &'static str,
    },
    /// A file, or the part of it a header asks to read, is larger than this reader's limit.
    #[error("{path}: {size} bytes exceed the reader's limit of {limit} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Bytes the file holds or the header asks for.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A header declares a signal layout whose size cannot be represented or is implausible
    /// (sample counts whose byte size overflows, a skew beyond the record, …).
    #[error("{path}: {message}")]
    Layout {
        /// The header file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A multi-segment record cannot be read as one record (see [`crate::segments`]).
    #[error("{path}: multi-segment record: {message}")]
    Segments {
        /// The master or segment header at fault.
        path: PathBuf,
        /// What is wrong, naming the segment, signal and field.
        message: String,
    },
    /// A WFDB header (`.hea`) line is malformed.
    #[error("{path}:{line}: {message}")]
    Header {
        /// The header file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A signal uses a storage format this reader does not decode.
    #[error("{path}: signal {signal}: format field `{format}` is unsupported (supported: 8, 16, 24, 32, 61, 80, 160, 212, 310, 311)")]
    UnsupportedFormat {
        /// The header file declaring the format.
        path: PathBuf,
        /// 0-based signal index.
        signal: usize,
        /// The declared format.
        format: u16,
    },
    /// A signal file holds fewer bytes than the header promises.
    #[error("{path}: truncated signal file: {needed} bytes needed from byte offset {offset} for {samples} samples, only {available} present")]
    Truncated {
        /// The `.dat` file.
        path: PathBuf,
        /// Byte offset where the samples start.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes present after `offset`.
        available: usize,
        /// Samples per signal the header declares.
        samples: usize,
    },
    /// The 16-bit checksum or the first sample does not match the header.
    #[error("record {record}, signal {signal} ({name}): {what} mismatch: header declares {declared}, {file} gives {actual}")]
    Mismatch {
        /// Record name.
        record: String,
        /// 0-based signal index.
        signal: usize,
        /// Signal description.
        name: String,
        /// `checksum` or `initial value`.
        what: &'static str,
        /// Value declared in the header.
        declared: i64,
        /// Value computed from the samples.
        actual: i64,
        /// The `.dat` file.
        file: PathBuf,
    },
    /// An annotation file is malformed.
    #[error("{path}: byte offset {offset}: {message}")]
    Annotation {
        /// The annotation file.
        path: PathBuf,
        /// Byte offset of the faulty word.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// Beats were asked for a record that has no annotation file.
    #[error("record {record}: no annotations ({path} not found): the signal is readable but beats are unavailable")]
    MissingAnnotations {
        /// Record name.
        record: String,
        /// The annotation file that was looked for.
        path: PathBuf,
    },
    /// A WAV file cannot be converted.
    #[error("{path}: {message}")]
    Wav {
        /// The WAV file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A beat CSV row is malformed.
    #[error("{path}:{line}: {message}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// An argument or configuration value is invalid.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// The argument or field.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl EcgError {
    /// An [`EcgError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// An [`EcgError::Invalid`].
    pub fn invalid(what: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { what, message: message.into() }
    }

    /// Whose fault this error is ([`Fault`]): every variant but [`EcgError::Io`] describes a file,
    /// record or argument that is not what it must be; an I/O error is classed by its kind.
    pub fn fault(&self) -> Fault {
        match self {
            Self::Io { source, .. } => Fault::of_io(source),
            _ => Fault::Input,
        }
    }
}
