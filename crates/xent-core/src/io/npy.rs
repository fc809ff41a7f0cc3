//! Reading NumPy `.npy` arrays (through `npyz`) into xent's host types.

use std::path::Path;

use npyz::{DType, NpyFile, Order, TypeChar};

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
    /// Signed or unsigned integers (any width up to 8 bytes) and booleans.
    Int(Vec<i64>),
}

fn parse_err(path: &Path, msg: impl Into<String>) -> Error {
    Error::parse(path, "header", msg)
}

/// Reads a numeric `.npy` file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Parse`] naming the file for a malformed
/// header, an unsupported dtype (only bool, int, uint, float of 4 or 8 bytes), or data shorter
/// than the header declares.
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let npy = NpyFile::new(&bytes[..]).map_err(|e| parse_err(path, format!("not a valid .npy file: {e}")))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let order = npy.order();
    let DType::Plain(ty) = npy.dtype() else {
        return Err(parse_err(path, "structured or sub-array dtypes are not supported; save a plain numeric array"));
    };
    let size = ty.size_field();
    let bad = |e: std::io::Error| Error::parse(path, "data", format!("cannot read the array data: {e}"));
    let little_endian = ty.endianness() != npyz::Endianness::Big;
    let values = match (ty.type_char(), size) {
        // Fast path for the common case: raw little-endian f32 data, decoded in one pass.
        (TypeChar::Float, 4) if little_endian => {
            let expected: usize = shape.iter().product();
            let data = npy.into_inner();
            if data.len() < expected * 4 {
                return Err(Error::parse(
                    path,
                    "data",
                    format!("{} bytes of data, but shape {shape:?} needs {}", data.len(), expected * 4),
                ));
            }
            NpyValues::F32(
                data[..expected * 4]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            )
        }
        (TypeChar::Float, 4) => NpyValues::F32(npy.into_vec::<f32>().map_err(bad)?),
        (TypeChar::Float, 8) => NpyValues::F64(npy.into_vec::<f64>().map_err(bad)?),
        (TypeChar::Int, 1) => NpyValues::Int(npy.into_vec::<i8>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Int, 2) => NpyValues::Int(npy.into_vec::<i16>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Int, 4) => NpyValues::Int(npy.into_vec::<i32>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Int, 8) => NpyValues::Int(npy.into_vec::<i64>().map_err(bad)?),
        (TypeChar::Uint, 1) => NpyValues::Int(npy.into_vec::<u8>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Uint, 2) => NpyValues::Int(npy.into_vec::<u16>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Uint, 4) => NpyValues::Int(npy.into_vec::<u32>().map_err(bad)?.into_iter().map(i64::from).collect()),
        (TypeChar::Uint, 8) => NpyValues::Int(
            npy.into_vec::<u64>()
                .map_err(bad)?
                .into_iter()
                .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
                .collect(),
        ),
        (TypeChar::Bool, 1) => NpyValues::Int(npy.into_vec::<bool>().map_err(bad)?.into_iter().map(i64::from).collect()),
        _ => {
            return Err(parse_err(
                path,
                format!("unsupported dtype {ty}; expected a float (f4/f8), integer or bool array"),
            ));
        }
    };
    let mut array = NpyArray { shape, values };
    if order == Order::Fortran && array.shape.len() == 2 {
        array.transpose_from_fortran();
    } else if order == Order::Fortran && array.shape.len() > 2 {
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
