"""Golden loss/metric values computed by REAL Keras 3 (keras.losses.*, keras.metrics.*), float32.

Run from the repository root (inside the venv described below):

    python3 -m venv .venv && . .venv/bin/activate
    pip install numpy scikit-learn scipy keras tensorflow-cpu tf_keras
    TF_CPP_MIN_LOG_LEVEL=2 python tests/golden/keras_vectors.py

Writes tests/golden/keras_vectors.json next to this script.
Generated with: Python 3.11.7, numpy 2.4.6, tensorflow(-cpu) 2.21.0, keras 3.15.1 (TensorFlow backend),
tf_keras 2.21.0, scikit-learn 1.9.1, scipy 1.17.1 (CPU only). The exact versions are also stored in the JSON.

Every "expected" number is the value returned by the Keras object, converted from float32 to a Python float.
Inputs are generated with a fixed numpy seed; y_pred is float32 and written with float(np.float32(x)) so it
round-trips exactly.

Conventions of the "expected" block (see the schema in the task brief):
- binary_crossentropy: keras.losses.BinaryCrossentropy(from_logits, label_smoothing)(y_true, y_pred, sample_weight)
- categorical_crossentropy: keras.losses.CategoricalCrossentropy(from_logits, label_smoothing)(...); null if K == 1
  or y_true is multi-hot
- sparse_categorical_crossentropy: keras.losses.SparseCategoricalCrossentropy(from_logits)(labels, ...); only when
  labels != null and label_smoothing == 0, else null
- binary_accuracy: keras.metrics.BinaryAccuracy(threshold=0.5) on y_pred as given; null when from_logits
- categorical_accuracy / sparse_categorical_accuracy: keras.metrics.*; on y_pred as given (argmax is the same for
  logits and probabilities); null for K == 1 / multi-hot / labels == null
- top_k: keras.metrics.TopKCategoricalAccuracy(k) for k in {2, 3} with k < K, only when K >= 3 and one-hot targets
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import GOLDEN_DIR, f32_list, rel, versions, write_json  # noqa: E402

import numpy as np  # noqa: E402
import keras  # noqa: E402

SEED = 20240607
rng = np.random.default_rng(SEED)


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def onehot_labels(n, k):
    if k == 1:
        return None, rng.integers(0, 2, size=(n, 1)).astype(np.float32)
    labels = rng.integers(0, k, size=n)
    y = np.zeros((n, k), dtype=np.float32)
    y[np.arange(n), labels] = 1.0
    return labels.astype(np.int64), y


def multihot(n, k, p=0.3):
    y = (rng.random((n, k)) < p).astype(np.float32)
    y[0, :] = 0.0  # an all-negative row
    y[1, :] = 1.0  # an all-positive row
    return y


def weights(n):
    w = rng.uniform(0.0, 2.0, size=n).astype(np.float32)
    w[0] = 0.0  # always include a zero weight
    w[n // 2] = 1.0
    return w


def random_probs(n, k, scale=2.0):
    z = rng.normal(0.0, scale, size=(n, k))
    return (sigmoid(z) if k == 1 else softmax(z)).astype(np.float32)


def probs_exact01(n, k, labels, y):
    p = random_probs(n, k)
    if k == 1:
        yt = y[:, 0]
        p[0, 0], p[1, 0] = 0.0, 1.0
        p[2, 0] = 1.0 - yt[2]  # confidently wrong
        p[3, 0] = yt[3]        # confidently right
        p[4, 0] = 0.5
        return p
    # rows 0..3: hard one-hot predictions, right and wrong; row 4: exact 0 at the true class
    for i in range(min(4, n)):
        c = labels[i] if i % 2 == 0 else (labels[i] + 1) % k
        p[i] = 0.0
        p[i, c] = 1.0
    p[4, labels[4]] = 0.0
    p[4] /= p[4].sum()
    p[5, :] = 0.0
    p[5, labels[5]] = 0.5
    p[5, (labels[5] + 1) % k] = 0.5  # exactly 0.5 entries (threshold edge)
    return p.astype(np.float32)


def unnormalised(n, k):
    p = rng.uniform(0.0, 1.0, size=(n, k)).astype(np.float32)
    p[0] = 0.9  # a row summing far above 1
    if k > 1:
        p[1] = 0.01  # a row summing below 1
    return p


def extreme_logits(n, k):
    z = rng.normal(0.0, 4.0, size=(n, k)).astype(np.float32)
    z[0] = 0.0            # an all-zero row
    z[1] = 80.0           # all +80
    z[2] = -80.0          # all -80
    mask = rng.random((n, k))
    z[mask < 0.15] = 80.0
    z[mask > 0.85] = -80.0
    z[(mask > 0.45) & (mask < 0.5)] = 0.0
    return z.astype(np.float32)


def tie_probs(n, k, labels):
    """Quantised probabilities with many exact ties, for top-k / argmax tie behaviour."""
    if k == 4:
        p = np.full((n, k), 0.25, dtype=np.float32)
        for i in range(n // 2, n):
            # two-way and three-way ties below a leader
            c = labels[i]
            if i % 3 == 0:
                p[i] = [0.4, 0.2, 0.2, 0.2]
            elif i % 3 == 1:
                p[i] = [0.3, 0.3, 0.3, 0.1]
            else:
                p[i] = [0.1, 0.1, 0.4, 0.4]
            _ = c
        return p
    z = rng.random((n, k))
    q = np.round(z * 4) / 4  # values in {0, .25, .5, .75, 1}
    q[q.sum(axis=1) == 0, 0] = 1.0
    p = (q / q.sum(axis=1, keepdims=True)).astype(np.float32)
    # force some rows where the true class ties with the k-th largest
    for i in range(0, n, 3):
        p[i] = 0.0
        others = [c for c in range(k) if c != labels[i]]
        p[i, others[0]] = 0.5
        p[i, others[1]] = 0.25
        p[i, labels[i]] = 0.25
        if k > 3:
            p[i, others[2]] = 0.25 if i % 2 == 0 else 0.0
        p[i] /= p[i].sum()
    return p.astype(np.float32)


def val(x):
    return float(np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float32))


def compute(case):
    K = case["num_classes"]
    y = np.asarray(case["y_true"], dtype=np.float32)
    p = np.asarray(case["y_pred"], dtype=np.float32)
    labels = None if case["labels"] is None else np.asarray(case["labels"], dtype=np.int64)
    sw = None if case["sample_weight"] is None else np.asarray(case["sample_weight"], dtype=np.float32)
    fl = case["from_logits"]
    ls = case["label_smoothing"]
    multi_hot = case.pop("_multi_hot")
    exp = {}
    exp["binary_crossentropy"] = val(
        keras.losses.BinaryCrossentropy(from_logits=fl, label_smoothing=ls)(y, p, sample_weight=sw))
    if K > 1 and not multi_hot:
        exp["categorical_crossentropy"] = val(
            keras.losses.CategoricalCrossentropy(from_logits=fl, label_smoothing=ls)(y, p, sample_weight=sw))
    else:
        exp["categorical_crossentropy"] = None
    if labels is not None and ls == 0.0:
        exp["sparse_categorical_crossentropy"] = val(
            keras.losses.SparseCategoricalCrossentropy(from_logits=fl)(labels, p, sample_weight=sw))
    else:
        exp["sparse_categorical_crossentropy"] = None

    def metric(m, yt):
        m.update_state(yt, p, sample_weight=sw)
        return val(m.result())

    exp["binary_accuracy"] = None if fl else metric(keras.metrics.BinaryAccuracy(threshold=0.5), y)
    exp["categorical_accuracy"] = (metric(keras.metrics.CategoricalAccuracy(), y)
                                   if K > 1 and not multi_hot else None)
    exp["sparse_categorical_accuracy"] = (metric(keras.metrics.SparseCategoricalAccuracy(), labels)
                                          if labels is not None else None)
    exp["top_k"] = {}
    if K >= 3 and not multi_hot:
        for k in (2, 3):
            if k < K:
                exp["top_k"][str(k)] = metric(keras.metrics.TopKCategoricalAccuracy(k=k), y)
    case["expected"] = exp
    return case


cases = []


def add(name, K, y, labels, pred, from_logits=False, smoothing=0.0, sw=None, multi_hot=False):
    assert not any(c["name"] == name for c in cases), name
    pred = np.asarray(pred, dtype=np.float32)
    assert pred.shape == y.shape, (name, pred.shape, y.shape)
    cases.append(compute({
        "name": name,
        "num_classes": int(K),
        "y_true": f32_list(y),
        "labels": None if labels is None else [int(v) for v in labels],
        "y_pred": f32_list(pred),
        "from_logits": bool(from_logits),
        "label_smoothing": float(smoothing),
        "sample_weight": None if sw is None else f32_list(sw),
        "_multi_hot": multi_hot,
    }))


# ---- K = 1 (single sigmoid unit, 0/1 targets) ----
N = 16
lab, y = onehot_labels(N, 1)
add("k1_probs_sigmoid", 1, y, None, random_probs(N, 1))
add("k1_probs_exact01", 1, y, None, probs_exact01(N, 1, None, y))
add("k1_logits_extreme", 1, y, None, extreme_logits(N, 1), from_logits=True)
add("k1_probs_smoothing0.1_weighted", 1, y, None, random_probs(N, 1), smoothing=0.1, sw=weights(N))
add("k1_logits_smoothing0.2", 1, y, None, rng.normal(0, 3, size=(N, 1)), from_logits=True, smoothing=0.2)

# ---- K = 2 ----
lab, y = onehot_labels(N, 2)
add("k2_probs_softmax", 2, y, lab, random_probs(N, 2))
add("k2_probs_exact01", 2, y, lab, probs_exact01(N, 2, lab, y))
add("k2_probs_unnormalised", 2, y, lab, unnormalised(N, 2))
add("k2_logits_extreme", 2, y, lab, extreme_logits(N, 2), from_logits=True)
add("k2_probs_smoothing0.1", 2, y, lab, random_probs(N, 2), smoothing=0.1)
add("k2_logits_smoothing0.2_weighted", 2, y, lab, rng.normal(0, 3, size=(N, 2)), from_logits=True,
    smoothing=0.2, sw=weights(N))

# ---- K = 3 ----
N = 24
lab, y = onehot_labels(N, 3)
add("k3_probs_softmax", 3, y, lab, random_probs(N, 3))
add("k3_probs_exact01", 3, y, lab, probs_exact01(N, 3, lab, y))
add("k3_probs_unnormalised", 3, y, lab, unnormalised(N, 3))
add("k3_logits_extreme", 3, y, lab, extreme_logits(N, 3), from_logits=True)
add("k3_probs_smoothing0.2", 3, y, lab, random_probs(N, 3), smoothing=0.2)
add("k3_logits_smoothing0.1", 3, y, lab, rng.normal(0, 3, size=(N, 3)), from_logits=True, smoothing=0.1)
add("k3_probs_softmax_weighted", 3, y, lab, random_probs(N, 3), sw=weights(N))
add("k3_probs_ties", 3, y, lab, tie_probs(N, 3, lab))
add("k3_multihot_probs_unnormalised", 3, multihot(N, 3), None, unnormalised(N, 3), multi_hot=True)

# ---- K = 4 (quantised 0.25 ties for top-k) ----
N = 16
lab, y = onehot_labels(N, 4)
add("k4_probs_ties_quarter", 4, y, lab, tie_probs(N, 4, lab))
add("k4_probs_ties_quarter_weighted", 4, y, lab, tie_probs(N, 4, lab), sw=weights(N))

# ---- K = 10 ----
N = 32
lab, y = onehot_labels(N, 10)
add("k10_probs_softmax", 10, y, lab, random_probs(N, 10))
add("k10_probs_exact01", 10, y, lab, probs_exact01(N, 10, lab, y))
add("k10_probs_unnormalised", 10, y, lab, unnormalised(N, 10))
add("k10_logits_extreme", 10, y, lab, extreme_logits(N, 10), from_logits=True)
add("k10_probs_smoothing0.1_weighted", 10, y, lab, random_probs(N, 10), smoothing=0.1, sw=weights(N))
add("k10_logits_smoothing0.2", 10, y, lab, rng.normal(0, 3, size=(N, 10)), from_logits=True, smoothing=0.2)
add("k10_logits_extreme_weighted", 10, y, lab, extreme_logits(N, 10), from_logits=True, sw=weights(N))
add("k10_probs_ties", 10, y, lab, tie_probs(N, 10, lab))
add("k10_multihot_probs", 10, multihot(N, 10), None, rng.random((N, 10)), multi_hot=True)
add("k10_multihot_logits_smoothing0.1_weighted", 10, multihot(N, 10), None, rng.normal(0, 3, size=(N, 10)),
    from_logits=True, smoothing=0.1, sw=weights(N), multi_hot=True)

# ---- K = 42, N = 64 ----
N = 64
lab, y = onehot_labels(N, 42)
add("k42_probs_softmax", 42, y, lab, random_probs(N, 42, scale=3.0))
add("k42_probs_unnormalised", 42, y, lab, unnormalised(N, 42))
add("k42_logits_extreme_smoothing0.1_weighted", 42, y, lab, extreme_logits(N, 42), from_logits=True,
    smoothing=0.1, sw=weights(N))
add("k42_multihot_probs_sigmoid_weighted", 42, multihot(N, 42, p=0.1), None,
    sigmoid(rng.normal(-2.0, 2.0, size=(N, 42))),
    sw=weights(N), multi_hot=True)

out = {
    "versions": versions(),
    "generated_by": rel(__file__),
    "epsilon": float(keras.config.epsilon()),
    "keras_backend": keras.backend.backend(),
    "seed": SEED,
    "notes": [
        "Every 'expected' value is the float32 result of the Keras object named in generated_by's docstring.",
        "BCE on probabilities: Keras clips p to [eps, 1 - eps] in float32 and 1 - 1e-7 rounds to 1 - 2**-23 "
        "(0.99999988), so an exact p = 1 with y = 0 costs -log(2**-23) ~ 15.942 per element, while p = 0 with "
        "y = 1 costs -log(1e-7) ~ 16.118 (see the *_exact01 cases); no extra +eps inside the log in Keras 3.",
        "TopKCategoricalAccuracy uses in_top_k semantics: a true class tied with the k-th largest score counts as "
        "inside (k4_probs_ties_quarter: rows of four 0.25 are all hits for k = 2).",
        "BinaryAccuracy with sample_weight of shape (N,) on (N, K) inputs: weight broadcast over K, "
        "result = sum(v * w) / sum(w * K).",
        "Losses with sample_weight use sum_over_batch_size: sum(l_i * w_i) / N.",
    ],
    "cases": cases,
}
path = write_json(os.path.join(GOLDEN_DIR, "keras_vectors.json"), out)
print(f"wrote {rel(path)}: {len(cases)} cases, {os.path.getsize(path)} bytes")
