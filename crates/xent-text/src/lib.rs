//! xent-text: topic classification of news text under every loss configuration.
//!
//! - [`corpus`]: AG News CSV, BBC News (CSV or folder-per-class tarball), Reuters-21578 SGML
//!   (ModApte, R8, R52, Reuters-90), each document with label(s), a stable id and its origin;
//! - [`tokenize`]: a Hugging Face `tokenizers` tokenizer trained on the training split,
//!   saved as `tokenizer.json`, fixed-length ids;
//! - [`model`]: the question's small CNN, a Kim-2014 CNN, a TF-IDF bag-of-words MLP and a linear
//!   model on the same bags (logistic regression), all emitting logits;
//! - [`bow`]: TF-IDF weights fitted on the training split and documents as sparse bags;
//! - [`data`]: token ids as an engine [`xent_core::DataSource`];
//! - [`pipeline`]: corpus → tokenizer → model × loss configurations × seeds → run artifacts;
//! - [`predict`]: classifying new text with a finished run (`xent predict`).

#![warn(missing_docs)]

pub mod bow;
pub mod corpus;
pub mod data;
pub mod error;
pub mod model;
pub mod pipeline;
pub mod predict;
pub mod tokenize;

pub use corpus::{Corpus, Document, Origin};
pub use error::{Result, TextError};
pub use tokenize::{TextTokenizer, TokenizerConfig, TokenizerKind};
pub use data::TokenIds;
pub use model::{KimCnn, LinearBag, ModelKind, QuestionCnn, TextCnnConfig, WideMlp};
pub use bow::{BagOfWords, TfIdf};
pub use pipeline::{CorpusName, TextPlan, TextRunInfo, TextSummary};
