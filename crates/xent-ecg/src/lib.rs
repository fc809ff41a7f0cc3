//! ECG data for xent: a WFDB reader (`.hea` including multi-segment records, `.dat` formats 8, 16,
//! 24, 32, 61, 80, 160, 212, 310 and 311, `.atr`) used on the MIT-BIH Arrhythmia Database,
//! R-peak-centred beat windows with AAMI classes and patient-relative RR features, inter- and intra-patient splits, patient-grouped cross-validation folds, a
//! Pan–Tompkins QRS detector, WAV (through `hound`) and the 187-column beat CSV, and a Burn
//! dataset/batcher.
//!
//! ```no_run
//! use xent_ecg::{beats::BeatWindow, split::Split};
//! let db = xent_ecg::mitdb::load("datasets/mitdb")?;
//! let beats = db.beats(&BeatWindow::default())?;
//! let split = beats.split(Split::InterPatient)?; // DS1 train, DS2 test (de Chazal 2004)
//! println!("{}: train {} beats, test {} beats", split.paradigm, split.train.len(), split.test.len());
//! # Ok::<(), xent_ecg::EcgError>(())
//! ```

#![warn(missing_docs)]

pub mod aami;
pub mod annotation;
pub mod dat;
pub mod error;
pub mod filter;
pub mod format;
pub mod header;
pub mod input;
pub mod record;
pub mod segments;
pub mod signal;
pub mod symbols;

pub use aami::{AamiClass, AamiCounts};
pub use error::{EcgError, Result};
pub use format::Format;
pub use header::{Header, Segment, SignalSpec};
pub use record::{ReadConfig, Record};
pub use signal::Signal;
pub use symbols::SymbolMap;
pub mod beats;
pub mod mitdb;
pub mod rr;
pub mod split;
pub use beats::{BeatSet, BeatWindow};
pub use split::{Split, SplitBeats};
pub mod qrs;
pub mod wav;
pub mod csv_beats;
pub mod dataset;
pub use dataset::{BeatBatch, BeatBatcher, BeatDataset, BeatItem};
pub mod cnn;
pub mod source;
pub use cnn::{Cnn1d, Cnn1dConfig};
pub use source::BeatSource;
pub mod aami_report;
pub mod baseline;
pub mod folds;
pub mod pipeline;
pub mod record_lists;
pub use pipeline::{ClassSet, EcgDataConfig, EcgSplit, LoadedBeats, Patients};
