//! Which process trains a run: [`RunLock`], an advisory lock on a file beside the run directory.
//!
//! Two processes working on one experiment directory (two shards of a job array, or the same
//! command started twice) never train the same run: a run is trained only by the process that
//! holds its lock. The operating system releases the lock when its holder ends, however it ends
//! (`kill -9`, a job's time limit, a node failure on a local disk), so a lock is never stale: the
//! next process takes it and resumes the run from its checkpoint. Across machines this needs a
//! file system whose locks are shared (NFSv4, Lustre and BeeGFS with locking enabled).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock of one run, held until dropped. The file (`<run>.lock`) stays; only the lock on it
/// is released, which is what keeps taking a lock free of races.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    _file: File,
}

impl RunLock {
    /// The lock file of the run directory `run`: `<run>.lock` beside it.
    pub fn path_of(run: &Path) -> PathBuf {
        let mut name = run.file_name().map(|n| n.to_os_string()).unwrap_or_default();
        name.push(".lock");
        run.with_file_name(name)
    }

    /// Takes the lock of run directory `run` (creating its parent and the lock file as needed).
    /// `Ok(None)` when another process holds it; the lock file then names that process.
    ///
    /// # Errors
    /// [`Error::Io`] naming the lock file when it cannot be created, locked or written.
    pub fn try_acquire(run: &Path) -> Result<Option<Self>> {
        let path = Self::path_of(run);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let holder = format!("pid {} on {}\n", std::process::id(), host.trim());
        file.set_len(0).and_then(|()| file.write_all(holder.as_bytes())).map_err(|e| Error::io(&path, e))?;
        Ok(Some(Self { path, _file: file }))
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who holds (or last held) the lock of run directory `run`, as its lock file says
    /// (`pid 123 on node7`); `None` without a lock file.
    pub fn holder(run: &Path) -> Option<String> {
        std::fs::read_to_string(Self::path_of(run)).ok().map(|s| s.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("binary").join("seed-3");
        assert_eq!(RunLock::path_of(&run), dir.path().join("binary").join("seed-3.lock"));
        let first = RunLock::try_acquire(&run).unwrap().expect("free");
        assert!(RunLock::try_acquire(&run).unwrap().is_none(), "a second lock while the first is held");
        assert!(RunLock::holder(&run).unwrap().starts_with(&format!("pid {} on ", std::process::id())));
        drop(first);
        assert!(RunLock::try_acquire(&run).unwrap().is_some(), "free again once dropped");
        assert!(!run.exists(), "the lock does not create the run directory");
    }
}
