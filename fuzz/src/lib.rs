//! The bodies of xent's fuzz targets, one function per target: each hands the fuzzer's bytes to one
//! reader and drops the result. An `Err` is the right answer to a hostile file; a panic (overflow
//! checks are on), a hang or unbounded memory is a finding.
//!
//! Two users share this file: the `cargo fuzz` targets in `fuzz_targets/` (one line each) and the
//! workspace test `tests/fuzz_corpus.rs`, which includes it with `#[path]` and runs every body over
//! the committed seeds (`fuzz/seeds/<target>/`) and crash reproductions (`fuzz/regressions/<target>/`)
//! on every `cargo test --workspace`, without the instrumented build.
//!
//! Readers that only take a path get the input written to a file in one per-process temporary
//! directory ([`SCRATCH_ENV`], else under `/dev/shm` when it exists), with the extension the reader
//! dispatches on.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use xent_metrics::io as score_io;
use xent_ecg::header::Header;
use xent_ecg::record::{ReadConfig, Record};
use xent_ecg::{annotation, signal};
use xent_text::corpus::{agnews, bbc, latin1, reuters};

/// A target's body: runs its reader on the input and returns whether the reader accepted it (the
/// fuzzers ignore the answer; the smoke test checks that every seed, a real file, is accepted).
pub type Body = fn(&[u8]) -> bool;

/// Every target: its name (the file in `fuzz_targets/`, the folder in `seeds/` and `regressions/`)
/// and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("wfdb_header", wfdb_header),
    ("wfdb_signal", wfdb_signal),
    ("wfdb_annotation", wfdb_annotation),
    ("wfdb_record", wfdb_record),
    ("score_npy", score_npy),
    ("score_csv", score_csv),
    ("reuters_sgml", reuters_sgml),
    ("agnews_csv", agnews_csv),
    ("bbc_csv", bbc_csv),
    ("corpus_tar", corpus_tar),
];

/// The separator between the parts of a multi-file input (`wfdb_record`).
pub const PART_SEPARATOR: &[u8] = b"\n%%xent-fuzz-part%%\n";

/// The environment variable that names the scratch directory (`just fuzz` sets it to a directory
/// it removes afterwards); without it, a new temporary directory under `/dev/shm` (or the system's).
pub const SCRATCH_ENV: &str = "XENT_FUZZ_SCRATCH";

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os(SCRATCH_ENV) {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() { tempfile::Builder::new().prefix("xent-fuzz-").tempdir_in(shm) } else { tempfile::tempdir() };
        dir.expect("a temporary directory for the fuzz inputs").keep()
    })
}

/// Removes the scratch directory this process created (not one named by [`SCRATCH_ENV`]).
pub fn remove_scratch() {
    if std::env::var_os(SCRATCH_ENV).is_none() {
        let _ = std::fs::remove_dir_all(scratch());
    }
}

/// Writes `bytes` to `name` in the scratch directory (one directory per process; each call
/// overwrites the previous input) and returns its path.
fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("write the fuzz input to the scratch directory");
    path
}

fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(PART_SEPARATOR.len()).position(|w| w == PART_SEPARATOR) {
        parts.push(&rest[..i]);
        rest = &rest[i + PART_SEPARATOR.len()..];
    }
    parts.push(rest);
    parts
}

/// WFDB header (`.hea`) from bytes.
pub fn wfdb_header(data: &[u8]) -> bool {
    Header::parse(data, Path::new("fuzz.hea")).map(|h| h.n_signals()).is_ok()
}

/// WFDB signal file (`.dat`) decoding. Four leading bytes choose the layout, written as a header
/// and parsed (so the specs are what a real header yields): format (212, 16 or the raw byte, i.e.
/// mostly unsupported), number of signals (1–4), byte offset (0–255) and whether the header
/// declares a sample count (the next 8 bytes, little-endian) or leaves it to the file size. The
/// rest is the `.dat`.
pub fn wfdb_signal(data: &[u8]) -> bool {
    let [fmt, k, offset, mode, rest @ ..] = data else { return false };
    let format = match fmt % 3 {
        0 => 212,
        1 => 16,
        _ => u16::from(*fmt),
    };
    let k = 1 + usize::from(k % 4);
    let (sig_len, dat) = if mode & 1 == 1 && rest.len() >= 8 {
        let (n, dat) = rest.split_at(8);
        (format!(" {}", u64::from_le_bytes(n.try_into().expect("8 bytes"))), dat)
    } else {
        (String::new(), rest)
    };
    let mut hea = format!("fuzz {k} 360{sig_len}\n");
    for i in 0..k {
        hea.push_str(&format!("fuzz.dat {format}+{offset} 200 11 1024 0 0 0 s{i}\n"));
    }
    let header_path = Path::new("fuzz.hea");
    let Ok(header) = Header::parse(hea.as_bytes(), header_path) else { return false };
    let specs: Vec<_> = header.signals.iter().collect();
    signal::decode_file(dat, &specs, 0, header.sig_len, Path::new("fuzz.dat"), header_path).is_ok()
}

