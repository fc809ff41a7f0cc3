//! `history.csv`: `history.jsonl` flattened to one row per epoch, in the form of Keras's
//! `CSVLogger`, for `pandas.read_csv`.
//!
//! The first six columns are the ones `keras.callbacks.CSVLogger` writes for
//! `model.fit(..., validation_data=...)` with `metrics=['accuracy']` and a learning-rate schedule
//! (`epoch` then the log keys in sorted order), so a Keras log and an xent log line up by name:
//!
//! | column | value |
//! |---|---|
//! | `epoch` | epoch number **from 0**, as Keras's `CSVLogger` writes it (`history.jsonl`'s `epoch` − 1) |
//! | `accuracy` | what `metrics=['accuracy']` would log under Keras 3 for the run's loss (= `keras3_accuracy`) |
//! | `learning_rate` | learning rate at the epoch's first step |
//! | `loss` | mean training loss over the epoch's batches (class and sample weights included) |
//! | `val_accuracy` | as `accuracy`, on the validation split with the end-of-epoch weights |
//! | `val_loss` | validation loss with the end-of-epoch weights |
//!
//! Then xent's explicit columns, training split first, then the same with a `val_` prefix:
//! `true_accuracy` (argmax accuracy; empty for multi-label targets), `keras2_accuracy`,
//! `keras3_accuracy`, `binary_accuracy`, `macro_f1`, `balanced_accuracy`, `nll`, `ece`; and last
//! `seconds`, the epoch's wall-clock time (the only column that differs between identical runs).
//!
//! Empty cells: every `val_` column without a validation split; a figure undefined for the data
//! (e.g. macro-F1 of multi-label targets). Floats are written in their shortest exact form, so the
//! file is a function of `history.jsonl` and a resumed run writes the same bytes as an
//! uninterrupted one, apart from `seconds`.

use serde::{Deserialize, Serialize};

use super::history::{EpochMetrics, EpochRecord};
use crate::error::{Error, Result};

/// The columns of `history.csv`, in order.
pub const COLUMNS: [&str; 23] = [
    "epoch",
    "accuracy",
    "learning_rate",
    "loss",
    "val_accuracy",
    "val_loss",
    "true_accuracy",
    "keras2_accuracy",
    "keras3_accuracy",
    "binary_accuracy",
    "macro_f1",
    "balanced_accuracy",
    "nll",
    "ece",
    "val_true_accuracy",
    "val_keras2_accuracy",
    "val_keras3_accuracy",
    "val_binary_accuracy",
    "val_macro_f1",
    "val_balanced_accuracy",
    "val_nll",
    "val_ece",
    "seconds",
];

/// One row of `history.csv` (see the module documentation for the columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct HistoryRow {
    pub epoch: usize,
    pub accuracy: f64,
    pub learning_rate: f64,
    pub loss: f64,
    pub val_accuracy: Option<f64>,
    pub val_loss: Option<f64>,
    pub true_accuracy: Option<f64>,
    pub keras2_accuracy: f64,
    pub keras3_accuracy: f64,
    pub binary_accuracy: f64,
    pub macro_f1: Option<f64>,
    pub balanced_accuracy: Option<f64>,
    pub nll: Option<f64>,
    pub ece: Option<f64>,
    pub val_true_accuracy: Option<f64>,
    pub val_keras2_accuracy: Option<f64>,
    pub val_keras3_accuracy: Option<f64>,
    pub val_binary_accuracy: Option<f64>,
    pub val_macro_f1: Option<f64>,
    pub val_balanced_accuracy: Option<f64>,
    pub val_nll: Option<f64>,
    pub val_ece: Option<f64>,
    pub seconds: f64,
}

