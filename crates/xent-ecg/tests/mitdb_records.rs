//! The reader against all 48 MIT-BIH records, with `datasets/mitdb/record_summary.tsv` as oracle.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use xent_ecg::mitdb::{self, Database, DS1, DS2};
use xent_ecg::{AamiClass, AamiCounts, BeatWindow, Split};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb")
}

fn db() -> &'static Database {
    static DB: OnceLock<Database> = OnceLock::new();
    DB.get_or_init(|| mitdb::load(dir()).expect("load mitdb"))
}

struct Row {
    record: String,
    fs: f64,
    nsamp: usize,
    names: [String; 2],
    init: [i64; 2],
    checksum: [i64; 2],
    annotations: usize,
    beats: usize,
    symbols: BTreeMap<String, usize>,
}

fn summary() -> Vec<Row> {
    let text = std::fs::read_to_string(dir().join("record_summary.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("record"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let symbols = f[11]
                .split(' ')
                .map(|kv| {
                    let (k, v) = kv.rsplit_once(':').unwrap();
                    (k.to_string(), v.parse().unwrap())
                })
                .collect();
            Row {
                record: f[0].into(),
                fs: f[1].parse().unwrap(),
                nsamp: f[2].parse().unwrap(),
                names: [f[3].into(), f[4].into()],
                init: [f[5].parse().unwrap(), f[7].parse().unwrap()],
                checksum: [f[6].parse().unwrap(), f[8].parse().unwrap()],
                annotations: f[9].parse().unwrap(),
                beats: f[10].parse().unwrap(),
                symbols,
            }
        })
        .collect()
}

/// The AAMI mapping written out independently of the crate.
fn aami_of(symbol: &str) -> Option<usize> {
    match symbol {
        "N" | "L" | "R" | "e" | "j" => Some(0),
        "A" | "a" | "J" | "S" => Some(1),
        "V" | "E" => Some(2),
        "F" => Some(3),
        "/" | "f" | "Q" => Some(4),
        _ => None,
    }
}

fn oracle_counts(rows: &[Row], names: &[&str]) -> [usize; 5] {
    let mut c = [0; 5];
    for r in rows.iter().filter(|r| names.contains(&r.record.as_str())) {
        for (s, n) in &r.symbols {
            if let Some(k) = aami_of(s) {
                c[k] += n;
            }
        }
    }
    c
}

#[test]
fn all_48_headers_checksums_and_annotation_counts_match_the_summary() {
    let rows = summary();
    assert_eq!(rows.len(), 48);
    let db = db();
    assert_eq!(db.records.len(), 48);
    for row in &rows {
        let r = db.record(&row.record).unwrap_or_else(|| panic!("record {}", row.record));
        assert_eq!(r.fs(), row.fs, "{}", row.record);
        assert_eq!(r.header.sig_len, Some(row.nsamp));
        assert_eq!(r.sig_len(), row.nsamp);
        for s in 0..2 {
            let sig = &r.signals[s];
            assert_eq!(sig.spec.description, row.names[s], "{} sig{s}", row.record);
            assert_eq!(sig.spec.format, 212);
            assert_eq!(sig.spec.initial_value, Some(row.init[s]));
            assert_eq!(sig.spec.checksum, Some(row.checksum[s]));
            assert_eq!(i64::from(sig.samples[0]), row.init[s]);
            assert_eq!(i64::from(sig.checksum()), row.checksum[s], "{} sig{s}", row.record);
        }
        let ann = r.annotations().unwrap();
        assert_eq!(ann.len(), row.annotations, "{}", row.record);
        assert_eq!(r.beat_annotations().unwrap().len(), row.beats, "{}", row.record);
        assert_eq!(r.symbol_counts().unwrap(), row.symbols, "{}", row.record);
    }
}

#[test]
fn database_totals_match_the_published_tables() {
    let db = db();
    let total: usize = db.records.iter().map(|r| r.annotations().unwrap().len()).sum();
    let beats: usize = db.records.iter().map(|r| r.beat_annotations().unwrap().len()).sum();
    assert_eq!((total, beats), (112_647, 109_494));
    let all = db.aami_counts(&mitdb::RECORDS).unwrap();
    assert_eq!(all.total(), 109_494);
}

#[test]
fn rhythm_changes_are_read_from_aux() {
    let r = db().record("201").unwrap();
    let rhythms: Vec<&str> = r.rhythm_changes().unwrap().into_iter().map(|(_, r)| r).collect();
    assert_eq!(rhythms.first(), Some(&"(AFIB"));
    assert!(rhythms.contains(&"(N") && rhythms.contains(&"(SVTA"), "{rhythms:?}");
}

