//! Golden WFDB records (`tests/golden/wfdb/`, written by the repository's
//! `tests/golden/wfdb_formats.py`) read with `Record::open` and compared exactly with what
//! wfdb-python's `rdrecord(..., physical=False)` returned for them (`expected.json`): every signal
//! format, byte offsets, skews, several samples per frame (all samples, and the frame means of
//! `smooth_frames=True`), signals spread over files of different formats, and fixed- and
//! variable-layout multi-segment records. Checksums and first values are verified on the way.

use std::path::PathBuf;

use serde_json::Value;
use xent_ecg::{ReadConfig, Record};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/wfdb")
}

fn ints(v: &Value) -> Vec<i32> {
    v.as_array().expect("array").iter().map(|x| i32::try_from(x.as_i64().expect("integer")).expect("i32")).collect()
}

#[test]
fn every_golden_record_matches_wfdb_python() {
    let text = std::fs::read_to_string(dir().join("expected.json")).unwrap();
    let golden: Value = serde_json::from_str(&text).unwrap();
    assert!(golden["versions"]["wfdb"].as_str().is_some_and(|v| !v.starts_with("unavailable")));
    let records = golden["records"].as_object().unwrap();
    assert!(records.len() >= 20, "{} records", records.len());
    let config = ReadConfig { annotations: false, ..ReadConfig::default() };
    let mut formats = std::collections::BTreeSet::new();
    let mut spf_checked = 0;
    for (name, want) in records {
        let r = Record::open_with(dir().join(name), &config).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.fs(), want["fs"].as_f64().unwrap(), "{name}: fs");
        assert_eq!(r.sig_len() as u64, want["sig_len"].as_u64().unwrap(), "{name}: sig_len");
        let sigs = want["signals"].as_array().unwrap();
        assert_eq!(r.signals.len(), sigs.len(), "{name}: number of signals");
        for (s, w) in r.signals.iter().zip(sigs) {
            let what = format!("{name}, signal {}", s.spec.description);
            assert_eq!(s.spec.description, w["name"].as_str().unwrap(), "{what}");
            assert_eq!(u64::from(s.spec.format), w["fmt"].as_u64().unwrap(), "{what}: format");
            assert_eq!(s.samples_per_frame() as u64, w["spf"].as_u64().unwrap(), "{what}: samples per frame");
            assert_eq!(s.samples, ints(&w["samples"]), "{what}: samples");
            if let Some(frames) = w.get("frames") {
                assert_eq!(s.frame_samples().into_owned(), ints(frames), "{what}: frame means");
                spf_checked += 1;
            }
            formats.insert(s.spec.format);
        }
    }
    assert_eq!(formats.into_iter().collect::<Vec<_>>(), xent_ecg::format::SUPPORTED.to_vec(), "every format is covered");
    assert!(spf_checked >= 4);
}

#[test]
fn golden_multi_segment_headers_are_kept_on_the_record() {
    let config = ReadConfig { annotations: false, ..ReadConfig::default() };
    let r = Record::open_with(dir().join("var"), &config).unwrap();
    let segs: Vec<_> = r.header.segments.iter().map(|s| (s.name.as_str(), s.len)).collect();
    assert_eq!(segs, vec![("var_layout", 0), ("var_s1", 5), ("~", 3), ("var_s3", 4)]);
    assert_eq!(r.header.signals.len(), 3);
    assert!(r.signals.iter().all(|s| s.spec.checksum.is_none() && s.spec.initial_value.is_none()));
}
