//! `xent ecg`: record facts (`info`), WAV export (`to-wav`) and QRS detection (`detect`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Subcommand;
use serde_json::{Value, json};
use xent_ecg::qrs::{self, EvalConfig, QrsConfig, QrsScore};
use xent_ecg::wav::{self, WavReadConfig};
use xent_ecg::{AamiClass, Record};

/// `println!` that reports a failed write (e.g. a closed pipe) as an error instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)?;
    }};
}

/// ECG subcommands. RECORD is a WFDB record path without extension, e.g. `datasets/mitdb/100`.
#[derive(Subcommand, Debug)]
pub enum EcgCommand {
    /// Header, signal statistics, annotation and AAMI beat counts of a record.
    Info {
        /// WFDB record path without extension (e.g. datasets/mitdb/100).
        record: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write a record as 16-bit PCM WAV (one channel per signal) plus a JSON sidecar with gain/baseline.
    ToWav {
        /// WFDB record path without extension.
        record: PathBuf,
        /// Output WAV file; the sidecar is written beside it with the extension `.json`.
        out: PathBuf,
    },
    /// Detect QRS complexes (Pan–Tompkins) in records or WAV files; with --eval, score them against
    /// the beat annotations (150 ms window): sensitivity and positive predictivity per record and in total.
    Detect {
        /// WFDB record paths without extension, or `.wav` files.
        #[arg(required = true)]
        records: Vec<PathBuf>,
        /// Compare with the reference beat annotations instead of listing the detections.
        #[arg(long)]
        eval: bool,
        /// With --eval: leave out ventricular flutter episodes (between `[` and `]`), as ANSI/AAMI EC57 does.
        #[arg(long, requires = "eval")]
        exclude_vf: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs an ECG subcommand.
pub fn run(command: EcgCommand) -> Result<()> {
    let result = match command {
        EcgCommand::Info { record, json } => info(&record, json),
        EcgCommand::ToWav { record, out } => to_wav(&record, &out),
        EcgCommand::Detect { records, eval, exclude_vf, json } => detect(&records, eval, exclude_vf, json),
    };
    match result {
        // The reader went away (`xent ecg detect … | head`): not an error.
        Err(e) if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) => Ok(()),
        r => r,
    }
}

fn open(path: &Path) -> Result<Record> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
        Ok(wav::read_wav(path, &WavReadConfig::default())?)
    } else {
        Ok(Record::open(path)?)
    }
}

/// The `info` JSON of a record.
fn info_json(r: &Record) -> Result<Value> {
    let signals: Vec<Value> = r
        .signals
        .iter()
        .map(|s| {
            json!({
                "name": s.spec.description,
                "file": s.spec.file_name,
                "format": s.spec.format,
                "gain": s.spec.gain,
                "baseline": s.spec.baseline,
                "adc_zero": s.spec.adc_zero,
                "adc_res": s.spec.adc_res,
                "units": s.spec.units,
                "initial_value": s.spec.initial_value,
                "checksum": s.spec.checksum,
                "sum": s.sum(),
                "min": s.min(),
                "max": s.max(),
            })
        })
        .collect();
    let (annotations, aami) = match &r.annotations {
        Some(anns) => {
            let by_symbol = r.symbol_counts()?;
            let beats = anns.iter().filter(|a| a.is_beat()).count();
            let counts = r.aami_counts()?;
            let aami: serde_json::Map<String, Value> = AamiClass::ALL.iter().map(|&k| (k.name().to_string(), json!(counts.get(k)))).collect();
            let rhythms: Vec<Value> = r.rhythm_changes()?.into_iter().map(|(t, rh)| json!({"sample": t, "rhythm": rh})).collect();
            (json!({"total": anns.len(), "beats": beats, "by_symbol": by_symbol, "rhythm_changes": rhythms}), Value::Object(aami))
        }
        None => (Value::Null, Value::Null),
    };
    Ok(json!({
        "record": r.name,
        "fs": r.fs(),
        "sig_len": r.sig_len(),
        "duration_s": r.sig_len() as f64 / r.fs(),
        "signals": signals,
        "annotations": annotations,
        "beats_by_aami": aami,
        "comments": r.header.comments,
    }))
}

