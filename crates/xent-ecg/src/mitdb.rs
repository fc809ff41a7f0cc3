//! The MIT-BIH Arrhythmia Database as a whole: its 48 records, the paced records, and the DS1/DS2
//! record lists of de Chazal et al. (2004).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::aami::AamiCounts;
use crate::beats::{BeatSet, BeatWindow};
use crate::error::{EcgError, Result};
use crate::record::{ReadConfig, Record};

/// The 48 records, as listed in the database's `RECORDS` file.
pub const RECORDS: [&str; 48] = [
    "100", "101", "102", "103", "104", "105", "106", "107", "108", "109", "111", "112", "113", "114", "115", "116", "117",
    "118", "119", "121", "122", "123", "124", "200", "201", "202", "203", "205", "207", "208", "209", "210", "212", "213",
    "214", "215", "217", "219", "220", "221", "222", "223", "228", "230", "231", "232", "233", "234",
];

/// The four records of paced patients, excluded from DS1 and DS2.
pub const PACED: [&str; 4] = ["102", "104", "107", "217"];

/// DS1, the training half of the inter-patient split (de Chazal, O'Dwyer, Reilly 2004).
pub const DS1: [&str; 22] = [
    "101", "106", "108", "109", "112", "114", "115", "116", "118", "119", "122", "124", "201", "203", "205", "207", "208",
    "209", "215", "220", "223", "230",
];

/// DS2, the test half of the inter-patient split (de Chazal, O'Dwyer, Reilly 2004).
pub const DS2: [&str; 22] = [
    "100", "103", "105", "111", "113", "117", "121", "123", "200", "202", "210", "212", "213", "214", "219", "221", "222",
    "228", "231", "232", "233", "234",
];

/// A set of records loaded from one directory.
#[derive(Clone, Debug)]
pub struct Database {
    /// The directory the records came from.
    pub dir: PathBuf,
    /// The records, in the order of the `RECORDS` file (or sorted names).
    pub records: Vec<Record>,
}

/// Record names of a WFDB directory: its `RECORDS` file if present, else every `*.hea`, sorted.
pub fn record_names(dir: &Path) -> Result<Vec<String>> {
    let list = dir.join("RECORDS");
    match crate::input::read_regular(&list, crate::input::MAX_HEADER_BYTES) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()),
        Err(EcgError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let mut names = Vec::new();
            for entry in std::fs::read_dir(dir).map_err(|e| EcgError::io(dir, e))? {
                let p = entry.map_err(|e| EcgError::io(dir, e))?.path();
                if p.extension().is_some_and(|e| e == "hea")
                    && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
                {
                    names.push(stem.to_string());
                }
            }
            names.sort();
            Ok(names)
        }
        Err(e) => Err(e),
    }
}

/// Loads every record of `dir` (in parallel), verifying checksums.
pub fn load(dir: impl AsRef<Path>) -> Result<Database> {
    let dir = dir.as_ref();
    let names = record_names(dir)?;
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    load_records(dir, &names, &ReadConfig::default())
}

/// Loads the named records of `dir` (in parallel).
pub fn load_records(dir: impl AsRef<Path>, names: &[&str], config: &ReadConfig) -> Result<Database> {
    let dir = dir.as_ref();
    let records = names.par_iter().map(|n| Record::open_with(dir.join(n), config)).collect::<Result<Vec<_>>>()?;
    Ok(Database { dir: dir.to_path_buf(), records })
}

impl Database {
    /// The record named `name`.
    pub fn record(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|r| r.name == name)
    }

    /// Cuts the beats of every record (in parallel) into one [`BeatSet`].
    pub fn beats(&self, window: &BeatWindow) -> Result<BeatSet> {
        let sets = self.records.par_iter().map(|r| BeatSet::from_record(r, window)).collect::<Result<Vec<_>>>()?;
        if sets.is_empty() {
            return Err(EcgError::invalid("database", format!("{}: no records", self.dir.display())));
        }
        BeatSet::concat(sets)
    }

    /// AAMI counts of all annotated beats of the named records (no window exclusion).
    pub fn aami_counts(&self, names: &[&str]) -> Result<AamiCounts> {
        let mut total = AamiCounts::default();
        for r in self.records.iter().filter(|r| names.contains(&r.name.as_str())) {
            total.add(&r.aami_counts()?);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ds1_ds2_partition_the_non_paced_records() {
        let mut all: Vec<&str> = DS1.iter().chain(&DS2).chain(&PACED).copied().collect();
        all.sort_unstable();
        let mut recs = RECORDS.to_vec();
        recs.sort_unstable();
        assert_eq!(all, recs);
    }
}
