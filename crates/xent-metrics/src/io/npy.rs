//! Reading NumPy `.npy` arrays into xent's host types (header: [`super::npy_header`]).

use std::path::Path;

use super::limits::{InputLimits, read_bounded};
use super::npy_header::{ElementKind, parse_npy_header};
use crate::error::{Error, Result};

/// A numeric `.npy` array read into memory: its shape and its values as `f64` or `i64`.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The array's shape (C order).
    pub shape: Vec<usize>,
    /// The values, C order.
    pub values: NpyValues,
}

/// The values of an [`NpyArray`], by element kind.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyValues {
    /// `f4` values (kept as `f32`, no conversion).
    F32(Vec<f32>),
    /// `f8` values.
    F64(Vec<f64>),
    /// Signed or unsigned integers (any width up to 8 bytes) and booleans; `u8` values above
    /// `i64::MAX` saturate.
    Int(Vec<i64>),
}

fn parse_err(path: &Path, msg: impl Into<String>) -> Error {
    Error::parse(path, "header", msg)
}

/// Reads a numeric `.npy` file within the default [`InputLimits`].
///
/// # Errors
/// As [`read_npy_with`].
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    read_npy_with(path, InputLimits::default())
}

/// Reads a numeric `.npy` file: a regular file within `limits`, whose shape (checked
/// multiplication) fits in the bytes that follow the header.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Parse`] naming the file for a file beyond
/// the limits, a malformed header, an unsupported dtype (only bool, int, uint, float of 4 or 8
/// bytes), a shape whose size overflows, or data shorter than the header declares.
pub fn read_npy_with(path: &Path, limits: InputLimits) -> Result<NpyArray> {
    let bytes = read_bounded(path, limits)?;
    let header = parse_npy_header(&bytes).map_err(|m| parse_err(path, m))?;
    let shape = header.shape.clone();
    let needed = header.data_bytes().ok_or_else(|| {
        parse_err(path, format!("shape {shape:?} holds more elements than fit in memory (the product overflows)"))
    })?;
    let data = &bytes[header.data_offset..];
    if data.len() < needed {
        return Err(Error::parse(path, "data", format!("{} bytes of data, but shape {shape:?} needs {needed}", data.len())));
    }
    let data = &data[..needed];
    let dt = header.dtype;
    let be = dt.big_endian;
    macro_rules! decode {
        ($t:ty, $n:literal) => {
            data.chunks_exact($n).map(|b| {
                let a: [u8; $n] = b.try_into().unwrap_or([0; $n]);
                if be { <$t>::from_be_bytes(a) } else { <$t>::from_le_bytes(a) }
            })
        };
    }
    let values = match (dt.kind, dt.size) {
        (ElementKind::Float, 4) => NpyValues::F32(decode!(f32, 4).collect()),
        (ElementKind::Float, 8) => NpyValues::F64(decode!(f64, 8).collect()),
        (ElementKind::Int, 1) => NpyValues::Int(decode!(i8, 1).map(i64::from).collect()),
        (ElementKind::Int, 2) => NpyValues::Int(decode!(i16, 2).map(i64::from).collect()),
        (ElementKind::Int, 4) => NpyValues::Int(decode!(i32, 4).map(i64::from).collect()),
        (ElementKind::Int, 8) => NpyValues::Int(decode!(i64, 8).collect()),
        (ElementKind::Uint, 1) => NpyValues::Int(decode!(u8, 1).map(i64::from).collect()),
        (ElementKind::Uint, 2) => NpyValues::Int(decode!(u16, 2).map(i64::from).collect()),
        (ElementKind::Uint, 4) => NpyValues::Int(decode!(u32, 4).map(i64::from).collect()),
        (ElementKind::Uint, 8) => {
            NpyValues::Int(decode!(u64, 8).map(|v| i64::try_from(v).unwrap_or(i64::MAX)).collect())
        }
        (ElementKind::Bool, _) => NpyValues::Int(data.iter().map(|&b| i64::from(b != 0)).collect()),
        _ => return Err(parse_err(path, format!("unsupported dtype of {} bytes", dt.size))),
    };
    let mut array = NpyArray { shape, values };
    if header.fortran_order && array.shape.len() == 2 {
        array.transpose_from_fortran();
    } else if header.fortran_order && array.shape.len() > 2 {
        return Err(parse_err(path, "Fortran-ordered arrays of rank > 2 are not supported"));
    }
    Ok(array)
}

impl NpyArray {
    fn transpose_from_fortran(&mut self) {
        let (r, c) = (self.shape[0], self.shape[1]);
        fn t<T: Copy>(v: &[T], r: usize, c: usize) -> Vec<T> {
            (0..r * c).map(|idx| v[(idx % c) * r + idx / c]).collect()
        }
        self.values = match &self.values {
            NpyValues::F32(v) => NpyValues::F32(t(v, r, c)),
            NpyValues::F64(v) => NpyValues::F64(t(v, r, c)),
            NpyValues::Int(v) => NpyValues::Int(t(v, r, c)),
        };
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match &self.values {
            NpyValues::F32(v) => v.len(),
            NpyValues::F64(v) => v.len(),
            NpyValues::Int(v) => v.len(),
        }
    }

    /// True when the array holds no value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the element kind is integral (int, uint or bool).
    pub fn is_integer(&self) -> bool {
        matches!(self.values, NpyValues::Int(_))
    }
}
