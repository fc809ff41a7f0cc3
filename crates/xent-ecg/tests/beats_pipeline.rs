//! Beats from real records into CSV, the Burn batcher, and QRS detection on real and resampled data.

use std::path::PathBuf;

use burn::data::dataloader::DataLoaderBuilder;
use burn::prelude::Device;
use xent_ecg::beats::Normalize;
use xent_ecg::csv_beats::{KAGGLE_LENGTH, read_csv_beats, write_csv_beats};
use xent_ecg::qrs::{self, EvalConfig, QrsConfig};
use xent_ecg::wav::{self, WavReadConfig};
use xent_ecg::{BeatDataset, BeatSet, BeatWindow, Record};

fn rec(name: &str) -> Record {
    Record::open(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb").join(name)).unwrap()
}

#[test]
fn kaggle_187_beats_round_trip_through_csv() {
    let r = rec("119");
    let set = BeatSet::from_record(&r, &BeatWindow::kaggle_187()).unwrap();
    assert_eq!((set.channels, set.length, set.fs), (1, KAGGLE_LENGTH, 125.0));
    assert!(set.signals.iter().all(|v| (0.0..=1.0).contains(v)));
    // 119: 1,543 N and 444 V annotated; edge beats may be dropped.
    let c = set.counts();
    assert_eq!(c.total() + set.excluded.window_out_of_bounds.total(), 1987);
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("119.csv");
    write_csv_beats(&p, &set).unwrap();
    let back = read_csv_beats(&p, Some(KAGGLE_LENGTH)).unwrap();
    assert_eq!(back.len(), set.len());
    assert_eq!(back.values, set.signals);
    assert_eq!(back.labels, set.beats.iter().map(|b| b.class).collect::<Vec<_>>());
}

#[test]
fn two_channel_beats_through_the_dataloader() {
    let r = rec("100");
    let w = BeatWindow { channels: xent_ecg::beats::Channels::All, normalize: Normalize::None, ..BeatWindow::default() };
    let set = BeatSet::from_record(&r, &w).unwrap();
    assert_eq!(set.channels, 2);
    let ds = BeatDataset::new(set);
    let n = burn::data::dataset::Dataset::len(&ds);
    let loader = DataLoaderBuilder::new(ds.batcher()).batch_size(64).set_device(Device::default()).build(ds);
    let mut seen = 0;
    for batch in loader.iter() {
        let b = batch.unwrap();
        let [bs, c, l] = b.signals.dims();
        assert_eq!((c, l), (2, 256));
        assert_eq!(b.rr.dims(), [bs, xent_ecg::rr::RR_FEATURES]);
        assert_eq!(b.targets.dims(), [bs]);
        seen += bs;
    }
    assert_eq!(seen, n);
}

#[test]
fn qrs_detector_on_real_records() {
    for name in ["100", "119", "208"] {
        let s = qrs::evaluate_record(&rec(name), &QrsConfig::default(), &EvalConfig::default()).unwrap();
        assert!(s.sensitivity() > 0.98 && s.positive_predictivity() > 0.99, "{name}: {s:?}");
    }
}

#[test]
fn a_wav_from_another_device_rate_is_detected_after_resampling() {
    // Record 100 written as WAV, read back resampled to 250 Hz, then detected; beats compared
    // with the annotations moved to 250 Hz.
    let r = rec("100");
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("100.wav");
    wav::write_wav(&r, &p).unwrap();
    let w = wav::read_wav(&p, &WavReadConfig { target_fs: Some(250.0) }).unwrap();
    assert_eq!((w.fs(), w.sig_len()), (250.0, 451_388));
    let det: Vec<i64> = qrs::detect(&w.signals[0].physical(), 250.0, &QrsConfig::default()).unwrap().into_iter().map(|v| v as i64).collect();
    let refs: Vec<i64> = r.beat_annotations().unwrap().iter().map(|a| (a.sample as f64 * 250.0 / 360.0).round() as i64).collect();
    let s = qrs::evaluate(&refs, &det, (0.15f64 * 250.0).round() as i64);
    assert!(s.sensitivity() > 0.995 && s.positive_predictivity() > 0.995, "{s:?}");
}
