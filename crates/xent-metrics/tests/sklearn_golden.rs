//! The confusion-matrix family, calibration and ROC-AUC against scikit-learn 1.9.1 (values in
//! `tests/golden/sklearn_metrics.json`, made by `tests/golden/sklearn_metrics.py`).

mod golden;

use golden::{close, floats, labels, load, matrix};
use xent_metrics::metrics::{Evaluator, EvaluatorConfig, MultiLabelCounts, TargetRows};
use xent_metrics::LabelKind;

/// Counts are exact without weights; sample weights are read as `f32` (as xent stores them) while
/// scikit-learn used float64, hence 1e-6 for weighted cases.
fn tolerance(weighted: bool) -> f64 {
    if weighted { 1e-6 } else { 1e-9 }
}

#[test]
fn single_label_metrics_match_scikit_learn() {
    let doc = load("sklearn_metrics.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = case["num_classes"].as_u64().unwrap() as usize;
        let p = matrix(&case["probabilities"]);
        let truth = labels(&case["labels_true"]).unwrap();
        let w = floats(&case["sample_weight"]);
        let rel = tolerance(w.is_some());
        let mut ev = Evaluator::new(k, LabelKind::SingleLabel, EvaluatorConfig::default());
        ev.update(p.as_slice(), TargetRows::Labels(&truth), w.as_deref());
        let r = ev.finish();

        let cm = case["confusion_matrix"].as_array().unwrap();
        for (t, row) in cm.iter().enumerate() {
            for (q, v) in row.as_array().unwrap().iter().enumerate() {
                close(name, &format!("confusion[{t}][{q}]"), r.confusion_matrix[t][q], v.as_f64().unwrap(), rel);
            }
        }
        for (c, stats) in r.per_class.iter().enumerate() {
            close(name, &format!("precision[{c}]"), stats.precision, case["precision"][c].as_f64().unwrap(), rel);
            close(name, &format!("recall[{c}]"), stats.recall, case["recall"][c].as_f64().unwrap(), rel);
            close(name, &format!("f1[{c}]"), stats.f1, case["f1"][c].as_f64().unwrap(), rel);
            close(name, &format!("support[{c}]"), stats.support, case["support"][c].as_f64().unwrap(), rel);
        }
        close(name, "accuracy", r.accuracy.unwrap(), case["accuracy"].as_f64().unwrap(), rel);
        close(name, "macro_f1", r.macro_f1.unwrap(), case["macro_f1"].as_f64().unwrap(), rel);
        close(name, "weighted_f1", r.weighted_f1.unwrap(), case["weighted_f1"].as_f64().unwrap(), rel);
        close(name, "balanced_accuracy", r.balanced_accuracy.unwrap(), case["balanced_accuracy"].as_f64().unwrap(), rel);
        close(name, "mcc", r.mcc.unwrap(), case["mcc"].as_f64().unwrap(), rel);
        close(name, "cohen_kappa", r.cohen_kappa.unwrap(), case["cohen_kappa"].as_f64().unwrap(), rel);
        // Probabilities are f32 here (as models emit them), the reference float64: 1e-6.
        close(name, "nll = log_loss", r.nll.unwrap(), case["log_loss"].as_f64().unwrap(), 1e-6);
        close(name, "brier", r.brier.unwrap(), case["brier_multiclass"].as_f64().unwrap(), 1e-6);
        for (c, want) in case["roc_auc_ovr_per_class"].as_array().unwrap().iter().enumerate() {
            match want.as_f64() {
                Some(want) => close(name, &format!("roc_auc[{c}]"), r.roc_auc[c].unwrap(), want, rel),
                None => {
                    assert_eq!(r.roc_auc[c], None, "{name}: roc_auc[{c}] should be undefined");
                    0.0
                }
            };
        }
        // The reference ECE is unweighted: compare on an unweighted pass.
        if w.is_none() {
            close(name, "ece (15 bins)", r.ece.unwrap(), case["ece_15"].as_f64().unwrap(), 1e-6);
        }
    }
}

#[test]
fn multi_label_metrics_match_scikit_learn() {
    let doc = load("sklearn_metrics.json");
    for case in doc["multilabel_cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = case["num_classes"].as_u64().unwrap() as usize;
        let y = matrix(&case["y_true"]);
        let s = matrix(&case["scores"]);
        let w = floats(&case["sample_weight"]);
        let rel = tolerance(w.is_some());
        let mut m = MultiLabelCounts::new(k, case["threshold"].as_f64().unwrap() as f32);
        for i in 0..y.rows() {
            m.update(y.row(i), s.row(i), w.as_ref().map_or(1.0, |w| w[i]));
        }
        let r = m.metrics();
        close(name, "subset_accuracy", r.subset_accuracy, case["subset_accuracy"].as_f64().unwrap(), rel);
        close(name, "hamming_loss", r.hamming_loss, case["hamming_loss"].as_f64().unwrap(), rel);
        close(name, "micro_f1", r.micro_f1, case["micro_f1"].as_f64().unwrap(), rel);
        close(name, "macro_f1", r.macro_f1, case["macro_f1"].as_f64().unwrap(), rel);
    }
}
