//! The tokenizer: Hugging Face `tokenizers`, trained locally on the training split only, saved as
//! `tokenizer.json` (which the Python `tokenizers` package loads and encodes identically).
//!
//! Pipeline: normaliser `Lowercase` (optional), pre-tokeniser `WhitespaceSplit` then
//! `Punctuation` (isolated: every punctuation character is its own token), then the model —
//! word-level by default, or BPE / WordPiece. Special tokens `[PAD]` = 0 and `[UNK]` = 1.
//!
//! # Fixed length
//! Every sequence is cut or padded to `max_len` ids by the tokenizer itself (its truncation and
//! padding settings are part of `tokenizer.json`, so Python gives the same ids):
//! **truncation keeps the beginning** (direction right: tokens after `max_len` are dropped —
//! news puts the topic in the headline and lede), padding appends `[PAD]` on the right.
//! A document with no token at all (empty after tokenisation) is kept as all `[PAD]`; the
//! pipelines count such documents and report them.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::models::wordlevel::{WordLevel, WordLevelTrainerBuilder};
use tokenizers::models::wordpiece::{WordPiece, WordPieceTrainerBuilder};
use tokenizers::models::TrainerWrapper;
use tokenizers::normalizers::Lowercase;
use tokenizers::pre_tokenizers::punctuation::Punctuation;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::whitespace::WhitespaceSplit;
use tokenizers::{
    AddedToken, PaddingDirection, PaddingParams, PaddingStrategy, SplitDelimiterBehavior, Tokenizer, TruncationDirection,
    TruncationParams, TruncationStrategy,
};

use crate::error::{Result, TextError};

/// The padding token (id 0).
pub const PAD: &str = "[PAD]";
/// The unknown-word token (id 1).
pub const UNK: &str = "[UNK]";

/// The tokenisation model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum TokenizerKind {
    /// One id per word (the default).
    #[default]
    WordLevel,
    /// Byte-pair encoding over the pre-tokenised words.
    Bpe,
    /// WordPiece (`##` continuation prefix).
    WordPiece,
}

impl std::str::FromStr for TokenizerKind {
    type Err = TextError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "word" | "word-level" | "wordlevel" => Ok(Self::WordLevel),
            "bpe" => Ok(Self::Bpe),
            "wordpiece" | "word-piece" => Ok(Self::WordPiece),
            _ => Err(TextError::InvalidArgument(format!("unknown tokenizer {s:?} (word-level, bpe, wordpiece)"))),
        }
    }
}

/// How to train the tokenizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenizerConfig {
    /// Model. Default word-level.
    pub kind: TokenizerKind,
    /// Largest vocabulary, special tokens included. Default 20,000.
    pub vocab_size: usize,
    /// A word (or merge) must occur at least this often in the training split. Default 2.
    pub min_frequency: u64,
    /// Sequence length after truncation / padding. Default 256.
    pub max_len: usize,
    /// Lower-case before splitting. Default true.
    pub lowercase: bool,
}

impl Default for TokenizerConfig {
    fn default() -> Self {
        Self { kind: TokenizerKind::WordLevel, vocab_size: 20_000, min_frequency: 2, max_len: 256, lowercase: true }
    }
}

/// Fixed-length ids of a batch of texts.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// `n × len` ids, row-major.
    pub ids: Vec<i32>,
    /// Sequence length.
    pub len: usize,
    /// Number of texts.
    pub n: usize,
    /// Indices of texts with no token at all (all padding).
    pub empty: Vec<usize>,
    /// Number of texts that were truncated.
    pub truncated: usize,
    /// Real (non-padding) tokens in total.
    pub tokens: usize,
    /// `[UNK]` tokens in total.
    pub unknown: usize,
}

/// A trained tokenizer with its fixed sequence length.
#[derive(Debug, Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
}

fn tk_err(e: impl std::fmt::Display) -> TextError {
    TextError::Tokenizer(e.to_string())
}