impl From<&EpochRecord> for HistoryRow {
    fn from(r: &EpochRecord) -> Self {
        let (t, v) = (&r.train, r.valid.as_ref());
        let val = |f: fn(&EpochMetrics) -> Option<f64>| v.and_then(f);
        Self {
            epoch: r.epoch.saturating_sub(1),
            accuracy: t.keras3_reported_accuracy,
            learning_rate: r.lr,
            loss: t.loss,
            val_accuracy: val(|m| Some(m.keras3_reported_accuracy)),
            val_loss: val(|m| Some(m.loss)),
            true_accuracy: t.accuracy,
            keras2_accuracy: t.keras2_reported_accuracy,
            keras3_accuracy: t.keras3_reported_accuracy,
            binary_accuracy: t.binary_accuracy,
            macro_f1: t.macro_f1,
            balanced_accuracy: t.balanced_accuracy,
            nll: t.nll,
            ece: t.ece,
            val_true_accuracy: val(|m| m.accuracy),
            val_keras2_accuracy: val(|m| Some(m.keras2_reported_accuracy)),
            val_keras3_accuracy: val(|m| Some(m.keras3_reported_accuracy)),
            val_binary_accuracy: val(|m| Some(m.binary_accuracy)),
            val_macro_f1: val(|m| m.macro_f1),
            val_balanced_accuracy: val(|m| m.balanced_accuracy),
            val_nll: val(|m| m.nll),
            val_ece: val(|m| m.ece),
            seconds: r.seconds,
        }
    }
}

/// `history.csv` content: the header of [`COLUMNS`], then one row per epoch. A run without epochs
/// gives the header alone.
///
/// # Errors
/// [`Error::Mismatch`] if a row cannot be serialised (not expected for finite or non-finite
/// floats alike).
pub fn to_csv(records: &[EpochRecord]) -> Result<String> {
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let err = |e: csv::Error| Error::Mismatch(format!("history.csv: {e}"));
    w.write_record(COLUMNS).map_err(err)?;
    for r in records {
        w.serialize(HistoryRow::from(r)).map_err(err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Mismatch(format!("history.csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Mismatch(format!("history.csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(x: f64) -> EpochMetrics {
        EpochMetrics {
            loss: 0.5 + x,
            accuracy: Some(0.75 + x),
            keras2_reported_accuracy: 0.8 + x,
            keras3_reported_accuracy: 0.7 + x,
            binary_accuracy: 0.9 + x,
            macro_f1: Some(0.6 + x),
            balanced_accuracy: None,
            nll: Some(0.4 + x),
            ece: Some(0.05 + x),
        }
    }

    #[test]
    fn rows_flatten_every_field_of_history_jsonl() {
        let recs = [
            EpochRecord { epoch: 1, seconds: 1.5, lr: 0.001, train: metrics(0.0), valid: Some(metrics(0.01)) },
            EpochRecord { epoch: 2, seconds: 0.25, lr: 0.0005, train: metrics(0.02), valid: None },
        ];
        let text = to_csv(&recs).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().iter().collect::<Vec<_>>(), COLUMNS);
        let rows: Vec<HistoryRow> = r.deserialize().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], HistoryRow::from(&recs[0]));
        assert_eq!((rows[0].epoch, rows[1].epoch), (0, 1), "Keras's CSVLogger counts epochs from 0");
        assert_eq!(rows[0].accuracy, 0.7, "accuracy is the Keras-3-reported figure");
        assert_eq!((rows[0].keras2_accuracy, rows[0].true_accuracy), (0.8, Some(0.75)));
        assert_eq!((rows[0].val_loss, rows[0].val_accuracy), (Some(0.5 + 0.01), Some(0.7 + 0.01)));
        assert_eq!((rows[0].learning_rate, rows[0].seconds), (0.001, 1.5));
        assert_eq!(rows[1].val_accuracy, None);
        let line2 = text.lines().nth(2).unwrap();
        assert_eq!(line2.split(',').count(), COLUMNS.len());
        let cells: Vec<&str> = line2.split(',').collect();
        assert_eq!((cells[0], cells[2], cells[4], cells[5]), ("1", "0.0005", "", ""), "{line2}");
        // The JSON of every record has exactly these fields, flattened (no figure dropped).
        let json = serde_json::to_value(&recs[0]).unwrap();
        let n_train = json["train"].as_object().unwrap().len();
        assert_eq!(n_train, 9);
        assert_eq!(COLUMNS.len(), 3 /* epoch, lr, seconds */ + 2 * (n_train - 1) + 4 /* Keras's loss/accuracy × 2 */);
        assert_eq!(to_csv(&[]).unwrap().lines().count(), 1);
    }
}
