//! Opening input files safely: only regular files are read (a FIFO blocks forever, a device such
//! as `/dev/zero` never ends), sizes are checked against the file's length and a limit before
//! anything is allocated, and no read goes past the length the file had when it was opened.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::error::{EcgError, Result};

/// Largest header (`.hea`) read: 16 MiB (PhysioNet's are a few hundred bytes).
pub const MAX_HEADER_BYTES: u64 = 16 << 20;
/// Largest annotation file (`.atr`) read: 1 GiB.
pub const MAX_ANNOTATION_BYTES: u64 = 1 << 30;
/// Largest part of a signal file (`.dat`) read, byte offset included: 4 GiB (an MIT-BIH record
/// is 1.95 MB; a week of two 360 Hz signals in format 212 is 653 MB).
pub const MAX_SIGNAL_BYTES: u64 = 4 << 30;

/// Most samples (all signals together) a multi-segment record may hold once its segments are
/// concatenated: 2^30 (4 GiB of `i32`). Null segments take no file space, so this bounds what a
/// small master header can make the reader allocate.
pub const MAX_RECORD_SAMPLES: u64 = 1 << 30;

fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    "not a file"
}

fn check_regular(path: &Path, meta: &Metadata) -> Result<()> {
    if meta.is_file() { Ok(()) } else { Err(EcgError::NotRegularFile { path: path.into(), kind: kind(meta) }) }
}

/// Opens `path` for reading if it is a regular file (symbolic links are followed; what they point
/// to must be a regular file). Returns the file and its length in bytes. The file type is checked
/// before opening (opening a FIFO for reading blocks until a writer appears) and again on the
/// opened file.
pub fn open_regular(path: &Path) -> Result<(File, u64)> {
    let meta = std::fs::metadata(path).map_err(|e| EcgError::io(path, e))?;
    check_regular(path, &meta)?;
    let file = File::open(path).map_err(|e| EcgError::io(path, e))?;
    let meta = file.metadata().map_err(|e| EcgError::io(path, e))?;
    check_regular(path, &meta)?;
    Ok((file, meta.len()))
}

/// Reads exactly the first `len` bytes of `file` (opened from `path`); a file that yields fewer is
/// an error naming it. `len` must already be checked against the file's length and a limit.
pub fn read_prefix(file: File, len: u64, path: &Path) -> Result<Vec<u8>> {
    let cap = usize::try_from(len).map_err(|_| too_large(path, len, len))?;
    let mut buf = Vec::with_capacity(cap);
    file.take(len).read_to_end(&mut buf).map_err(|e| EcgError::io(path, e))?;
    if buf.len() != cap {
        let e = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("file shrank while being read: {} of {len} bytes", buf.len()));
        return Err(EcgError::io(path, e));
    }
    Ok(buf)
}

/// Reads a whole regular file of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(too_large(path, len, limit));
    }
    read_prefix(file, len, path)
}

fn too_large(path: &Path, size: u64, limit: u64) -> EcgError {
    EcgError::TooLarge { path: path.into(), size, limit }
}
