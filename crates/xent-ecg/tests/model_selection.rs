//! Model selection on real MIT-BIH records: the cross-validation folds stay inside DS1 and are
//! patient-disjoint, the final split trains on every DS1 record, Q beats are left out and counted,
//! and the RR scaler is fitted on the training side only.

use std::path::PathBuf;

use xent_core::train::DataSource;
use xent_ecg::mitdb::{DS1, DS2};
use xent_ecg::rr::RrScaler;
use xent_ecg::{AamiClass, ClassSet, EcgDataConfig};

fn config(records: &[&str]) -> EcgDataConfig {
    EcgDataConfig {
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb"),
        records: Some(records.iter().map(|r| (*r).to_owned()).collect()),
        beats_per_record: Some(400),
        ..EcgDataConfig::default()
    }
}

/// Six DS1 records (S-rich 118, 209, 220; F-heavy 208) and two DS2 records.
const RECORDS: [&str; 8] = ["101", "118", "208", "209", "220", "230", "100", "232"];

#[test]
fn cv_folds_are_patient_disjoint_and_never_hold_a_ds2_record() {
    let folds = config(&RECORDS).load_cv(3).unwrap();
    assert_eq!(folds.len(), 3);
    let mut validated: Vec<String> = Vec::new();
    for f in &folds {
        let train = &f.split.train.beats().records;
        let valid = &f.split.valid.as_ref().expect("a CV fold validates").beats().records;
        assert!(f.split.test.is_none(), "no test data in a CV fold");
        for r in train.iter().chain(valid) {
            assert!(DS1.contains(&r.as_str()) && !DS2.contains(&r.as_str()), "record {r} in a CV fold");
        }
        assert!(train.iter().all(|r| !valid.contains(r)), "a record on both sides of a fold");
        validated.extend(valid.iter().cloned());
        // The scaler is the one fitted on this fold's training beats.
        assert_eq!(f.rr_scaler, RrScaler::fit(f.split.train.beats().beats.iter().map(|b| &b.rr)));
    }
    validated.sort();
    assert_eq!(validated, ["101", "118", "208", "209", "220", "230"], "every DS1 record validated exactly once");
    // The two S-richest records (118, 209) and 220 are spread over the three folds.
    let fold_of = |r: &str| folds.iter().position(|f| f.split.valid.as_ref().unwrap().beats().records.iter().any(|x| x == r)).unwrap();
    let mut s_rich = [fold_of("118"), fold_of("209"), fold_of("220")];
    s_rich.sort();
    assert_eq!(s_rich, [0, 1, 2]);
}

#[test]
fn the_final_split_trains_on_all_of_ds1_and_leaves_q_out() {
    let cfg = config(&RECORDS);
    let s = cfg.load().unwrap();
    assert!(s.split.valid.is_none());
    let mut train = s.split.train.beats().records.clone();
    train.sort();
    assert_eq!(train, ["101", "118", "208", "209", "220", "230"]);
    let mut test = s.split.test.as_ref().unwrap().beats().records.clone();
    test.sort();
    assert_eq!(test, ["100", "232"]);
    assert_eq!(s.split.class_names, ["N", "S", "V", "F"]);
    assert_eq!(s.split.train.num_classes(), 4);
    for side in [&s.split.train, s.split.test.as_ref().unwrap()] {
        assert!(side.beats().beats.iter().all(|b| b.class != AamiClass::Q));
    }
    assert_eq!(s.rr_scaler, RrScaler::fit(s.split.train.beats().beats.iter().map(|b| &b.rr)));
    // Record 101 (DS1) holds two Q beats: left out of every side and counted in the description.
    let whole = EcgDataConfig { beats_per_record: None, ..config(&["101", "100"]) };
    let all = EcgDataConfig { classes: ClassSet::Nsvfq, ..whole.clone() }.beats().unwrap();
    assert_eq!(all.beats.counts().get(AamiClass::Q), 2);
    let nsvf = whole.beats().unwrap();
    assert_eq!(nsvf.left_out.get(AamiClass::Q), 2);
    assert_eq!(nsvf.beats.len() + 2, all.beats.len());
    assert!(nsvf.beats.beats.iter().all(|b| b.class != AamiClass::Q));
    let s = whole.load().unwrap();
    assert!(s.description.contains("2 Q beats left out"), "{}", s.description);
}
