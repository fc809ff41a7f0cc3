//! A dense row-major `f32` matrix: the host-side form of scores and targets.

use crate::error::{Error, Result};

/// A dense row-major matrix of `f32` values, `rows × cols`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f32>,
}

impl Matrix {
    /// Wraps `data` (row-major) as a `rows × cols` matrix.
    ///
    /// # Errors
    /// [`Error::Mismatch`] when `data.len() != rows * cols` or `cols == 0`.
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Result<Self> {
        if cols == 0 {
            return Err(Error::Mismatch("a matrix needs at least one column".into()));
        }
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(Error::Mismatch(format!(
                "{} values cannot form a {rows} x {cols} matrix",
                data.len()
            )));
        }
        Ok(Self { rows, cols, data })
    }

    /// Builds a matrix from equal-length rows.
    ///
    /// # Errors
    /// [`Error::Mismatch`] when rows differ in length or there are no columns.
    pub fn from_rows<R: AsRef<[f32]>>(rows: &[R]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.as_ref().len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for (i, row) in rows.iter().enumerate() {
            let row = row.as_ref();
            if row.len() != cols {
                return Err(Error::Mismatch(format!(
                    "row {i} has {} values, row 0 has {cols}",
                    row.len()
                )));
            }
            data.extend_from_slice(row);
        }
        Self::new(rows.len(), cols, data)
    }

    /// One-hot rows for `labels` over `cols` classes.
    ///
    /// # Errors
    /// [`Error::Mismatch`] when a label is `>= cols`.
    pub fn one_hot(labels: &[u32], cols: usize) -> Result<Self> {
        let mut data = vec![0.0; labels.len() * cols];
        for (i, &label) in labels.iter().enumerate() {
            let c = label as usize;
            if c >= cols {
                return Err(Error::Mismatch(format!(
                    "label {label} at row {i} is not below the number of classes {cols}"
                )));
            }
            data[i * cols + c] = 1.0;
        }
        Self::new(labels.len(), cols, data)
    }

    /// Number of rows (samples).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (outputs per sample).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The values, row-major.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// Consumes the matrix, returning its row-major values.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }

    /// Row `i`.
    ///
    /// # Panics
    /// When `i >= rows` (a programming error, not a data error).
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Iterates over the rows.
    pub fn iter_rows(&self) -> std::slice::ChunksExact<'_, f32> {
        self.data.chunks_exact(self.cols)
    }

    /// A new matrix with `f` applied to every row (same shape).
    pub fn map_rows(&self, mut f: impl FnMut(&[f32], &mut [f32])) -> Self {
        let mut data = vec![0.0; self.data.len()];
        for (src, dst) in self.data.chunks_exact(self.cols).zip(data.chunks_exact_mut(self.cols)) {
            f(src, dst);
        }
        Self { rows: self.rows, cols: self.cols, data }
    }
}