fn info(path: &Path, as_json: bool) -> Result<()> {
    let r = open(path)?;
    let v = info_json(&r)?;
    if as_json {
        outln!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    outln!("record {}: {} signals, {} Hz, {} samples ({:.1} s)", r.name, r.signals.len(), r.fs(), r.sig_len(), r.sig_len() as f64 / r.fs());
    for (i, s) in r.signals.iter().enumerate() {
        outln!(
            "  signal {i} {:<5} format {} gain {} adu/{} baseline {} adc {} bits zero {}; first {} checksum {}; sum {} min {} max {}",
            s.spec.description,
            s.spec.format,
            s.spec.gain,
            s.spec.units,
            s.spec.baseline,
            s.spec.adc_res,
            s.spec.adc_zero,
            s.samples.first().map_or("-".into(), |v| v.to_string()),
            s.checksum(),
            s.sum(),
            s.min().map_or("-".into(), |v| v.to_string()),
            s.max().map_or("-".into(), |v| v.to_string()),
        );
    }
    match &r.annotations {
        Some(anns) => {
            let by: Vec<String> = r.symbol_counts()?.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            outln!("annotations: {} ({} beats): {}", anns.len(), anns.iter().filter(|a| a.is_beat()).count(), by.join(" "));
            outln!("AAMI beats: {}", r.aami_counts()?);
        }
        None => outln!("annotations: none (no annotation file); beats unavailable"),
    }
    Ok(())
}

fn to_wav(path: &Path, out: &Path) -> Result<()> {
    let r = Record::open(path)?;
    let side = wav::write_wav(&r, out)?;
    outln!("wrote {} ({} channels, {} Hz, {} samples, 16-bit PCM) and {}", out.display(), r.signals.len(), r.fs(), r.sig_len(), side.display());
    Ok(())
}

fn detect(paths: &[PathBuf], eval: bool, exclude_vf: bool, as_json: bool) -> Result<()> {
    let config = QrsConfig::default();
    let eval_cfg = EvalConfig { exclude_vf, ..EvalConfig::default() };
    let mut total = QrsScore::default();
    let mut rows = Vec::new();
    for p in paths {
        let r = open(p)?;
        if eval {
            let s = qrs::evaluate_record(&r, &config, &eval_cfg).with_context(|| format!("evaluating {}", p.display()))?;
            total.add(&s);
            if !as_json {
                outln!(
                    "{:<6} TP {:>6} FP {:>5} FN {:>5}  Se {:>7.3}%  +P {:>7.3}%",
                    r.name,
                    s.tp,
                    s.fp,
                    s.fn_,
                    100.0 * s.sensitivity(),
                    100.0 * s.positive_predictivity()
                );
            }
            rows.push(json!({"record": r.name, "tp": s.tp, "fp": s.fp, "fn": s.fn_, "se": s.sensitivity(), "ppv": s.positive_predictivity()}));
        } else {
            let c = r.primary_channel();
            let sig = r.signals.get(c).with_context(|| format!("{}: no signals", p.display()))?;
            let peaks = qrs::detect(&sig.physical_frames(), r.fs(), &config)?;
            if as_json {
                rows.push(json!({"record": r.name, "fs": r.fs(), "channel": sig.spec.description, "r_peaks": peaks}));
            } else {
                for s in peaks {
                    outln!("{}\t{}\t{:.3}", r.name, s, s as f64 / r.fs());
                }
            }
        }
    }
    if eval {
        if as_json {
            let t = json!({"tp": total.tp, "fp": total.fp, "fn": total.fn_, "se": total.sensitivity(), "ppv": total.positive_predictivity()});
            outln!("{}", serde_json::to_string_pretty(&json!({"tolerance_s": eval_cfg.tolerance_s, "exclude_vf": exclude_vf, "records": rows, "total": t}))?);
        } else {
            outln!(
                "{:<6} TP {:>6} FP {:>5} FN {:>5}  Se {:>7.3}%  +P {:>7.3}%  (150 ms window{})",
                "total",
                total.tp,
                total.fp,
                total.fn_,
                100.0 * total.sensitivity(),
                100.0 * total.positive_predictivity(),
                if exclude_vf { ", VF episodes excluded" } else { "" }
            );
        }
    } else if as_json {
        outln!("{}", serde_json::to_string_pretty(&Value::Array(rows))?);
    }
    Ok(())
}
