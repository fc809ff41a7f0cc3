//! Run directories and their files, written atomically.
//!
//! Layout of `runs/<pipeline>/<name>/`:
//!
//! | file | content |
//! |---|---|
//! | `config.json` | every hyper-parameter, the model config, the data source and its SHA-256, git revision, versions |
//! | `history.jsonl` | one JSON object per epoch ([`crate::train::EpochRecord`]) |
//! | `history.csv` | the same, one row per epoch with Keras `CSVLogger`'s columns first ([`crate::train::history_csv`]) |
//! | `metrics.json` | the final evaluations ([`crate::train::FinalMetrics`]); no timings, so identical runs give identical bytes |
//! | `confusion.csv` | the confusion matrix of the validation set (training set without one) |
//! | `model.bpk` | the final weights (the best epoch's when early stopping restores them) |
//! | `checkpoint/` | the last completed epoch: `model.bpk`, `optimizer.bpk`, `best.bpk`, `state.json` |
//!
//! Every file is written to a temporary sibling (`NAME.tmp`) and renamed into place, so a killed
//! run never leaves a half-written file; the checkpoint directory is swapped in as a whole. The
//! temporaries a kill leaves behind are removed when the run is resumed
//! ([`remove_temporaries`]).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// What to do when the run directory already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenMode {
    /// Refuse an existing directory (the default).
    #[default]
    New,
    /// Continue from the directory's checkpoint (start fresh when there is none yet).
    Resume,
    /// Delete the existing directory and start again.
    Force,
}

/// A run directory `<root>/<pipeline>/<name>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// The run directory `root/pipeline/name` (not yet created).
    pub fn new(root: impl AsRef<Path>, pipeline: &str, name: &str) -> Self {
        Self { path: root.as_ref().join(pipeline).join(name) }
    }

    /// A run directory at exactly `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Whether the directory exists.
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Prepares the directory for a run: creates it, or under [`OpenMode::Force`] replaces it, or
    /// under [`OpenMode::Resume`] keeps it (removing the temporaries a killed run left). Returns
    /// true when a previous run's files are kept.
    ///
    /// # Errors
    /// An existing directory under [`OpenMode::New`]; a directory that cannot be created or
    /// written (checked by writing and removing a probe file).
    pub fn prepare(&self, mode: OpenMode) -> Result<bool> {
        let existed = self.path.exists();
        if existed && mode == OpenMode::New {
            return Err(Error::RunExists(self.path.clone()));
        }
        if existed && mode == OpenMode::Force {
            fs::remove_dir_all(&self.path).map_err(|e| Error::io(&self.path, e))?;
        }
        fs::create_dir_all(&self.path).map_err(|e| Error::io(&self.path, e))?;
        if existed {
            remove_temporaries(&self.path)?;
        }
        let probe = self.file(".write-probe");
        fs::write(&probe, b"").map_err(|e| Error::io(&probe, e))?;
        fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))?;
        Ok(existed && mode == OpenMode::Resume)
    }
}

/// Removes what an interrupted write left in `dir` (not below it): the temporary siblings
/// `*.tmp` of [`write_atomic`] (files, or the checkpoint's `checkpoint.tmp/` directory) and the
/// write probe. Returns the paths removed. Complete files, `checkpoint/` and `checkpoint.old/`
/// are kept.
///
/// # Errors
/// [`Error::Io`] naming the directory or the entry that could not be removed.
pub fn remove_temporaries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.ends_with(".tmp") || name == ".write-probe") {
            continue;
        }
        let path = entry.path();
        let is_dir = entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir();
        if is_dir { fs::remove_dir_all(&path) } else { fs::remove_file(&path) }.map_err(|e| Error::io(&path, e))?;
        removed.push(path);
    }
    removed.sort();
    Ok(removed)
}

/// Writes `bytes` to `path` through a temporary sibling and a rename. The temporary file is this
/// process's and this call's own (`<name>.<pid>-<n>.tmp`), so processes writing the same file at
/// once (shards writing their shared `experiment.json`) never rename each other's.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}-{n}.tmp", std::process::id()));
    let tmp = path.with_file_name(name);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// Writes `value` as pretty JSON (with a final newline) atomically.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| Error::Mismatch(format!("{}: {e}", path.display())))?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}

/// Reads a JSON file.
///
/// # Errors
/// [`Error::Io`] or [`Error::Parse`] naming the file.
pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let s = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&s).map_err(|e| Error::parse(path, format!("line {}", e.line()), e.to_string()))
}

