//! Targets: class indices, one-hot rows, or multi-hot rows.

use crate::error::{Error, Result};
use crate::matrix::Matrix;

/// What the model was asked to predict for each sample.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class index per sample (single-label; "sparse" in Keras's words).
    Labels(Vec<u32>),
    /// One row of 0/1 values per sample. With exactly one 1 per row it is one-hot (single-label);
    /// otherwise it is multi-hot (multi-label).
    Hot(Matrix),
}

/// The shape of the label structure, as metric selection needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelKind {
    /// Exactly one class per sample.
    SingleLabel,
    /// Any number of classes per sample (multi-hot rows).
    MultiLabel,
}

impl Targets {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Self::Labels(l) => l.len(),
            Self::Hot(m) => m.rows(),
        }
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether Keras would see these targets as "sparse" (class indices, rank below the
    /// predictions' rank).
    pub fn is_sparse(&self) -> bool {
        matches!(self, Self::Labels(_))
    }

    /// Single- or multi-label. Hot rows are single-label only when every row holds exactly one 1
    /// and otherwise zeros.
    pub fn kind(&self) -> LabelKind {
        match self {
            Self::Labels(_) => LabelKind::SingleLabel,
            Self::Hot(m) => {
                let one_hot = m.iter_rows().all(|row| {
                    row.iter().filter(|&&v| v == 1.0).count() == 1
                        && row.iter().all(|&v| v == 0.0 || v == 1.0)
                });
                if one_hot { LabelKind::SingleLabel } else { LabelKind::MultiLabel }
            }
        }
    }

    /// The class index of each sample, when single-label (for one-hot rows: the position of the 1).
    pub fn labels(&self) -> Option<Vec<u32>> {
        match self {
            Self::Labels(l) => Some(l.clone()),
            Self::Hot(m) => {
                if self.kind() == LabelKind::MultiLabel {
                    return None;
                }
                Some(m.iter_rows().map(|row| argmax(row) as u32).collect())
            }
        }
    }

    /// The targets as a dense `N × k` matrix: one-hot rows for labels, or for a single output
    /// (`k = 1`, one sigmoid unit) the 0/1 label itself as the one column.
    ///
    /// # Errors
    /// [`Error::Mismatch`] when a label is `>= k` (`> 1` for `k = 1`) or hot rows do not have `k`
    /// columns.
    pub fn to_dense(&self, k: usize) -> Result<Matrix> {
        match self {
            Self::Labels(l) if k == 1 => {
                if let Some((i, v)) = l.iter().enumerate().find(|(_, v)| **v > 1) {
                    return Err(Error::Mismatch(format!(
                        "label {v} at row {i}: a single sigmoid output needs 0/1 labels"
                    )));
                }
                Matrix::new(l.len(), 1, l.iter().map(|&v| v as f32).collect())
            }
            Self::Labels(l) => Matrix::one_hot(l, k),
            Self::Hot(m) if m.cols() == k => Ok(m.clone()),
            Self::Hot(m) => Err(Error::Mismatch(format!(
                "targets have {} columns but the predictions have {k}",
                m.cols()
            ))),
        }
    }

    /// Checks that the targets fit predictions with `n` rows and `k` outputs: same sample count,
    /// labels in `0..k` (`0..2` for a single sigmoid output), hot rows with `k` columns.
    ///
    /// # Errors
    /// [`Error::Mismatch`] naming the first offending row.
    pub fn check_against(&self, n: usize, k: usize) -> Result<()> {
        if self.len() != n {
            return Err(Error::Mismatch(format!(
                "{n} prediction rows but {} target rows",
                self.len()
            )));
        }
        match self {
            Self::Labels(labels) => {
                let classes = k.max(2);
                if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| **l as usize >= classes) {
                    return Err(Error::Mismatch(format!(
                        "target row {i} (counting from 0): label {l} is not below the number of classes {classes}"
                    )));
                }
            }
            Self::Hot(m) => {
                if m.cols() != k {
                    return Err(Error::Mismatch(format!(
                        "predictions have {k} columns but targets have {}",
                        m.cols()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Index of the largest value; the first one on ties (like NumPy's and TensorFlow's `argmax`).
/// NaN never wins.
pub fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    let mut best_value = f32::NEG_INFINITY;
    for (i, &v) in row.iter().enumerate() {
        if v > best_value {
            best = i;
            best_value = v;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_first_of_ties() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
        assert_eq!(argmax(&[-1.0]), 0);
    }

    #[test]
    fn hot_rows_with_two_ones_are_multi_label() {
        let single = Targets::Hot(Matrix::from_rows(&[[0.0, 1.0], [1.0, 0.0]]).unwrap());
        let multi = Targets::Hot(Matrix::from_rows(&[[1.0, 1.0], [1.0, 0.0]]).unwrap());
        let empty_row = Targets::Hot(Matrix::from_rows(&[[0.0, 0.0]]).unwrap());
        assert_eq!(single.kind(), LabelKind::SingleLabel);
        assert_eq!(single.labels(), Some(vec![1, 0]));
        assert_eq!(multi.kind(), LabelKind::MultiLabel);
        assert_eq!(empty_row.kind(), LabelKind::MultiLabel);
        assert_eq!(multi.labels(), None);
    }

    #[test]
    fn labels_outside_k_are_rejected_with_row() {
        let t = Targets::Labels(vec![0, 3]);
        let err = t.check_against(2, 3).unwrap_err().to_string();
        assert!(err.contains("row 1") && err.contains("label 3"), "{err}");
    }
}
