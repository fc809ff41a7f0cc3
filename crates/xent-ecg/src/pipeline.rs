//! The ECG pipeline's data side: WFDB records (MIT-BIH by default, any database with named
//! training and test records) → beats → the splits of an experiment, with the data's SHA-256, and
//! the 1D-CNN as an experiment model.
//!
//! Model selection never sees the test side. [`EcgDataConfig::load_cv`] makes cross-validation
//! folds inside the training side only (DS1, or the named training records, under the
//! inter-patient paradigm, grouped by patient);
//! [`EcgDataConfig::load`] makes the final split: train on the whole training side for the epochs
//! the folds chose, no validation, test once. The RR scaler is fitted on the training beats of
//! each split.

use std::collections::BTreeMap;
use std::path::PathBuf;

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::artifacts::{DataInfo, sha256_hex};
use xent_core::experiment::{ModelConfig, Split as ExperimentSplit};

use crate::aami::{AamiClass, AamiCounts};
use crate::beats::{BeatSet, BeatWindow, Normalize};
use crate::cnn::{Cnn1d, Cnn1dConfig};
use crate::error::{EcgError, Result};
use crate::folds::{group_folds, record_counts, stratified_folds};
use crate::mitdb;
use crate::record::ReadConfig;
use crate::rr::RrScaler;
use crate::source::BeatSource;
use crate::split::Split;

/// Which patients train and which test (the split paradigm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Patients {
    /// DS1 → DS2 (de Chazal 2004), or [`EcgDataConfig::train_records`] →
    /// [`EcgDataConfig::test_records`]: no patient on both sides. The honest paradigm.
    Inter,
    /// Beats of all records, stratified random split: patients on both sides (optimistic).
    Intra,
}

/// The classes a model learns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassSet {
    /// AAMI N, S, V, F. Q beats (8 in DS1, 7 in DS2 of MIT-BIH) are counted and left out of
    /// training, testing and every metric, as in the inter-patient literature.
    #[default]
    Nsvf,
    /// All five AAMI classes.
    Nsvfq,
}

impl ClassSet {
    /// Number of classes (the first this many of [`AamiClass::ALL`]).
    pub fn count(self) -> usize {
        match self {
            ClassSet::Nsvf => 4,
            ClassSet::Nsvfq => AamiClass::COUNT,
        }
    }

    /// Whether beats of `class` take part.
    pub fn contains(self, class: AamiClass) -> bool {
        class.index() < self.count()
    }
}

/// Where the beats come from and how they are cut and split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EcgDataConfig {
    /// The WFDB folder (its `RECORDS` file, or every `*.hea`). Default `datasets/mitdb`.
    pub dir: PathBuf,
    /// Only these records (all of the folder's when `None`). With a subset, the inter-patient
    /// split keeps the training records for training and the test records for test. Default
    /// `None`.
    pub records: Option<Vec<String>>,
    /// The inter-patient split's training records (and cross-validation's). Default `None`:
    /// MIT-BIH's DS1. Give both sides for any other database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_records: Option<Vec<String>>,
    /// The inter-patient split's test records. Default `None`: MIT-BIH's DS2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_records: Option<Vec<String>>,
    /// Record → patient, for databases with several records per patient: cross-validation folds
    /// keep a patient's records together, and a patient may not be on both sides of the split.
    /// A record not listed is a patient of its own. Default: empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub patients: BTreeMap<String, String>,
    /// Beat windows. Default: [`EcgDataConfig::default_window`].
    pub window: BeatWindow,
    /// Paradigm. Default inter-patient.
    pub paradigm: Patients,
    /// Classes. Default N, S, V, F.
    pub classes: ClassSet,
    /// Intra-patient: fraction of beats in test. Default 0.2.
    pub test_fraction: f64,
    /// Seed of the intra-patient split and folds. Default 0.
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
            train_records: None,
            test_records: None,
            patients: BTreeMap::new(),
            window: Self::default_window(),
            paradigm: Patients::Inter,
            classes: ClassSet::default(),
            test_fraction: 0.2,
            split_seed: 0,
            beats_per_record: None,
        }
    }
}

/// One split of an experiment, ready for [`xent_core::experiment::compare_losses`].
#[derive(Debug, Clone)]
pub struct EcgSplit {
    /// Train / validation / test sources, data info and class names.
    pub split: ExperimentSplit<BeatSource>,
    /// One line saying which records and paradigm, for reports.
    pub description: String,
    /// The RR scaler, fitted on this split's training beats (what `xent predict` applies).
    pub rr_scaler: RrScaler,
}

/// The beats of an experiment before splitting.
#[derive(Debug, Clone)]
pub struct LoadedBeats {
    /// Beats of the classes taken part, on both sides.
    pub beats: BeatSet,
    /// Beats left out because their class is not in the class set (per AAMI class).
    pub left_out: AamiCounts,
}

