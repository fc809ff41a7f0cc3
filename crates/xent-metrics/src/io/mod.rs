//! Reading the files `xent score` audits: predictions, targets, sample weights and class names,
//! each from CSV or NumPy `.npy` (chosen by the file extension).
//!
//! Errors name the file and the line (CSV, 1-based) or index (`.npy`, 0-based `[row, column]`).
//! Every input is bounded before it is read ([`limits`]): a regular file of at most
//! [`limits::DEFAULT_MAX_INPUT_BYTES`] by default, CSV cells of at most
//! [`limits::MAX_CELL_BYTES`], `.npy` shapes checked against the file's length.

pub mod csv;
pub mod limits;
pub mod npy;
pub mod npy_header;
mod score_inputs;

use std::path::Path;

pub use self::csv::HeaderMode;
pub use self::limits::InputLimits;
pub use self::score_inputs::{ScoreInputs, read_score_inputs};
use self::csv::{CsvTable, read_numeric_csv};
use self::npy::{NpyArray, NpyValues, read_npy_with};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::targets::Targets;

/// How the readers read a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Whether a CSV file's first row is a header. Default [`HeaderMode::Auto`].
    pub header: HeaderMode,
    /// Size bounds. Default [`InputLimits::default`].
    pub limits: InputLimits,
}

/// A table read from either format, with a locator for error messages.
enum Table {
    Csv(CsvTable),
    Npy(NpyArray),
}

impl Table {
    fn read(path: &Path, opts: ReadOptions) -> Result<Self> {
        let is_npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
        let table = if is_npy {
            Self::Npy(read_npy_with(path, opts.limits)?)
        } else {
            Self::Csv(read_numeric_csv(path, opts.header, opts.limits)?)
        };
        if table.rows() == 0 {
            return Err(Error::parse(path, "data", "the file holds no rows"));
        }
        Ok(table)
    }

    /// The CSV table, when the file was CSV.
    fn csv_mut(&mut self) -> Option<&mut CsvTable> {
        match self {
            Self::Csv(t) => Some(t),
            Self::Npy(_) => None,
        }
    }

    /// (rows, cols) with rank checks: rank 1 is one column, rank 2 is rows × cols.
    fn shape(&self, path: &Path) -> Result<(usize, usize)> {
        match self {
            Self::Csv(t) => Ok((t.rows(), t.cols)),
            Self::Npy(a) => match a.shape.as_slice() {
                [n] => Ok((*n, 1)),
                [n, k] => Ok((*n, *k)),
                other => Err(Error::parse(
                    path,
                    "header",
                    format!("array of rank {} (shape {other:?}); expected rank 1 or 2", other.len()),
                )),
            },
        }
    }

    fn rows(&self) -> usize {
        match self {
            Self::Csv(t) => t.rows(),
            Self::Npy(a) => a.shape.first().copied().unwrap_or(0),
        }
    }

    fn locate(&self, row: usize, col: usize, cols: usize) -> String {
        match self {
            Self::Csv(t) => {
                let line = t.lines.get(row).copied().unwrap_or(0);
                if cols > 1 { format!("line {line}, column {}", col + 1) } else { format!("line {line}") }
            }
            Self::Npy(_) => {
                if cols > 1 { format!("index [{row}, {col}]") } else { format!("index [{row}]") }
            }
        }
    }

    /// The first value that is not finite once stored as `f32` (`1e39` is finite in `f64` only).
    fn first_non_finite(&self) -> Option<usize> {
        let f32_finite = |v: &f64| (*v as f32).is_finite();
        match self {
            Self::Csv(t) => t.values.iter().position(|v| !f32_finite(v)),
            Self::Npy(a) => match &a.values {
                NpyValues::F32(v) => v.iter().position(|v| !v.is_finite()),
                NpyValues::F64(v) => v.iter().position(|v| !f32_finite(v)),
                NpyValues::Int(_) => None,
            },
        }
    }

    /// An error for the non-finite value at flat index `i`.
    fn non_finite_error(&self, path: &Path, i: usize, cols: usize) -> Error {
        let v = self.value(i);
        let why = if v.is_finite() { format!("{v} is beyond the f32 range (|x| ≤ 3.4e38)") } else { format!("{v} is not a finite number") };
        Error::parse(path, self.locate(i / cols, i % cols, cols), why)
    }

    fn value(&self, i: usize) -> f64 {
        match self {
            Self::Csv(t) => t.values[i],
            Self::Npy(a) => match &a.values {
                NpyValues::F32(v) => f64::from(v[i]),
                NpyValues::F64(v) => v[i],
                NpyValues::Int(v) => v[i] as f64,
            },
        }
    }