#[test]
fn ds1_and_ds2_aami_counts_of_all_annotated_beats() {
    let rows = summary();
    let db = db();
    let ds1 = db.aami_counts(&DS1).unwrap();
    let ds2 = db.aami_counts(&DS2).unwrap();
    assert_eq!(ds1.0, oracle_counts(&rows, &DS1));
    assert_eq!(ds2.0, oracle_counts(&rows, &DS2));
    // Measured (see docs/ecg-data.md): every annotated beat of the 22 records.
    assert_eq!(ds1.0, DS1_ALL);
    assert_eq!(ds2.0, DS2_ALL);
}

/// de Chazal et al. (2004), table 1: N 45,866, S 944, V 3,788, F 415, Q 8.
const DS1_ALL: [usize; 5] = [45_866, 944, 3_788, 415, 8];
/// de Chazal et al. (2004), table 1: N 44,259, S 1,837, V 3,221, F 388, Q 7.
const DS2_ALL: [usize; 5] = [44_259, 1_837, 3_221, 388, 7];

#[test]
fn default_beats_and_inter_patient_split() {
    let db = db();
    let set = db.beats(&BeatWindow::default()).unwrap();
    assert_eq!((set.channels, set.length, set.fs), (1, 256, 360.0));
    // Every AAMI-mapped annotated beat is either windowed or excluded for crossing a record edge.
    let mut seen = set.counts();
    seen.add(&set.excluded.window_out_of_bounds);
    assert_eq!(seen, db.aami_counts(&mitdb::RECORDS).unwrap());
    assert_eq!(set.excluded.unmapped_symbol, 0);
    assert_eq!(set.signals.len(), set.len() * 256);
    let split = set.split(Split::InterPatient).unwrap();
    assert_eq!(split.paradigm.to_string(), "inter-patient");
    assert_eq!(split.train.records.len(), 22);
    assert_eq!(split.test.records.len(), 22);
    assert!(split.train.records.iter().all(|r| DS1.contains(&r.as_str())));
    assert!(split.test.records.iter().all(|r| DS2.contains(&r.as_str())));
    println!("DS1 windowed {} (excluded {}), DS2 windowed {}", split.train.counts(), set.excluded.window_out_of_bounds, split.test.counts());
    assert_eq!(split.train.counts().0, DS1_WINDOWED);
    assert_eq!(split.test.counts().0, DS2_WINDOWED);
    // Beats keep their source symbol; 232 has many A beats (S class).
    let i = set.beats.iter().position(|b| b.symbol() == "A").unwrap();
    assert_eq!(set.beats[i].class, AamiClass::S);
    // Intra-patient: stratified, records on both sides.
    let intra = set.split(Split::IntraPatient { test_fraction: 0.2, seed: 7 }).unwrap();
    assert_eq!(intra.train.len() + intra.test.len(), set.len());
    let c = set.counts();
    for k in AamiClass::ALL {
        let want = (c.get(k) as f64 * 0.2).round() as usize;
        assert_eq!(intra.test.counts().get(k), want);
    }
    assert!(intra.description.contains("intra-patient"));
    // Leave-records-out folds cover each record exactly once on the test side.
    let mut tested: Vec<String> = Vec::new();
    for fold in 0..5 {
        let s = set.split(Split::LeaveRecordsOut { folds: 5, fold, seed: 3 }).unwrap();
        assert!(s.train.records.iter().all(|r| !s.test.records.contains(r)));
        tested.extend(s.test.records.clone());
    }
    tested.sort();
    let mut all: Vec<String> = set.records.clone();
    all.sort();
    assert_eq!(tested, all);
    let _ = AamiCounts::default();
}

/// The default window (90 before, 166 from R) drops beats within 250 ms of the start or 461 ms of
/// the end of a record: DS1 loses N 18 and F 1, DS2 N 19 and V 1.
const DS1_WINDOWED: [usize; 5] = [45_848, 944, 3_788, 414, 8];
const DS2_WINDOWED: [usize; 5] = [44_240, 1_837, 3_220, 388, 7];

#[test]
fn explicit_record_lists_must_be_disjoint() {
    let r = db().record("100").unwrap();
    let set = xent_ecg::BeatSet::from_record(r, &BeatWindow::default()).unwrap();
    let e = set.split(Split::Records { train: vec!["100".into()], test: vec!["100".into()] }).unwrap_err();
    assert!(e.to_string().contains("both sides"), "{e}");
}