/// `path` with `.tmp` appended to its file name.
pub fn tmp_sibling(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Hex SHA-256 of a file's content.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The git revision of the working directory (`git rev-parse HEAD`, with `-dirty` when
/// `git status --porcelain` lists tracked changes), if git and a repository are available.
pub fn git_revision() -> Option<String> {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let rev = run(&["rev-parse", "HEAD"])?;
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    Some(if dirty { format!("{rev}-dirty") } else { rev })
}

/// The header of a NumPy format-1.0 `.npy` file holding C-order data of type `descr` (e.g.
/// `<f4`, `<i8`) and `shape`: magic, version, length, and the dictionary padded with spaces to a
/// multiple of 64 bytes including its final newline. The data follows it as raw bytes.
pub fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let shape = match shape {
        [n] => format!("({n},)"),
        dims => format!("({})", dims.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + header length (2) + header, padded to a multiple of 64.
    let total = (10 + header.len() + 1).div_ceil(64) * 64;
    header.push_str(&" ".repeat(total - 10 - header.len() - 1));
    header.push('\n');
    let mut bytes = Vec::with_capacity(total);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes
}

/// Writes a matrix as a little-endian `float32` `.npy` file (format 1.0, C order, shape
/// `(rows, cols)`), atomically — the form `xent score --pred` reads.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_npy(path: &Path, m: &crate::Matrix) -> Result<()> {
    let mut bytes = npy_header("<f4", &[m.rows(), m.cols()]);
    bytes.reserve(4 * m.as_slice().len());
    for v in m.as_slice() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    write_atomic(path, &bytes)
}

/// Where the data came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataInfo {
    /// A path or a description (e.g. `datasets/pima/pima-indians-diabetes.csv rows 0..200`).
    pub source: String,
    /// Hex SHA-256 of the source file(s), or of the samples used.
    pub sha256: String,
}

/// Versions of what produced a run (made by xent-core's `device::versions` for the device it trains on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// xent-core's version.
    pub xent_core: String,
    /// Burn's version.
    pub burn: String,
    /// The compute device.
    pub device: String,
}

/// Writes the confusion matrix as CSV: a header `true\predicted,<class names…>`, then one row per
/// true class. Counts are printed as integers when integral (unweighted evaluations).
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_confusion_csv(path: &Path, matrix: &[Vec<f64>], class_names: &[String]) -> Result<()> {
    let name = |i: usize| class_names.get(i).cloned().unwrap_or_else(|| i.to_string());
    let mut s = String::from("true\\predicted");
    for j in 0..matrix.len() {
        s.push(',');
        s.push_str(&name(j));
    }
    s.push('\n');
    for (i, row) in matrix.iter().enumerate() {
        s.push_str(&name(i));
        for v in row {
            s.push(',');
            if v.fract() == 0.0 { s.push_str(&format!("{}", *v as i64)) } else { s.push_str(&format!("{v}")) }
        }
        s.push('\n');
    }
    write_atomic(path, s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_dir_is_refused_kept_or_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::new(tmp.path(), "pima", "a");
        assert!(!run.prepare(OpenMode::New).unwrap());
        write_atomic(&run.file("x.json"), b"1").unwrap();
        let err = run.prepare(OpenMode::New).unwrap_err().to_string();
        assert!(err.contains("already exists") && err.contains("pima"), "{err}");
        assert!(run.file("x.json").exists(), "nothing lost on refusal");
        assert!(run.prepare(OpenMode::Resume).unwrap());
        assert!(run.file("x.json").exists());
        assert!(!run.prepare(OpenMode::Force).unwrap());
        assert!(!run.file("x.json").exists());
    }

    #[test]
    fn atomic_writes_leave_no_temporary_and_do_not_collide() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("experiment.json");
        std::thread::scope(|s| {
            for i in 0..8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..50 {
                        write_atomic(path, format!("{i}").as_bytes()).unwrap();
                    }
                });
            }
        });
        let names: Vec<String> =
            fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["experiment.json"]);
    }

    #[test]
    fn resuming_removes_what_a_kill_left_and_keeps_complete_files() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::new(tmp.path(), "ecg", "r");
        run.prepare(OpenMode::New).unwrap();
        for f in ["history.jsonl", "history.jsonl.tmp", "model.bpk.tmp", ".write-probe"] {
            fs::write(run.file(f), b"x").unwrap();
        }
        for d in ["checkpoint", "checkpoint.old", "checkpoint.tmp"] {
            fs::create_dir_all(run.file(d)).unwrap();
            fs::write(run.file(d).join("state.json"), b"{}").unwrap();
        }
        assert!(run.prepare(OpenMode::Resume).unwrap());
        let mut left: Vec<String> =
            fs::read_dir(run.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        left.sort();
        assert_eq!(left, ["checkpoint", "checkpoint.old", "history.jsonl"]);
        assert!(run.file("checkpoint.old").join("state.json").is_file());
        assert!(remove_temporaries(&tmp.path().join("absent")).unwrap().is_empty());
    }

    #[test]
    fn npy_round_trips_through_the_reader() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("p.npy");
        let m = crate::Matrix::from_rows(&[[0.25f32, 0.75], [1.0, 0.0], [0.5, 0.5]]).unwrap();
        write_npy(&p, &m).unwrap();
        assert_eq!(fs::metadata(&p).unwrap().len() % 16, (128 + 24) % 16);
        assert_eq!(crate::io::read_predictions(&p).unwrap(), m);
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn confusion_csv_has_header_and_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("c.csv");
        write_confusion_csv(&p, &[vec![3.0, 1.0], vec![0.0, 2.0]], &["neg".into(), "pos".into()]).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "true\\predicted,neg,pos\nneg,3,1\npos,0,2\n");
    }
}
