//! Reports: `report.md`, SVG plots and pandas-ready tables for a run or an experiment, made from
//! the artifacts alone, so `xent report DIR` regenerates them at any time.
//!
//! | file | run | experiment |
//! |---|---|---|
//! | `report.md` | figures, per-class table, calibration, gap explanation | + mean ± sd, 95 % CI, verdicts, runs needed |
//! | `learning_curves.svg` | loss, true vs Keras-2-reported accuracy per epoch | per configuration, mean over seeds |
//! | `confusion.svg` / `confusion_<loss>.svg` | counts and row-normalised | summed over seeds, one per configuration |
//! | `reliability.svg` | before / after temperature scaling | pooled over seeds, per configuration |
//! | `accuracy_bars.svg` | — | true vs reported accuracy with CI whiskers |
//! | `seeds.svg` | — | per-seed dots |
//! | `history.csv` | `history.jsonl` flattened, Keras `CSVLogger` columns ([`crate::train::history_csv`]) | — |
//! | `results.csv` | — | every run's figures, long format ([`results_csv`]) |
//! | `statistics.json` | — | the summaries and comparisons `report.md` prints ([`statistics`]) |

pub mod experiment;
pub mod gap;
pub mod plots;
pub mod results_csv;
pub mod run;
pub mod statistics;

use std::path::{Path, PathBuf};

pub use experiment::write_experiment_report;
pub use run::write_run_report;

use crate::error::{Error, Result};
use crate::experiment::{Experiment, RunArtifacts};

/// Regenerates the report of a run directory (it has `metrics.json`) or of an experiment
/// directory (it has `experiment.json`; every run's report is regenerated too). Returns the
/// files written.
///
/// # Errors
/// A missing directory; a directory that is neither; missing or unfinished runs; runs that
/// disagree on the data checksum.
pub fn regenerate(path: &Path) -> Result<Vec<PathBuf>> {
    if !path.exists() {
        return Err(Error::InvalidArgument(format!("{} does not exist", path.display())));
    }
    if path.join("experiment.json").is_file() {
        let exp = Experiment::load(path)?;
        let mut written = Vec::new();
        for r in &exp.runs {
            written.extend(write_run_report(r)?);
        }
        written.extend(write_experiment_report(&exp)?);
        Ok(written)
    } else if path.join("metrics.json").is_file() || path.join("config.json").is_file() {
        write_run_report(&RunArtifacts::load(path)?)
    } else {
        Err(Error::InvalidArgument(format!(
            "{} is neither a run directory (no metrics.json) nor an experiment directory (no experiment.json)",
            path.display()
        )))
    }
}

/// `0.7421` → `74.21 %`.
pub(crate) fn pct(v: f64) -> String {
    format!("{:.2} %", 100.0 * v)
}

/// `Some(0.7421)` → `74.21 %`, `None` → `–`.
pub(crate) fn opt_pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), pct)
}

/// Escapes `|` for a markdown table cell.
pub(crate) fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}