impl TextTokenizer {
    /// Trains on `texts` (the training split only).
    ///
    /// # Errors
    /// `max_len` or `vocab_size` too small; a training failure.
    pub fn train<S: AsRef<str> + Send>(config: &TokenizerConfig, texts: impl Iterator<Item = S> + Send) -> Result<Self> {
        if config.max_len == 0 {
            return Err(TextError::InvalidArgument("max_len must be at least 1".into()));
        }
        if config.vocab_size < 3 {
            return Err(TextError::InvalidArgument("vocab_size must be at least 3".into()));
        }
        let specials = vec![AddedToken::from(PAD, true), AddedToken::from(UNK, true)];
        let (mut tokenizer, mut trainer) = match config.kind {
            TokenizerKind::WordLevel => (
                Tokenizer::new(WordLevel::builder().unk_token(UNK.into()).build().map_err(tk_err)?),
                TrainerWrapper::WordLevelTrainer(
                    WordLevelTrainerBuilder::default()
                        .vocab_size(config.vocab_size)
                        .min_frequency(config.min_frequency)
                        .show_progress(false)
                        .special_tokens(specials)
                        .build()
                        .map_err(tk_err)?,
                ),
            ),
            TokenizerKind::Bpe => (
                Tokenizer::new(BPE::builder().unk_token(UNK.into()).build().map_err(tk_err)?),
                TrainerWrapper::BpeTrainer(
                    BpeTrainerBuilder::new()
                        .vocab_size(config.vocab_size)
                        .min_frequency(config.min_frequency)
                        .show_progress(false)
                        .special_tokens(specials)
                        .build(),
                ),
            ),
            TokenizerKind::WordPiece => (
                Tokenizer::new(WordPiece::builder().unk_token(UNK.into()).build().map_err(tk_err)?),
                TrainerWrapper::WordPieceTrainer(
                    WordPieceTrainerBuilder::new()
                        .vocab_size(config.vocab_size)
                        .min_frequency(config.min_frequency)
                        .show_progress(false)
                        .special_tokens(specials)
                        .build(),
                ),
            ),
        };
        if config.lowercase {
            tokenizer.with_normalizer(Some(Lowercase));
        }
        tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
            WhitespaceSplit.into(),
            Punctuation::new(SplitDelimiterBehavior::Isolated).into(),
        ])));
        tokenizer.train(&mut trainer, texts).map_err(tk_err)?;
        for (id, tok) in [(0, PAD), (1, UNK)] {
            if tokenizer.token_to_id(tok) != Some(id) {
                return Err(TextError::Tokenizer(format!("{tok} did not get id {id}")));
            }
        }
        tokenizer
            .with_truncation(Some(TruncationParams {
                direction: TruncationDirection::Right,
                max_length: config.max_len,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
            }))
            .map_err(tk_err)?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::Fixed(config.max_len),
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id: 0,
            pad_type_id: 0,
            pad_token: PAD.into(),
        }));
        Ok(Self { inner: tokenizer, max_len: config.max_len })
    }

    /// The sequence length.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Vocabulary size, special tokens included (the embedding's number of rows).
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The underlying Hugging Face tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// `tokenizer.json` as a string.
    ///
    /// # Errors
    /// Serialisation failure.
    pub fn to_json(&self) -> Result<String> {
        self.inner.to_string(true).map_err(tk_err)
    }

    /// Writes `tokenizer.json` atomically.
    ///
    /// # Errors
    /// Serialisation or I/O failure, naming the file.
    pub fn save(&self, path: &Path) -> Result<()> {
        xent_core::artifacts::write_atomic(path, self.to_json()?.as_bytes())?;
        Ok(())
    }

    /// Loads a `tokenizer.json` written by [`TextTokenizer::save`] (or any tokenizer with fixed
    /// padding).
    ///
    /// # Errors
    /// Unreadable or malformed file; no fixed padding length in it.
    pub fn load(path: &Path) -> Result<Self> {
        let json = std::fs::read_to_string(path).map_err(|e| TextError::io(path, e))?;
        let inner: Tokenizer = json.parse().map_err(|e| TextError::Tokenizer(format!("{}: {e}", path.display())))?;
        let max_len = match inner.get_padding().map(|p| &p.strategy) {
            Some(PaddingStrategy::Fixed(n)) => *n,
            _ => {
                return Err(TextError::Tokenizer(format!(
                    "{}: no fixed padding length (padding.strategy.Fixed)",
                    path.display()
                )));
            }
        };
        Ok(Self { inner, max_len })
    }

    /// Encodes whole texts, without truncation or padding (for bag-of-words inputs): the ids of
    /// each text's tokens in order, `[UNK]` included.
    ///
    /// # Errors
    /// A tokenisation failure.
    pub fn encode_whole<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Vec<u32>>> {
        let mut whole = self.inner.clone();
        whole.with_truncation(None).map_err(tk_err)?;
        whole.with_padding(None);
        let inputs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let encodings = whole.encode_batch_fast(inputs, false).map_err(tk_err)?;
        Ok(encodings.iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// Encodes texts to fixed-length ids.
    ///
    /// # Errors
    /// A tokenisation failure.
    pub fn encode<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Encoded> {
        let inputs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let encodings = self.inner.encode_batch_fast(inputs, false).map_err(tk_err)?;
        let len = self.max_len;
        let mut out =
            Encoded { ids: Vec::with_capacity(texts.len() * len), len, n: texts.len(), empty: Vec::new(), truncated: 0, tokens: 0, unknown: 0 };
        for (i, e) in encodings.iter().enumerate() {
            let ids = e.get_ids();
            debug_assert_eq!(ids.len(), len);
            let real = e.get_attention_mask().iter().filter(|&&m| m == 1).count();
            if real == 0 {
                out.empty.push(i);
            }
            if !e.get_overflowing().is_empty() {
                out.truncated += 1;
            }
            out.tokens += real;
            out.unknown += ids[..real].iter().filter(|&&id| id == 1).count();
            out.ids.extend(ids.iter().map(|&id| id as i32));
        }
        Ok(out)
    }
}
