//! Train/test splits of a [`BeatSet`]: inter-patient (DS1 → DS2 of de Chazal 2004), intra-patient
//! (stratified random by beat, seeded), leave-records-out folds, or explicit record lists.
//! Every split but the intra-patient one keeps each record's beats on one side only, and the
//! result says which paradigm was used.

use serde::{Deserialize, Serialize};

use crate::beats::BeatSet;
use crate::error::{EcgError, Result};
use crate::mitdb::{DS1, DS2};

/// How to split beats into train and test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Split {
    /// Train on DS1, test on DS2 (22 records each; paced records excluded).
    InterPatient,
    /// Stratified random split of beats regardless of record (the optimistic paradigm).
    IntraPatient {
        /// Fraction of each class's beats put in test, in (0, 1).
        test_fraction: f64,
        /// Shuffle seed.
        seed: u64,
    },
    /// `folds` groups of records (shuffled by `seed`); group `fold` is the test side.
    LeaveRecordsOut {
        /// Number of folds (≥ 2).
        folds: usize,
        /// Test fold (0-based, < `folds`).
        fold: usize,
        /// Shuffle seed.
        seed: u64,
    },
    /// Explicit record lists (must be disjoint).
    Records {
        /// Training records.
        train: Vec<String>,
        /// Test records.
        test: Vec<String>,
    },
}

/// The paradigm a split belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paradigm {
    /// No record has beats on both sides.
    InterPatient,
    /// Beats of one record may be on both sides.
    IntraPatient,
}

impl std::fmt::Display for Paradigm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Paradigm::InterPatient => "inter-patient",
            Paradigm::IntraPatient => "intra-patient",
        })
    }
}

/// The two sides of a split.
#[derive(Clone, Debug)]
pub struct SplitBeats {
    /// Training beats.
    pub train: BeatSet,
    /// Test beats.
    pub test: BeatSet,
    /// Which paradigm was used.
    pub paradigm: Paradigm,
    /// One line describing the split (for reports).
    pub description: String,
}

/// A small, fixed pseudo-random generator (SplitMix64), so seeded splits never change with a
/// dependency upgrade.
#[derive(Clone, Debug)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

impl BeatSet {
    /// Splits the beats; see [`Split`].
    pub fn split(&self, split: Split) -> Result<SplitBeats> {
        match split {
            Split::InterPatient => {
                let out = self.split_records(&DS1, &DS2, Paradigm::InterPatient, "inter-patient DS1 → DS2 (de Chazal 2004)".into())?;
                Ok(out)
            }
            Split::Records { train, test } => {
                let train: Vec<&str> = train.iter().map(String::as_str).collect();
                let test: Vec<&str> = test.iter().map(String::as_str).collect();
                let d = format!("inter-patient, records {} → {}", train.join(","), test.join(","));
                self.split_records(&train, &test, Paradigm::InterPatient, d)
            }
            Split::LeaveRecordsOut { folds, fold, seed } => {
                if folds < 2 || fold >= folds {
                    return Err(EcgError::invalid("split", format!("fold {fold} of {folds}: need folds ≥ 2 and fold < folds")));
                }
                let mut recs: Vec<&str> = self.records.iter().map(String::as_str).collect();
                recs.sort_unstable();
                recs.dedup();
                if recs.len() < folds {
                    return Err(EcgError::invalid("split", format!("{} records cannot make {folds} folds", recs.len())));
                }
                SplitMix64(seed).shuffle(&mut recs);
                let (mut train, mut test) = (Vec::new(), Vec::new());
                for (i, r) in recs.iter().enumerate() {
                    if i % folds == fold { test.push(*r) } else { train.push(*r) }
                }
                let d = format!("inter-patient, leave-records-out fold {fold}/{folds} (seed {seed}): test records {}", test.join(","));
                self.split_records(&train, &test, Paradigm::InterPatient, d)
            }
            Split::IntraPatient { test_fraction, seed } => {
                if !(test_fraction > 0.0 && test_fraction < 1.0) {
                    return Err(EcgError::invalid("split", format!("test_fraction {test_fraction} must be in (0, 1)")));
                }
                let mut rng = SplitMix64(seed);
                let (mut train, mut test) = (Vec::new(), Vec::new());
                for class in crate::aami::AamiClass::ALL {
                    let mut idx: Vec<usize> = (0..self.len()).filter(|&i| self.beats.get(i).is_some_and(|b| b.class == class)).collect();
                    rng.shuffle(&mut idx);
                    let n_test = (idx.len() as f64 * test_fraction).round() as usize;
                    test.extend_from_slice(&idx[..n_test]);
                    train.extend_from_slice(&idx[n_test..]);
                }
                train.sort_unstable();
                test.sort_unstable();
                Ok(SplitBeats {
                    train: self.subset(&train),
                    test: self.subset(&test),
                    paradigm: Paradigm::IntraPatient,
                    description: format!("intra-patient, stratified by AAMI class, test fraction {test_fraction} (seed {seed}): records on both sides"),
                })
            }
        }
    }

    fn split_records(&self, train: &[&str], test: &[&str], paradigm: Paradigm, description: String) -> Result<SplitBeats> {
        if let Some(r) = train.iter().find(|r| test.contains(r)) {
            return Err(EcgError::invalid("split", format!("record {r} is on both sides of an inter-patient split")));
        }
        let out = SplitBeats {
            train: self.subset(&self.indices_of_records(train)),
            test: self.subset(&self.indices_of_records(test)),
            paradigm,
            description,
        };
        debug_assert!(out.train.records.iter().all(|r| !out.test.records.contains(r)));
        Ok(out)
    }
}
