//! The idx format of the MNIST files (LeCun et al.), plain or gzip-compressed.
//!
//! Layout (all integers big-endian): a 4-byte magic `0x00 0x00 <type> <ndims>` — type `0x08` is
//! unsigned bytes, so images have magic 2051 (`0x00000803`, 3 dimensions) and labels 2049
//! (`0x00000801`, 1 dimension) — then one `u32` per dimension, then the data in row-major order.
//! Every error names the file and the byte offset in the decompressed stream.

use std::io::Read;
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;

use crate::error::{ReproError, Result};

/// Magic number of an idx file of unsigned-byte images (3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// Magic number of an idx file of unsigned-byte labels (1 dimension).
pub const LABELS_MAGIC: u32 = 2049;

/// A decoded idx array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxArray {
    /// The magic number read from the header.
    pub magic: u32,
    /// The dimensions declared by the header.
    pub dims: Vec<usize>,
    /// The data, row-major, `dims.product()` bytes.
    pub data: Vec<u8>,
}

/// Images from an idx3 file: `count × rows × cols` bytes (0 = background, 255 = ink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// The pixels, image after image.
    pub pixels: Vec<u8>,
}

/// Reads a whole file, gunzipping it when it starts with the gzip magic `1f 8b`.
///
/// # Errors
/// [`ReproError::Io`] when the file cannot be read, [`ReproError::Idx`] (with the number of bytes
/// decompressed so far as the offset) when the gzip stream is truncated or corrupt.
pub fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let raw = std::fs::read(path).map_err(|e| ReproError::io(path, e))?;
    if raw.len() >= 2 && raw[0] == 0x1f && raw[1] == 0x8b {
        let mut out = Vec::with_capacity(raw.len() * 4);
        let mut dec = GzDecoder::new(&raw[..]);
        if let Err(e) = dec.read_to_end(&mut out) {
            return Err(ReproError::Idx {
                path: path.to_path_buf(),
                offset: out.len() as u64,
                message: format!("the gzip stream is truncated or corrupt after {} decompressed bytes ({e})", out.len()),
            });
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Parses idx bytes (already decompressed); `path` is only used in errors.
///
/// # Errors
/// [`ReproError::Idx`] for a short header, a magic that is not an unsigned-byte idx magic, a data
/// section shorter or longer than the dimensions declare.
pub fn parse(bytes: &[u8], path: &Path) -> Result<IdxArray> {
    let err = |offset: usize, message: String| ReproError::Idx { path: path.to_path_buf(), offset: offset as u64, message };
    let u32_at = |at: usize, what: &str| -> Result<u32> {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| err(bytes.len(), format!("the file ends inside the header ({what} expected at byte {at}, file has {} bytes)", bytes.len())))
    };
    let magic = u32_at(0, "magic number")?;
    let [z0, z1, dtype, ndims] = magic.to_be_bytes();
    if z0 != 0 || z1 != 0 || dtype != 0x08 || ndims == 0 {
        return Err(err(
            0,
            format!(
                "wrong magic number {magic} (0x{magic:08x}); expected {IMAGES_MAGIC} (images) or {LABELS_MAGIC} (labels): \
                 0x0000 then type 0x08 (unsigned byte) then the number of dimensions"
            ),
        ));
    }
    let ndims = usize::from(ndims);
    let mut dims = Vec::with_capacity(ndims);
    for d in 0..ndims {
        dims.push(u32_at(4 + 4 * d, &format!("dimension {}", d + 1))? as usize);
    }
    let header = 4 + 4 * ndims;
    let expected = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| err(4, format!("dimensions {dims:?} overflow")))?;
    let have = bytes.len() - header;
    if have < expected {
        return Err(err(
            bytes.len(),
            format!("truncated: dimensions {dims:?} need {expected} data bytes after the {header}-byte header, but the file ends after {have}"),
        ));
    }
    if have > expected {
        return Err(err(header + expected, format!("{} unexpected bytes after the {expected} data bytes of dimensions {dims:?}", have - expected)));
    }
    Ok(IdxArray { magic, dims, data: bytes[header..].to_vec() })
}

/// Reads an idx3 image file (plain or `.gz`).
///
/// # Errors
/// As [`parse`], plus a magic other than [`IMAGES_MAGIC`].
pub fn read_images(path: impl AsRef<Path>) -> Result<IdxImages> {
    let path = path.as_ref();
    let a = parse(&read_maybe_gz(path)?, path)?;
    if a.magic != IMAGES_MAGIC {
        return Err(ReproError::Idx {
            path: path.to_path_buf(),
            offset: 0,
            message: format!("wrong magic number {} for an images file; expected {IMAGES_MAGIC}", a.magic),
        });
    }
    Ok(IdxImages { count: a.dims[0], rows: a.dims[1], cols: a.dims[2], pixels: a.data })
}

/// Reads an idx1 label file (plain or `.gz`) and checks every label is below `classes`.
///
/// # Errors
/// As [`parse`], plus a magic other than [`LABELS_MAGIC`] and a label `≥ classes` (its offset named).
pub fn read_labels(path: impl AsRef<Path>, classes: u8) -> Result<Vec<u8>> {
    let path = path.as_ref();
    let a = parse(&read_maybe_gz(path)?, path)?;
    if a.magic != LABELS_MAGIC {
        return Err(ReproError::Idx {
            path: path.to_path_buf(),
            offset: 0,
            message: format!("wrong magic number {} for a labels file; expected {LABELS_MAGIC}", a.magic),
        });
    }
    if let Some(i) = a.data.iter().position(|&l| l >= classes) {
        return Err(ReproError::Idx {
            path: path.to_path_buf(),
            offset: (8 + i) as u64,
            message: format!("label {} of sample {i} is not below {classes}", a.data[i]),
        });
    }
    Ok(a.data)
}

/// The four file names of the MNIST distribution in a folder, gzip-compressed.
pub fn mnist_paths(dir: &Path) -> [PathBuf; 4] {
    [
        dir.join("train-images-idx3-ubyte.gz"),
        dir.join("train-labels-idx1-ubyte.gz"),
        dir.join("t10k-images-idx3-ubyte.gz"),
        dir.join("t10k-labels-idx1-ubyte.gz"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn parses_a_small_array() {
        let mut b = header(IMAGES_MAGIC, &[2, 2, 3]);
        b.extend(0..12u8);
        let a = parse(&b, Path::new("x")).unwrap();
        assert_eq!(a.dims, vec![2, 2, 3]);
        assert_eq!(a.data, (0..12).collect::<Vec<u8>>());
    }

    #[test]
    fn short_header_names_the_offset() {
        let b = header(IMAGES_MAGIC, &[2])[..6].to_vec();
        let e = parse(&b, Path::new("f.idx")).unwrap_err().to_string();
        assert!(e.starts_with("f.idx: byte offset 6: the file ends inside the header"), "{e}");
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut b = header(LABELS_MAGIC, &[2]);
        b.extend([1, 2, 3]);
        let e = parse(&b, Path::new("l")).unwrap_err().to_string();
        assert!(e.contains("byte offset 10: 1 unexpected bytes"), "{e}");
    }
}
