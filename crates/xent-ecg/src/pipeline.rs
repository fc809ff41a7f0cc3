//! The ECG pipeline's data side: MIT-BIH records → beats → a train / validation / test split for
//! xent-core's experiments, with the data's SHA-256, and the 1D-CNN as an experiment model.
//!
//! Validation data never comes from the test side: under the inter-patient paradigm it is a
//! leave-records-out fold of the *training* records (so early stopping and the temperature fit
//! see no test patient), under the intra-patient paradigm a stratified sample of training beats.

use std::path::PathBuf;

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::artifacts::{DataInfo, sha256_hex};
use xent_core::experiment::{ModelConfig, Split as ExperimentSplit};

use crate::beats::{BeatSet, BeatWindow};
use crate::cnn::{Cnn1d, Cnn1dConfig};
use crate::error::Result;
use crate::mitdb;
use crate::record::ReadConfig;
use crate::source::BeatSource;
use crate::split::{Paradigm, Split};

/// Which patients train and which test (the split paradigm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Patients {
    /// DS1 → DS2 (de Chazal 2004): no patient on both sides. The honest paradigm.
    Inter,
    /// Beats of all records, stratified random split: patients on both sides (optimistic).
    Intra,
}

/// Where the beats come from and how they are cut and split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EcgDataConfig {
    /// The MIT-BIH folder. Default `datasets/mitdb`.
    pub dir: PathBuf,
    /// Only these records (all 48 when `None`). With a subset, the inter-patient split keeps
    /// DS1 records for training and DS2 records for test. Default `None`.
    pub records: Option<Vec<String>>,
    /// Beat windows. Default: 180 Hz, 45 samples before and 83 from the R peak (250 ms + 461 ms,
    /// 128 samples), baseline removed, z-scored.
    pub window: BeatWindow,
    /// Paradigm. Default inter-patient.
    pub paradigm: Patients,
    /// Intra-patient: fraction of beats in test. Default 0.2.
    pub test_fraction: f64,
    /// Validation: one fold in `validation_folds` of the training records (inter) or this
    /// fraction's worth of training beats (intra, `1 / validation_folds`). Default 5.
    pub validation_folds: usize,
    /// Seed of the intra-patient split and of the validation fold. Default 0.
    pub split_seed: u64,
    /// Keep only the first this many beats of each record (a quick look, or a test). Default
    /// `None`: every beat.
    pub beats_per_record: Option<usize>,
}

impl Default for EcgDataConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("datasets/mitdb"),
            records: None,
            window: Self::default_window(),
            paradigm: Patients::Inter,
            test_fraction: 0.2,
            validation_folds: 5,
            split_seed: 0,
            beats_per_record: None,
        }
    }
}

/// The loaded split with its description.
#[derive(Debug, Clone)]
pub struct EcgSplit {
    /// Train / validation / test sources, data info and class names, ready for
    /// [`xent_core::experiment::compare_losses`].
    pub split: ExperimentSplit<BeatSource>,
    /// One line per side saying which records and paradigm, for reports.
    pub description: String,
}

impl EcgDataConfig {
    /// The default beat window (see [`EcgDataConfig::window`]).
    pub fn default_window() -> BeatWindow {
        BeatWindow { before: 45, after: 83, target_fs: Some(180.0), ..BeatWindow::default() }
    }

    /// Loads the records, cuts the beats and splits them.
    ///
    /// # Errors
    /// Reading a record (naming the file), or a split that cannot be made (e.g. too few records
    /// for the validation folds).
    pub fn load(&self) -> Result<EcgSplit> {
        let db = match &self.records {
            Some(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                mitdb::load_records(&self.dir, &names, &ReadConfig::default())?
            }
            None => mitdb::load(&self.dir)?,
        };
        let mut beats = db.beats(&self.window)?;
        if let Some(limit) = self.beats_per_record {
            beats = first_beats_per_record(&beats, limit);
        }
        let (train_all, test, test_desc) = match self.paradigm {
            Patients::Inter => {
                let (ds1, ds2) = side_records(&beats);
                let s = beats.split(Split::Records { train: ds1, test: ds2 })?;
                (s.train, s.test, s.description)
            }
            Patients::Intra => {
                let s = beats.split(Split::IntraPatient { test_fraction: self.test_fraction, seed: self.split_seed })?;
                (s.train, s.test, s.description)
            }
        };
        let folds = self.validation_folds.max(2);
        let inner = match self.paradigm {
            Patients::Inter => train_all.split(Split::LeaveRecordsOut { folds, fold: 0, seed: self.split_seed })?,
            Patients::Intra => train_all.split(Split::IntraPatient {
                test_fraction: 1.0 / folds as f64,
                seed: self.split_seed.wrapping_add(1),
            })?,
        };
        debug_assert!(self.paradigm == Patients::Intra || inner.paradigm == Paradigm::InterPatient);
        let description = format!(
            "{test_desc}; validation: {} ({} train / {} validation / {} test beats)",
            inner.description,
            inner.train.len(),
            inner.test.len(),
            test.len()
        );
        let sha256 = checksum(&[&inner.train, &inner.test, &test], self);
        let data = DataInfo { source: format!("{} ({description})", self.dir.display()), sha256 };
        let split = ExperimentSplit::new(BeatSource::new(inner.train), BeatSource::new(inner.test), data)
            .with_test(BeatSource::new(test))
            .with_class_names(BeatSource::class_names());
        Ok(EcgSplit { split, description })
    }
}

/// The first `limit` beats of every record, in order.
fn first_beats_per_record(beats: &BeatSet, limit: usize) -> BeatSet {
    let mut seen = vec![0usize; beats.records.len()];
    let keep: Vec<usize> = (0..beats.len())
        .filter(|&i| {
            let r = beats.beats[i].record as usize;
            seen[r] += 1;
            seen[r] <= limit
        })
        .collect();
    beats.subset(&keep)
}

/// DS1 records present → train, DS2 records present → test.
fn side_records(beats: &BeatSet) -> (Vec<String>, Vec<String>) {
    let pick = |list: &[&str]| -> Vec<String> {
        list.iter().filter(|r| beats.records.iter().any(|x| x == **r)).map(|r| (*r).to_owned()).collect()
    };
    (pick(&mitdb::DS1), pick(&mitdb::DS2))
}

/// SHA-256 over the beat windows, labels and record names of every side, and the data
/// configuration: two experiments compare only if they saw the same samples.
fn checksum(sides: &[&BeatSet], config: &EcgDataConfig) -> String {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(serde_json::to_string(config).unwrap_or_default().as_bytes());
    for side in sides {
        for v in &side.signals {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        for b in &side.beats {
            bytes.push(b.class.index() as u8);
            bytes.extend_from_slice(&b.record.to_le_bytes());
        }
        for r in &side.records {
            bytes.extend_from_slice(r.as_bytes());
        }
    }
    sha256_hex(&bytes)
}

impl ModelConfig for Cnn1dConfig {
    type Model = Cnn1d;

    fn init(&self, outputs: usize, device: &Device) -> Cnn1d {
        self.clone().with_num_classes(outputs).init(device)
    }
}
