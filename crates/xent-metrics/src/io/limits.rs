//! Bounds checked before anything is allocated from an input file: the file must be a regular
//! file no larger than a limit, and a CSV cell no longer than [`MAX_CELL_BYTES`].

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Default largest input file, in bytes (1 GiB).
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 1 << 30;

/// Longest CSV cell, in bytes: far beyond any number or column name, far below a runaway field.
pub const MAX_CELL_BYTES: usize = 1024;

/// Longest `.npy` header, in bytes (NumPy's own `max_header_size` default is 10,000).
pub const MAX_NPY_HEADER_BYTES: usize = 10_000;

/// How much the readers accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputLimits {
    /// Largest file, in bytes; a larger file is refused before it is read. Default
    /// [`DEFAULT_MAX_INPUT_BYTES`].
    pub max_bytes: u64,
}

impl Default for InputLimits {
    fn default() -> Self {
        Self { max_bytes: DEFAULT_MAX_INPUT_BYTES }
    }
}

/// Opens `path` after checking that it is a regular file (not a FIFO, device or directory) of at
/// most `limits.max_bytes` bytes. The returned reader fails once it has delivered more than
/// that (a file that grows while it is read).
///
/// # Errors
/// [`Error::Io`] when the file cannot be opened; [`Error::Parse`] for a non-regular or too large
/// file.
pub fn open_bounded(path: &Path, limits: InputLimits) -> Result<Bounded<File>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::parse(path, "file", "not a regular file (a directory, FIFO or device); give a file"));
    }
    if meta.len() > limits.max_bytes {
        return Err(too_large(path, meta.len(), limits.max_bytes));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(Bounded { inner: file, left: limits.max_bytes, max: limits.max_bytes })
}

/// Reads all of `path` under [`open_bounded`]'s checks.
///
/// # Errors
/// As [`open_bounded`].
pub fn read_bounded(path: &Path, limits: InputLimits) -> Result<Vec<u8>> {
    let mut reader = open_bounded(path, limits)?;
    let expected = std::fs::metadata(path).map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    reader.read_to_end(&mut bytes).map_err(|e| limit_or_io(path, e))?;
    Ok(bytes)
}

fn too_large(path: &Path, len: u64, max: u64) -> Error {
    Error::parse(
        path,
        "file",
        format!("{len} bytes, more than the limit of {max} bytes (raise it with --max-input-mib)"),
    )
}

/// A reader that fails after `max` bytes.
#[derive(Debug)]
pub struct Bounded<R> {
    inner: R,
    left: u64,
    max: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(LimitExceeded {
                location: "file".into(),
                message: format!("more than the limit of {} bytes (raise it with --max-input-mib)", self.max),
            }));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// A bound that a reader hit, carried through `std::io::Error` and turned back into
/// [`Error::Parse`] by [`limit_or_io`].
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct LimitExceeded {
    /// Where, e.g. `line 3`.
    pub location: String,
    /// Which bound.
    pub message: String,
}

/// [`Error::Parse`] for a [`LimitExceeded`] inside `e`, [`Error::Io`] otherwise.
pub fn limit_or_io(path: &Path, e: std::io::Error) -> Error {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<LimitExceeded>()) {
        Some(l) => Error::parse(path, l.location.clone(), l.message.clone()),
        None => Error::io(path, e),
    }
}

/// A reader that fails on a CSV cell (a run of bytes without `,`, `\n` or `\r`) longer than
/// [`MAX_CELL_BYTES`], naming its line, before the CSV parser buffers it.
#[derive(Debug)]
pub struct CellBounded<R> {
    inner: R,
    run: usize,
    line: u64,
}

impl<R> CellBounded<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self { inner, run: 0, line: 1 }
    }
}

impl<R: Read> Read for CellBounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.run = 0;
                }
                b',' | b'\r' => self.run = 0,
                _ => {
                    self.run += 1;
                    if self.run > MAX_CELL_BYTES {
                        return Err(std::io::Error::other(LimitExceeded {
                            location: format!("line {}", self.line),
                            message: format!("a cell longer than {MAX_CELL_BYTES} bytes"),
                        }));
                    }
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_cell_is_refused_with_its_line() {
        let data = format!("1,2\n3,{}\n", "9".repeat(MAX_CELL_BYTES + 1));
        let mut out = Vec::new();
        let err = CellBounded::new(data.as_bytes()).read_to_end(&mut out).unwrap_err();
        let e = limit_or_io(Path::new("x.csv"), err);
        assert!(e.to_string().contains("x.csv: line 2: a cell longer than 1024 bytes"), "{e}");
    }

    #[test]
    fn a_reader_stops_at_its_limit() {
        let mut r = Bounded { inner: &[0u8; 10][..], left: 4, max: 4 };
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        let mut r = Bounded { inner: &[0u8; 4][..], left: 4, max: 4 };
        assert_eq!(r.read_to_end(&mut out).unwrap(), 4);
    }
}