/// WFDB annotation file (`.atr`, MIT format) from bytes, and the per-annotation accessors.
pub fn wfdb_annotation(data: &[u8]) -> bool {
    let Ok(annotations) = annotation::parse(data, Path::new("fuzz.atr")) else { return false };
    for a in &annotations {
        let _ = (a.symbol(), a.is_beat(), a.aami(), a.rhythm());
    }
    true
}

/// A whole WFDB record through `Record::open`: the input is `.hea`, `.dat` and `.atr` separated by
/// [`PART_SEPARATOR`], written as `r.hea`, `r.dat`, `r.atr`. Headers naming a signal file outside
/// the scratch directory are skipped: the fuzzer must not read the machine's own files.
pub fn wfdb_record(data: &[u8]) -> bool {
    let parts = split_parts(data);
    let (hea, dat, atr) = (parts[0], parts.get(1).copied().unwrap_or(&[]), parts.get(2).copied());
    let Ok(header) = Header::parse(hea, Path::new("r.hea")) else { return false };
    if header.signals.iter().any(|s| s.file_name.contains(['/', '\\']) || s.file_name.starts_with('.')) {
        return false;
    }
    scratch_file("r.hea", hea);
    scratch_file("r.dat", dat);
    let atr_path = scratch().join("r.atr");
    match atr {
        Some(atr) => {
            scratch_file("r.atr", atr);
        }
        None => {
            let _ = std::fs::remove_file(&atr_path);
        }
    }
    let Ok(record) = Record::open_with(scratch().join("r"), &ReadConfig::default()) else { return false };
    let _ = (record.fs(), record.sig_len(), record.primary_channel());
    for s in &record.signals {
        let _ = (s.physical(), s.checksum(), s.min(), s.max(), s.sum());
    }
    let _ = (record.symbol_counts(), record.aami_counts(), record.rhythm_changes(), record.aami_beats());
    true
}

/// The `.npy` readers of `xent score`: predictions, targets and sample weights.
pub fn score_npy(data: &[u8]) -> bool {
    let path = scratch_file("fuzz.npy", data);
    let predictions = score_io::read_predictions(&path).is_ok();
    let targets = score_io::read_targets(&path).is_ok();
    let weights = score_io::read_weights(&path).is_ok();
    predictions || targets || weights
}

/// The CSV readers of `xent score`: predictions, targets, sample weights and class names.
pub fn score_csv(data: &[u8]) -> bool {
    let path = scratch_file("fuzz.csv", data);
    let predictions = score_io::read_predictions(&path).is_ok();
    let targets = score_io::read_targets(&path).is_ok();
    let weights = score_io::read_weights(&path).is_ok();
    let _ = score_io::read_class_names(&path, score_io::InputLimits::default());
    predictions || targets || weights
}

/// The Reuters-21578 SGML parser (bytes decoded as Latin-1, as the archive reader does), then the
/// task builders on what it parsed.
pub fn reuters_sgml(data: &[u8]) -> bool {
    let file = Path::new("reut2-fuzz.sgm");
    let Ok(articles) = reuters::parse_sgml(&latin1(data), file) else { return false };
    for task in [reuters::Task::ModApte, reuters::Task::R8, reuters::Task::R52, reuters::Task::R90] {
        let _ = reuters::task(&articles, task, file);
    }
    !articles.is_empty()
}

/// AG News CSV (`class,title,description`) with the carried four classes, and the input read as a
/// classes file.
pub fn agnews_csv(data: &[u8]) -> bool {
    static CLASSES: OnceLock<PathBuf> = OnceLock::new();
    let classes = CLASSES.get_or_init(|| scratch_file("classes.txt", b"World\nSports\nBusiness\nSci/Tech\n"));
    let path = scratch_file("agnews.csv", data);
    let _ = agnews::read_classes(&path);
    agnews::load(&path, classes).is_ok()
}

/// BBC News CSV (`category,filename,text`).
pub fn bbc_csv(data: &[u8]) -> bool {
    let path = scratch_file("bbc.csv", data);
    bbc::load_csv(&path).is_ok()
}

/// A plain `.tar` archive read as the BBC folder-per-class tarball and as the Reuters archive
/// (`reut2-*.sgm` members).
pub fn corpus_tar(data: &[u8]) -> bool {
    let path = scratch_file("corpus.tar", data);
    let bbc = bbc::load_tar(&path).is_ok();
    let reuters = reuters::read_articles(&path).is_ok();
    bbc && reuters
}