impl EcgDataConfig {
    /// The default beat window: 180 Hz, 45 samples before and 83 from the R peak (250 ms +
    /// 461 ms, 128 samples), baseline removed, scaled by the record's reference amplitude, with
    /// the difference from the record's median beat as a second channel (chosen by DS1
    /// cross-validation, docs/ecg-results.md).
    pub fn default_window() -> BeatWindow {
        BeatWindow {
            before: 45,
            after: 83,
            target_fs: Some(180.0),
            normalize: Normalize::RecordReference,
            template_difference: true,
            ..BeatWindow::default()
        }
    }

    /// Loads the records and cuts the beats of the class set.
    ///
    /// # Errors
    /// Reading a record (naming the file).
    pub fn beats(&self) -> Result<LoadedBeats> {
        self.check_sides()?;
        let named: Option<Vec<String>> = match (&self.records, &self.train_records, &self.test_records) {
            (Some(names), _, _) => Some(names.clone()),
            // Only the two sides are read.
            (None, Some(train), Some(test)) if self.paradigm == Patients::Inter => Some(train.iter().chain(test).cloned().collect()),
            _ => None,
        };
        let db = match named {
            Some(names) => {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                mitdb::load_records(&self.dir, &names, &ReadConfig::default())?
            }
            None => mitdb::load(&self.dir)?,
        };
        let mut beats = db.beats(&self.window)?;
        if self.paradigm == Patients::Inter {
            // Only the two sides take part (MIT-BIH's paced records belong to neither).
            let (ds1, ds2) = self.side_records(&beats);
            if ds1.is_empty() && ds2.is_empty() {
                let sides = if self.train_records.is_some() { "the named training and test records" } else { "MIT-BIH's DS1 and DS2 records" };
                return Err(EcgError::invalid(
                    "records",
                    format!("{}: none of {sides} are there; name the training and test records of this database", self.dir.display()),
                ));
            }
            let names: Vec<&str> = ds1.iter().chain(&ds2).map(String::as_str).collect();
            beats = beats.subset(&beats.indices_of_records(&names));
        }
        if let Some(limit) = self.beats_per_record {
            beats = first_beats_per_record(&beats, limit);
        }
        let keep: Vec<usize> = (0..beats.len()).filter(|&i| self.classes.contains(beats.beats[i].class)).collect();
        let left_out = AamiCounts::count(beats.beats.iter().map(|b| b.class).filter(|&c| !self.classes.contains(c)));
        if keep.len() < beats.len() {
            beats = beats.subset(&keep);
        }
        Ok(LoadedBeats { beats, left_out })
    }

    /// The training and test sides (DS1 / DS2, or the intra-patient split) and their description.
    fn sides(&self, beats: &BeatSet) -> Result<(BeatSet, BeatSet, String)> {
        let s = match self.paradigm {
            Patients::Inter => {
                let (ds1, ds2) = self.side_records(beats);
                beats.split(Split::Records { train: ds1, test: ds2 })?
            }
            Patients::Intra => beats.split(Split::IntraPatient { test_fraction: self.test_fraction, seed: self.split_seed })?,
        };
        let d = match self.paradigm {
            Patients::Inter if self.train_records.is_some() => "inter-patient, the named training → test records".to_owned(),
            Patients::Inter => "inter-patient DS1 → DS2 (de Chazal 2004)".to_owned(),
            Patients::Intra => s.description.clone(),
        };
        Ok((s.train, s.test, d))
    }

    /// The final split: every beat of the training side trains (no validation: the epochs and
    /// other choices come from [`EcgDataConfig::load_cv`]), the test side is scored once.
    ///
    /// # Errors
    /// Reading a record, or an empty side.
    pub fn load(&self) -> Result<EcgSplit> {
        let loaded = self.beats()?;
        let (train, test, desc) = self.sides(&loaded.beats)?;
        if train.is_empty() || test.is_empty() {
            return Err(EcgError::invalid("split", format!("{desc}: {} training and {} test beats", train.len(), test.len())));
        }
        let rr_scaler = RrScaler::fit(train.beats.iter().map(|b| &b.rr));
        let description = format!(
            "{desc}: {} training beats ({} records), {} test beats ({} records){}",
            train.len(),
            train.records.len(),
            test.len(),
            test.records.len(),
            self.left_out_note(&loaded.left_out)
        );
        let data = DataInfo { source: format!("{} ({description})", self.dir.display()), sha256: checksum(&[&train, &test], self) };
        let train = self.source(train, rr_scaler);
        let names = train.class_names();
        let split = ExperimentSplit::without_validation(train, data).with_test(self.source(test, rr_scaler)).with_class_names(names);
        Ok(EcgSplit { split, description, rr_scaler })
    }

