//! Typed errors of the text crate. Every error about input names the file and, where there is
//! one, the line.

use std::path::PathBuf;

/// Errors of corpus loading, tokenisation and the text pipeline.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// Reading a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A malformed record.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file (for a tarball: `archive.tar.gz!member`).
        path: PathBuf,
        /// 1-based line where the record starts.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A CSV row with fewer fields than the layout needs.
    #[error("{}:{line}: {found} field(s), the layout needs at least {expected}", path.display())]
    TooFewFields {
        /// The file.
        path: PathBuf,
        /// 1-based line of the row.
        line: usize,
        /// Fields found.
        found: usize,
        /// Fields needed.
        expected: usize,
    },
    /// A class that the class list does not declare.
    #[error("{}:{line}: class {class:?} is not one of the {known} classes declared in {}", path.display(), classes_file.display())]
    UnknownClass {
        /// The data file.
        path: PathBuf,
        /// 1-based line of the row.
        line: usize,
        /// The class as written.
        class: String,
        /// Number of declared classes.
        known: usize,
        /// Where the classes are declared.
        classes_file: PathBuf,
    },
    /// A file beyond a size bound (decompressed size, document length); `location` says where.
    #[error("{}: {location}: {message}", path.display())]
    TooLarge {
        /// The file (for a tarball: `archive.tar.gz!member`).
        path: PathBuf,
        /// Where: `file`, or `line N` for a CSV record.
        location: String,
        /// Which bound.
        message: String,
    },
    /// A corpus without a single document.
    #[error("{}: the corpus is empty (no documents)", path.display())]
    EmptyCorpus {
        /// The file or archive.
        path: PathBuf,
    },
    /// A label that occurs in the test split but never in training.
    #[error("{}:{line}: label {label:?} of document {id} occurs in the test split but never in training ({count} test document(s))", path.display())]
    LabelOnlyInTest {
        /// The file of the first test document with the label.
        path: PathBuf,
        /// Its line.
        line: usize,
        /// Its id.
        id: String,
        /// The label.
        label: String,
        /// How many test documents carry it.
        count: usize,
    },
    /// Training, saving or loading the tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A bad argument (unknown corpus, model or configuration name, …).
    #[error("{0}")]
    InvalidArgument(String),
    /// The training engine or run artifacts failed.
    #[error(transparent)]
    Core(#[from] xent_core::Error),
}

/// The Burn-free layer's errors (artifacts, I/O) arrive as [`TextError::Core`], as before the split.
impl From<xent_core::MetricsError> for TextError {
    fn from(e: xent_core::MetricsError) -> Self {
        Self::Core(e.into())
    }
}

/// A text error raised inside the experiment runner's per-run hook: engine errors pass through,
/// the others travel as [`xent_core::Error::Hook`] with their fault.
impl From<TextError> for xent_core::Error {
    fn from(e: TextError) -> Self {
        match e {
            TextError::Core(e) => e,
            e => {
                let fault = e.fault();
                Self::Hook { source: Box::new(e), fault }
            }
        }
    }
}

impl TextError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
    pub(crate) fn parse(path: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Self::Parse { path: path.into(), line, message: message.into() }
    }

    /// Whose fault this error is ([`xent_core::Fault`]): a corpus file or argument that is not
    /// what it must be is the input's; a tokenizer that fails to train is the run's.
    pub fn fault(&self) -> xent_core::Fault {
        use xent_core::Fault;
        match self {
            Self::Io { source, .. } => Fault::of_io(source),
            Self::Tokenizer(_) => Fault::Runtime,
            Self::Core(e) => e.fault(),
            Self::Parse { .. }
            | Self::TooFewFields { .. }
            | Self::UnknownClass { .. }
            | Self::TooLarge { .. }
            | Self::EmptyCorpus { .. }
            | Self::LabelOnlyInTest { .. }
            | Self::InvalidArgument(_) => Fault::Input,
        }
    }
}

/// Result with [`TextError`].
pub type Result<T> = std::result::Result<T, TextError>;
