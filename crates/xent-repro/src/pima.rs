//! The Pima Indians diabetes data: 768 rows of 8 numeric features and a 0/1 outcome, comma
//! separated, no header (the carried file has no trailing newline).

use std::path::Path;

use crate::error::{ReproError, Result};
use crate::rows::Rows;

/// Features per row.
pub const FEATURES: usize = 8;
/// Column names, in file order.
pub const COLUMNS: [&str; FEATURES + 1] =
    ["pregnancies", "glucose", "blood_pressure", "skin_thickness", "insulin", "bmi", "pedigree", "age", "outcome"];

/// Reads the CSV at `path`.
///
/// # Errors
/// [`ReproError::Io`]; [`ReproError::Csv`] naming the line for a row without exactly 9 values, a
/// value that is not a finite number (with its column), or an outcome other than 0 or 1; an empty
/// file.
pub fn load(path: impl AsRef<Path>) -> Result<Rows> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| ReproError::io(path, e))?;
    parse(&text, path)
}

/// Parses the CSV text; `path` is only used in errors. Blank lines (e.g. a trailing newline) are
/// skipped; `\r` line endings are accepted.
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, path: &Path) -> Result<Rows> {
    let err = |line: usize, message: String| ReproError::Csv { path: path.to_path_buf(), line, message };
    let mut x = Vec::with_capacity(768 * FEATURES);
    let mut labels = Vec::with_capacity(768);
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != FEATURES + 1 {
            return Err(err(
                line_no,
                format!("expected {} comma-separated values (8 features and the outcome), found {}", FEATURES + 1, fields.len()),
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            let v: f32 = f.trim().parse().ok().filter(|v: &f32| v.is_finite()).ok_or_else(|| {
                err(line_no, format!("column {} ({}): {:?} is not a finite number", j + 1, COLUMNS[j], f.trim()))
            })?;
            if j < FEATURES {
                x.push(v);
            } else if v == 0.0 || v == 1.0 {
                labels.push(v as u32);
            } else {
                return Err(err(line_no, format!("column 9 (outcome): {v} is not 0 or 1")));
            }
        }
    }
    if labels.is_empty() {
        return Err(err(1, "no data rows".into()));
    }
    Ok(Rows::new(FEATURES, x, labels, 2))
}