    /// `folds` cross-validation splits of the training side only (the test side is never
    /// loaded into them): patient-grouped under the inter-patient paradigm
    /// ([`group_folds`]), stratified by class under the intra-patient one. Each split trains on
    /// the other folds and validates on its own; none has test data.
    ///
    /// # Errors
    /// Reading a record, or too few records (beats) for the folds.
    pub fn load_cv(&self, folds: usize) -> Result<Vec<EcgSplit>> {
        let loaded = self.beats()?;
        let (train_all, _, desc) = self.sides(&loaded.beats)?;
        let fold_beats: Vec<(Vec<usize>, String)> = match self.paradigm {
            Patients::Inter => group_folds(&self.patient_counts(&train_all), folds)?
                .into_iter()
                .map(|patients| {
                    let recs = self.records_of(&train_all, &patients);
                    let names: Vec<&str> = recs.iter().map(String::as_str).collect();
                    (train_all.indices_of_records(&names), format!("records {}", recs.join(",")))
                })
                .collect(),
            Patients::Intra => stratified_folds(&train_all, folds, self.split_seed.wrapping_add(1))?
                .into_iter()
                .map(|idx| {
                    let n = idx.len();
                    (idx, format!("{n} beats stratified by class"))
                })
                .collect(),
        };
        let mut out = Vec::with_capacity(folds);
        for (f, (valid_idx, what)) in fold_beats.iter().enumerate() {
            let mut in_fold = vec![false; train_all.len()];
            for &i in valid_idx {
                in_fold[i] = true;
            }
            let train_idx: Vec<usize> = (0..train_all.len()).filter(|&i| !in_fold[i]).collect();
            let (train, valid) = (train_all.subset(&train_idx), train_all.subset(valid_idx));
            let rr_scaler = RrScaler::fit(train.beats.iter().map(|b| &b.rr));
            let description = format!(
                "{desc}, cross-validation on the training side, fold {}/{folds}: validation {what} ({} training / {} validation beats){}",
                f + 1,
                train.len(),
                valid.len(),
                self.left_out_note(&loaded.left_out)
            );
            let data = DataInfo { source: format!("{} ({description})", self.dir.display()), sha256: checksum(&[&train, &valid], self) };
            let train = self.source(train, rr_scaler);
            let names = train.class_names();
            let split = ExperimentSplit::new(train, self.source(valid, rr_scaler), data).with_class_names(names);
            out.push(EcgSplit { split, description, rr_scaler });
        }
        Ok(out)
    }

    /// The patient of `record` ([`EcgDataConfig::patients`], else the record itself).
    fn patient_of<'a>(&'a self, record: &'a str) -> &'a str {
        self.patients.get(record).map_or(record, String::as_str)
    }

    /// Class counts per patient of `beats`, sorted by patient.
    fn patient_counts(&self, beats: &BeatSet) -> Vec<(String, AamiCounts)> {
        let mut by_patient: BTreeMap<String, AamiCounts> = BTreeMap::new();
        for (record, counts) in record_counts(beats) {
            by_patient.entry(self.patient_of(&record).to_owned()).or_default().add(&counts);
        }
        by_patient.into_iter().collect()
    }

    /// The records of `beats` that belong to `patients`.
    fn records_of(&self, beats: &BeatSet, patients: &[String]) -> Vec<String> {
        beats.records.iter().filter(|r| patients.iter().any(|p| p == self.patient_of(r))).cloned().collect()
    }

    /// Refuses named sides that cannot make an inter-patient split: one side without the other,
    /// a record on both sides, or a patient on both sides.
    fn check_sides(&self) -> Result<()> {
        let (train, test) = match (&self.train_records, &self.test_records) {
            (None, None) => return Ok(()),
            (Some(train), Some(test)) => (train, test),
            _ => return Err(EcgError::invalid("records", "name both the training and the test records, or neither (MIT-BIH's DS1 / DS2)")),
        };
        if train.is_empty() || test.is_empty() {
            return Err(EcgError::invalid("records", "the training and the test records must each name at least one record"));
        }
        for r in train {
            if let Some(t) = test.iter().find(|t| self.patient_of(t) == self.patient_of(r)) {
                return Err(EcgError::invalid(
                    "records",
                    format!("patient {} is on both sides (training record {r}, test record {t}): the split would not be inter-patient", self.patient_of(r)),
                ));
            }
        }
        Ok(())
    }

    /// The training and test records present in `beats`: the named sides, or DS1 and DS2.
    fn side_records(&self, beats: &BeatSet) -> (Vec<String>, Vec<String>) {
        let present = |list: &mut dyn Iterator<Item = &str>| -> Vec<String> {
            list.filter(|r| beats.records.iter().any(|x| x == *r)).map(str::to_owned).collect()
        };
        match (&self.train_records, &self.test_records) {
            (Some(train), Some(test)) => (present(&mut train.iter().map(String::as_str)), present(&mut test.iter().map(String::as_str))),
            _ => (present(&mut mitdb::DS1.iter().copied()), present(&mut mitdb::DS2.iter().copied())),
        }
    }

    /// The beats as a data source of this configuration's classes, RR features scaled by `scaler`.
    fn source(&self, set: BeatSet, scaler: RrScaler) -> BeatSource {
        BeatSource::new(set).with_rr_scaler(scaler).with_classes(self.classes.count())
    }

    fn left_out_note(&self, left_out: &AamiCounts) -> String {
        let n = left_out.total();
        if n == 0 { String::new() } else { format!("; {n} Q beats left out ({left_out})") }
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
