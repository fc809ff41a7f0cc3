"""Golden classification metrics from scikit-learn (plus Brier and ECE computed in numpy, formulas recorded).

Run from the repository root (inside the venv, see keras_vectors.py for the install line):

    python tests/golden/sklearn_metrics.py

Writes tests/golden/sklearn_metrics.json next to this script.
Generated with: Python 3.11.7, numpy 2.4.6, scikit-learn 1.9.1, scipy 1.17.1 (tensorflow 2.21.0, keras 3.15.1 and
tf_keras 2.21.0 are installed and recorded but not used). Exact versions are stored in the JSON.

Inputs are float64 and written with Python's repr, so they round-trip exactly; every metric is computed on the
exact values that are written. All label lists are passed explicitly as range(K).
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import GOLDEN_DIR, f64_list, rel, versions, write_json  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

SEED = 12345
rng = np.random.default_rng(SEED)
warnings.filterwarnings("ignore")  # zero-division / absent-class warnings are expected in some cases

FORMULAS = {
    "brier_multiclass": "sum_i w_i * sum_k (p_ik - onehot_ik)^2 / sum_i w_i  (w_i = 1 when sample_weight is null; "
                        "i.e. the plain mean over samples of the per-sample squared error summed over ALL K classes, "
                        "range [0, 2]); computed in numpy float64",
    "sklearn_brier_score_loss": "sklearn.metrics.brier_score_loss(labels_true, probabilities, labels=range(K), "
                                "sample_weight=...) with its default scale_by_half='auto' (halves only when K == 2), "
                                "and again with scale_by_half=False (equals brier_multiclass)",
    "ece_15": "15 equal-width bins on conf_i = max_k p_ik, edges = numpy.linspace(0, 1, 16); sample i goes to bin b "
              "with edges[b] < conf_i <= edges[b+1] (bin 0 also takes conf_i == 0); "
              "ECE = sum_b (n_b / N) * |acc_b - conf_b|, acc_b = mean over the bin of [argmax_k p_ik == y_i], "
              "conf_b = mean over the bin of conf_i, empty bins contribute 0. IGNORES sample_weight. numpy float64. "
              "argmax ties -> lowest index (numpy).",
    "labels_pred": "numpy.argmax(probabilities, axis=1) (lowest index on ties)",
    "roc_auc_ovr_per_class": "sklearn.metrics.roc_auc_score(labels_true == c, probabilities[:, c], "
                             "sample_weight=...) per class c; null when class c is absent from labels_true "
                             "(or is the only class present)",
    "precision_recall_f1_support": "sklearn.metrics.precision_recall_fscore_support(labels_true, labels_pred, "
                                   "labels=range(K), average=None, zero_division=0, sample_weight=...); with "
                                   "sample weights, support is the weighted count",
    "f1_averages": "sklearn.metrics.f1_score(..., labels=range(K), average='macro'|'weighted'|'micro', "
                   "zero_division=0, sample_weight=...)",
    "log_loss": "sklearn.metrics.log_loss(labels_true, probabilities, labels=range(K), sample_weight=...) "
                "(weighted mean of -log p_i,y_i; sklearn clips p to [eps, 1-eps] with float64 eps; no input "
                "probability here is that small)",
    "multilabel": "prediction = (scores > 0.5); subset_accuracy = accuracy_score(Y, P); hamming_loss(Y, P); "
                  "micro/macro f1 = f1_score(Y, P, average=..., zero_division=0); all with sample_weight when given",
}


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make_probs(y, K, signal, noise=1.0, suppress=None):
    z = rng.normal(0.0, noise, size=(len(y), K))
    z[np.arange(len(y)), y] += signal
    if suppress is not None:
        z[:, suppress] -= 6.0  # this class is never the argmax here (asserted below)
    p = softmax(z)
    # round-trip through the JSON representation so metrics see exactly what is written
    return np.asarray(f64_list(p), dtype=np.float64)


def ece_15(p, y):
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, 16)
    idx = np.searchsorted(edges[1:], conf, side="left")  # (lo, hi]; conf == 0 -> bin 0
    idx = np.minimum(idx, 14)
    n = len(y)
    ece = 0.0
    bins = []
    for b in range(15):
        m = idx == b
        nb = int(m.sum())
        if nb:
            acc, cf = float(correct[m].mean()), float(conf[m].mean())
            ece += nb / n * abs(acc - cf)
            bins.append({"bin": b, "lo": float(edges[b]), "hi": float(edges[b + 1]), "count": nb,
                         "accuracy": acc, "confidence": cf})
    return float(ece), bins


def multiclass_case(name, K, y, p, sw=None, note=""):
    y = np.asarray(y, dtype=np.int64)
    labels = list(range(K))
    yp = p.argmax(axis=1)
    kw = {} if sw is None else {"sample_weight": sw}
    prec, rec, f1, sup = skm.precision_recall_fscore_support(y, yp, labels=labels, average=None,
                                                             zero_division=0, **kw)
    w = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    onehot = np.eye(K)[y]
    brier = float(np.sum(w * ((p - onehot) ** 2).sum(axis=1)) / np.sum(w))
    auc = []
    for c in labels:
        pos = y == c
        if pos.any() and not pos.all():
            auc.append(float(skm.roc_auc_score(pos.astype(int), p[:, c], **kw)))
        else:
            auc.append(None)
    try:
        sk_brier = {
            "default_auto": float(skm.brier_score_loss(y, p, labels=labels, **kw)),
            "scale_by_half_false": float(skm.brier_score_loss(y, p, labels=labels, scale_by_half=False, **kw)),
        }
    except Exception as e:  # pragma: no cover - recorded, not hidden
        sk_brier = f"unavailable ({type(e).__name__}: {e})"
    ece, bins = ece_15(p, y)
    cm = skm.confusion_matrix(y, yp, labels=labels, **kw)
    return {
        "name": name,
        "note": note,
        "num_classes": K,
        "n": int(len(y)),
        "labels_true": [int(v) for v in y],
        "labels_pred": [int(v) for v in yp],
        "probabilities": f64_list(p),
        "sample_weight": None if sw is None else f64_list(sw),
        "confusion_matrix": [[(int(v) if sw is None else float(v)) for v in row] for row in cm],
        "precision": [float(v) for v in prec],
        "recall": [float(v) for v in rec],
        "f1": [float(v) for v in f1],
        "support": [float(v) for v in sup],
        "macro_f1": float(skm.f1_score(y, yp, labels=labels, average="macro", zero_division=0, **kw)),
        "weighted_f1": float(skm.f1_score(y, yp, labels=labels, average="weighted", zero_division=0, **kw)),
        "micro_f1": float(skm.f1_score(y, yp, labels=labels, average="micro", zero_division=0, **kw)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y, yp, **kw)),
        "mcc": float(skm.matthews_corrcoef(y, yp, **kw)),
        "cohen_kappa": float(skm.cohen_kappa_score(y, yp, labels=labels, **kw)),
        "accuracy": float(skm.accuracy_score(y, yp, **kw)),
        "roc_auc_ovr_per_class": auc,
        "log_loss": float(skm.log_loss(y, p, labels=labels, **kw)),
        "brier_multiclass": brier,
        "sklearn_brier_score_loss": sk_brier,
        "ece_15": ece,
        "ece_15_bins": bins,
    }


def multilabel_case(name, K, Y, S, sw=None):
    P = (S > 0.5).astype(np.int64)
    kw = {} if sw is None else {"sample_weight": sw}
    return {
        "name": name,
        "num_classes": K,
        "n": int(len(Y)),
        "y_true": [[int(v) for v in row] for row in Y],
        "scores": f64_list(S),
        "threshold": 0.5,
        "y_pred": [[int(v) for v in row] for row in P],
        "sample_weight": None if sw is None else f64_list(sw),
        "subset_accuracy": float(skm.accuracy_score(Y, P, **kw)),
        "hamming_loss": float(skm.hamming_loss(Y, P, **kw)),
        "micro_f1": float(skm.f1_score(Y, P, average="micro", zero_division=0, **kw)),
        "macro_f1": float(skm.f1_score(Y, P, average="macro", zero_division=0, **kw)),
    }


cases = []

y = rng.integers(0, 2, size=200)
cases.append(multiclass_case("k2_n200", 2, y, make_probs(y, 2, signal=1.5)))

y = rng.integers(0, 3, size=300)
sw = np.asarray(f64_list(rng.uniform(0.1, 3.0, size=300)))
cases.append(multiclass_case("k3_n300_weighted", 3, y, make_probs(y, 3, signal=1.2), sw=sw,
                             note="sample weights uniform in [0.1, 3)"))

y = rng.integers(0, 5, size=150)
cases.append(multiclass_case("k5_n150_class4_never_predicted", 5, y, make_probs(y, 5, signal=1.5, suppress=4),
                             note="class 4 is present in labels_true but never the argmax"))
assert 4 not in cases[-1]["labels_pred"] and 4 in cases[-1]["labels_true"]

y = rng.integers(0, 4, size=50)  # class 4 has zero support
p = make_probs(y, 5, signal=1.0, noise=1.5)
cases.append(multiclass_case("k5_n50_class4_zero_support", 5, y, p,
                             note="class 4 never occurs in labels_true but is predicted for some samples"))
assert (cases[-1]["labels_pred"].count(4)) > 0

y = rng.integers(0, 10, size=500)
cases.append(multiclass_case("k10_n500", 10, y, make_probs(y, 10, signal=2.0)))

ml = []
Y = (rng.random((120, 5)) < 0.35).astype(np.int64)
S = 1 / (1 + np.exp(-(rng.normal(0, 1.2, size=Y.shape) + 1.5 * (2 * Y - 1))))
S = np.asarray(f64_list(S))
ml.append(multilabel_case("multilabel_k5_n120", 5, Y, S))
Y = (rng.random((60, 5)) < 0.3).astype(np.int64)
S = np.asarray(f64_list(1 / (1 + np.exp(-(rng.normal(0, 1.5, size=Y.shape) + 1.0 * (2 * Y - 1))))))
sw = np.asarray(f64_list(rng.uniform(0.0, 2.0, size=60)))
ml.append(multilabel_case("multilabel_k5_n60_weighted", 5, Y, S, sw=sw))

out = {
    "versions": versions(),
    "generated_by": rel(__file__),
    "seed": SEED,
    "formulas": FORMULAS,
    "cases": cases,
    "multilabel_cases": ml,
}
path = write_json(os.path.join(GOLDEN_DIR, "sklearn_metrics.json"), out)
print(f"wrote {rel(path)}: {len(cases)} multiclass + {len(ml)} multilabel cases, {os.path.getsize(path)} bytes")