    /// The values as `f32`, moving an `f4` array's buffer instead of copying it.
    fn into_f32(self) -> Vec<f32> {
        match self {
            Self::Npy(NpyArray { values: NpyValues::F32(v), .. }) => v,
            Self::Csv(t) => t.values.into_iter().map(|v| v as f32).collect(),
            other => other.values_f64().into_iter().map(|v| v as f32).collect(),
        }
    }

    fn values_f64(&self) -> Vec<f64> {
        match self {
            Self::Csv(t) => t.values.clone(),
            Self::Npy(a) => match &a.values {
                NpyValues::F32(v) => v.iter().map(|&x| f64::from(x)).collect(),
                NpyValues::F64(v) => v.clone(),
                NpyValues::Int(v) => v.iter().map(|&x| x as f64).collect(),
            },
        }
    }
}

/// Reads a prediction matrix with the default [`ReadOptions`]: `N × K` scores (probabilities or
/// logits), or `N` values for one sigmoid unit (read as `N × 1`).
///
/// # Errors
/// The file's own errors; an integer `.npy`; a rank other than 1 or 2; a NaN or infinite value,
/// or one beyond the `f32` range (named by line or index); no rows.
pub fn read_predictions(path: &Path) -> Result<Matrix> {
    predictions_from(Table::read(path, ReadOptions::default())?, path)
}

fn predictions_from(table: Table, path: &Path) -> Result<Matrix> {
    let (rows, cols) = table.shape(path)?;
    if let Table::Npy(a) = &table
        && a.is_integer()
    {
        return Err(Error::parse(path, "header", "predictions must be a float array (f4 or f8), found integers"));
    }
    if cols == 0 {
        return Err(Error::parse(path, "header", "predictions have no columns"));
    }
    if let Some(i) = table.first_non_finite() {
        return Err(table.non_finite_error(path, i, cols));
    }
    Matrix::new(rows, cols, table.into_f32())
}

/// Reads targets with the default [`ReadOptions`]: one column of class indices (integers ≥ 0), or
/// an `N × K` one-/multi-hot matrix of 0/1 values.
///
/// # Errors
/// The file's own errors; a negative, fractional or non-finite label; a hot matrix with a value
/// other than 0 or 1 (named by line or index).
pub fn read_targets(path: &Path) -> Result<Targets> {
    targets_from(Table::read(path, ReadOptions::default())?, path)
}

fn targets_from(table: Table, path: &Path) -> Result<Targets> {
    let (rows, cols) = table.shape(path)?;
    let values = table.values_f64();
    if cols == 1 {
        let mut labels = Vec::with_capacity(rows);
        for (i, &v) in values.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)) {
                return Err(Error::parse(
                    path,
                    table.locate(i, 0, 1),
                    format!("label {v} is not a class index (an integer ≥ 0)"),
                ));
            }
            labels.push(v as u32);
        }
        return Ok(Targets::Labels(labels));
    }
    if let Some(i) = values.iter().position(|&v| v != 0.0 && v != 1.0) {
        return Err(Error::parse(
            path,
            table.locate(i / cols, i % cols, cols),
            format!("target value {} is neither 0 nor 1 (one-hot / multi-hot rows expected)", values[i]),
        ));
    }
    Ok(Targets::Hot(Matrix::new(rows, cols, values.into_iter().map(|v| v as f32).collect())?))
}

/// Reads one sample weight per row (finite in `f32`, ≥ 0) with the default [`ReadOptions`].
///
/// # Errors
/// The file's own errors; more than one column; a negative or non-finite weight.
pub fn read_weights(path: &Path) -> Result<Vec<f32>> {
    weights_from(Table::read(path, ReadOptions::default())?, path)
}

fn weights_from(table: Table, path: &Path) -> Result<Vec<f32>> {
    let (_, cols) = table.shape(path)?;
    if cols != 1 {
        return Err(Error::parse(path, "header", format!("{cols} columns; expected one weight per row")));
    }
    if let Some(i) = table.first_non_finite() {
        return Err(table.non_finite_error(path, i, 1));
    }
    let values = table.values_f64();
    if let Some(i) = values.iter().position(|&v| !(v.is_finite() && v >= 0.0)) {
        return Err(Error::parse(path, table.locate(i, 0, 1), format!("weight {} is not a finite number ≥ 0", values[i])));
    }
    Ok(values.into_iter().map(|v| v as f32).collect())
}

/// Reads class names, one per non-empty line, from a regular file within `limits`.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] for a file beyond the limits, not UTF-8, or without names.
pub fn read_class_names(path: &Path, limits: InputLimits) -> Result<Vec<String>> {
    let bytes = limits::read_bounded(path, limits)?;
    let text = String::from_utf8(bytes).map_err(|e| Error::parse(path, "file", format!("invalid UTF-8: {e}")))?;
    let names: Vec<String> =
        text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    if names.is_empty() {
        return Err(Error::parse(path, "line 1", "no class names"));
    }
    Ok(names)
}
