//! xent-ecg: heartbeat classification data and models for xent, on the MIT-BIH Arrhythmia Database
//! or any WFDB database.
//!
//! - WFDB records: [`header`] (`.hea`, including multi-segment records, [`segments`]), [`signal`]
//!   and [`dat`] (formats 8, 16, 24, 32, 61, 80, 160, 212, 310 and 311, [`format`](mod@format)),
//!   [`annotation`] (`.atr`), [`record`], with safe file opening in [`input`];
//! - beats: [`aami`] classes and [`symbols`] (AAMI's table, or a database's own symbol map),
//!   R-peak-centred windows in [`beats`] with [`filter`]ed baselines, patient-relative [`rr`]
//!   features, [`mitdb`] loading;
//! - evaluation design: inter- and intra-patient [`split`]s, patient-grouped cross-validation
//!   [`folds`], [`record_lists`] and record → patient tables for other databases;
//! - training: the beat 1D-CNN ([`cnn`]), beats as an engine data source ([`source`]), a Burn
//!   dataset/batcher ([`dataset`]), and the data side of an experiment ([`pipeline`]);
//! - reporting: AAMI figures ([`aami_report`]) and the two [`baseline`]s;
//! - a Pan–Tompkins QRS detector ([`qrs`]), WAV through `hound` ([`wav`]) and the 187-column beat
//!   CSV ([`csv_beats`]).
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
