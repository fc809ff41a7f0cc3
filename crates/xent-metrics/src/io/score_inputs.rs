//! Reading the inputs of one `xent score` run together, so that pandas' integer column headers
//! can be recognised across files.

use std::path::Path;

use super::csv::HeaderMode;
use super::{ReadOptions, Table, predictions_from, read_class_names, targets_from, weights_from};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::targets::Targets;

/// What `xent score` reads.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreInputs {
    /// `N × K` scores.
    pub predictions: Matrix,
    /// The targets.
    pub targets: Targets,
    /// One weight per row, when a weight file was given.
    pub sample_weight: Option<Vec<f32>>,
    /// Class names, when a names file was given.
    pub class_names: Option<Vec<String>>,
    /// What the header rule decided beyond the obvious (e.g. integer headers dropped).
    pub notes: Vec<String>,
}

/// Reads predictions, targets and the optional weights and class names.
///
/// Header rule ([`HeaderMode::Auto`]): each CSV file's first row is a header when it holds column
/// names (see [`HeaderMode::Auto`]). pandas writes an unnamed array's columns as the integers
/// `0, 1, …`; such a row is also valid data, so it is read as a header only jointly: when the
/// predictions have K ≥ 2 columns and their first row is exactly `0, 1, …, K−1`, **and** the
/// targets' first row is exactly `0` (class indices) or `0, 1, …, K−1` (hot rows). Then both
/// first rows, and a weight file's first row if it is exactly `0`, are headers, and a note says
/// so (`--header no` reads them as data). Otherwise they are data.
///
/// # Errors
/// Each reader's errors, naming its file.
pub fn read_score_inputs(
    pred: &Path,
    target: &Path,
    weights: Option<&Path>,
    classes: Option<&Path>,
    opts: ReadOptions,
) -> Result<ScoreInputs> {
    let mut p = Table::read(pred, opts)?;
    let mut t = Table::read(target, opts)?;
    let mut w = weights.map(|path| Table::read(path, opts)).transpose()?;
    let mut notes = Vec::new();
    if opts.header == HeaderMode::Auto {
        let k = p.csv_mut().filter(|c| c.integer_names_first && c.cols >= 2).map(|c| c.cols);
        let t_ok = t.csv_mut().is_some_and(|c| c.integer_names_first && (c.cols == 1 || Some(c.cols) == k));
        if let (Some(k), true) = (k, t_ok) {
            let mut dropped = vec![format!("{} (0..{})", pred.display(), k - 1), target.display().to_string()];
            p.csv_mut().into_iter().for_each(|c| c.drop_first_row());
            t.csv_mut().into_iter().for_each(|c| c.drop_first_row());
            if let (Some(wt), Some(path)) = (w.as_mut().and_then(Table::csv_mut), weights)
                && wt.integer_names_first
            {
                wt.drop_first_row();
                dropped.push(path.display().to_string());
            }
            notes.push(format!(
                "the first rows of {} are pandas' integer column names and were read as headers \
                 (pass --header no if they are data)",
                dropped.join(", ")
            ));
        }
    }
    let mut read = vec![(&p, pred), (&t, target)];
    if let (Some(w), Some(path)) = (&w, weights) {
        read.push((w, path));
    }
    for (table, path) in read {
        if table.rows() == 0 {
            return Err(Error::parse(path, "line 1", "the file has no data rows (only a header)"));
        }
    }
    let sample_weight = match (w, weights) {
        (Some(w), Some(path)) => Some(weights_from(w, path)?),
        _ => None,
    };
    Ok(ScoreInputs {
        predictions: predictions_from(p, pred)?,
        targets: targets_from(t, target)?,
        sample_weight,
        class_names: classes.map(|c| read_class_names(c, opts.limits)).transpose()?,
        notes,
    })
}
