"""What `model.compile(..., metrics=['accuracy'])` REPORTS, measured with real Keras 3 and legacy tf.keras.

Run from the repository root (inside the venv, see keras_vectors.py for the install line):

    TF_CPP_MIN_LOG_LEVEL=2 python tests/golden/keras_rules.py

Writes tests/golden/keras_rules.json, plus the fixed inputs and weights it used in tests/golden/keras_rules_data/
(x.npy, scenarios.json, <scenario>_W.npy, <scenario>_b.npy, <scenario>_y.npy). The legacy (tf.keras 2.x, v1 GRAPH mode) figures
come from tests/golden/keras_rules_legacy.py, which this script runs in a separate Python process (graph mode has
to be switched on before anything is built), on the SAME x, W, b, y; its output is merged in.

Generated with: Python 3.11.7, numpy 2.4.6, tensorflow(-cpu) 2.21.0, keras 3.15.1 (TensorFlow backend),
tf_keras 2.21.0, scikit-learn 1.9.1, scipy 1.17.1 (CPU only). Exact versions are also stored in the JSON.

Per scenario: a single `Dense(K, activation)` layer with fixed numpy-generated weights, no training.
- probabilities: keras 3 model.predict(x)
- logits: a second keras 3 model with an identical Dense layer, activation=None, same weights, .predict(x)
- reported.keras3: model.evaluate(x, y, batch_size=len(x), return_dict=True) of the keras 3 model
- reported.keras2_legacy: tf_keras model.evaluate(...) in tf.compat.v1 graph mode (training_v1 path)
- direct: keras 3 loss objects called directly on the arrays (to show which input evaluate() really used)
"""
import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import GOLDEN_DIR, f32_list, rel, versions, write_json  # noqa: E402

import numpy as np  # noqa: E402
import keras  # noqa: E402

SEED = 7
N, D = 96, 8
DATA_DIR = os.path.join(GOLDEN_DIR, "keras_rules_data")

# name, K, activation, loss, target kind
SCENARIOS = [
    ("k10_softmax_binary_crossentropy_onehot", 10, "softmax", "binary_crossentropy", "onehot"),
    ("k10_softmax_categorical_crossentropy_onehot", 10, "softmax", "categorical_crossentropy", "onehot"),
    ("k10_sigmoid_binary_crossentropy_onehot", 10, "sigmoid", "binary_crossentropy", "onehot"),
    ("k10_sigmoid_binary_crossentropy_multihot", 10, "sigmoid", "binary_crossentropy", "multihot"),
    ("k2_softmax_binary_crossentropy_onehot", 2, "softmax", "binary_crossentropy", "onehot"),
    ("k1_sigmoid_binary_crossentropy", 1, "sigmoid", "binary_crossentropy", "binary"),
    ("k10_softmax_sparse_categorical_crossentropy_int", 10, "softmax", "sparse_categorical_crossentropy", "int"),
]


def make_data():
    rng = np.random.default_rng(SEED)
    os.makedirs(DATA_DIR, exist_ok=True)
    x = rng.normal(0.0, 1.0, size=(N, D)).astype(np.float32)
    np.save(os.path.join(DATA_DIR, "x.npy"), x)
    with open(os.path.join(DATA_DIR, "scenarios.json"), "w") as f:
        json.dump([list(s) for s in SCENARIOS], f, indent=1)
    for name, K, act, loss, kind in SCENARIOS:
        W = rng.normal(0.0, 0.6, size=(D, K)).astype(np.float32)
        b = rng.normal(0.0, 0.3, size=(K,)).astype(np.float32)
        if kind == "onehot":
            lab = rng.integers(0, K, size=N)
            y = np.eye(K, dtype=np.float32)[lab]
        elif kind == "multihot":
            y = (rng.random((N, K)) < 0.3).astype(np.float32)
        elif kind == "binary":
            y = rng.integers(0, 2, size=(N, 1)).astype(np.float32)
        elif kind == "int":
            y = rng.integers(0, K, size=N).astype(np.int64)
        np.save(os.path.join(DATA_DIR, f"{name}_W.npy"), W)
        np.save(os.path.join(DATA_DIR, f"{name}_b.npy"), b)
        np.save(os.path.join(DATA_DIR, f"{name}_y.npy"), y)
    return x


def build(K, act, W, b):
    inp = keras.Input((D,))
    out = keras.layers.Dense(K, activation=act)(inp)
    m = keras.Model(inp, out)
    m.layers[-1].set_weights([W, b])
    return m


def resolved_metric_names(model):
    """Best effort: the class names of the metric objects 'accuracy' resolved to (Keras 3 internals)."""
    try:
        cm = model._compile_metrics
        flat = cm._flat_metrics if hasattr(cm, "_flat_metrics") else []
        out = []
        for ml in flat:
            if ml is None:
                continue
            for m in getattr(ml, "metrics", [ml]):
                fn = getattr(m, "_fn", None)
                out.append({"name": m.name, "class": type(m).__name__,
                            "fn": getattr(fn, "__name__", None)})
        return out
    except Exception as e:
        return f"unavailable ({type(e).__name__}: {e})"


def main():
    x = make_data()
    results = []
    for name, K, act, loss, kind in SCENARIOS:
        W = np.load(os.path.join(DATA_DIR, f"{name}_W.npy"))
        b = np.load(os.path.join(DATA_DIR, f"{name}_b.npy"))
        y = np.load(os.path.join(DATA_DIR, f"{name}_y.npy"))
        keras.utils.set_random_seed(SEED)
        model = build(K, act, W, b)
        logit_model = build(K, None, W, b)
        probs = model.predict(x, batch_size=N, verbose=0).astype(np.float32)
        logits = logit_model.predict(x, batch_size=N, verbose=0).astype(np.float32)
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        rep = model.evaluate(x, y, batch_size=N, verbose=0, return_dict=True)
        cls = {"binary_crossentropy": keras.losses.BinaryCrossentropy,
               "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
               "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy}[loss]
        direct = {
            "loss_on_probabilities": float(keras.ops.convert_to_numpy(
                cls(from_logits=False)(y, probs))),
            "loss_on_logits_from_logits": float(keras.ops.convert_to_numpy(
                cls(from_logits=True)(y, logits))),
        }
        results.append({
            "name": name,
            "k": K,
            "activation": act,
            "loss": loss,
            "metrics_arg": ["accuracy"],
            "target_kind": kind,
            "y_true": (y.astype(int).tolist() if kind == "int" else f32_list(y)),
            "probabilities": f32_list(probs),
            "logits": f32_list(logits),
            "reported": {
                "keras3": {k: float(v) for k, v in rep.items()},
                "keras2_legacy": None,
            },
            "keras3_accuracy_resolved_to": resolved_metric_names(model),
            "direct_keras3_loss_calls": direct,
        })
        print(name, rep, direct)

    notes = []
    tmp = os.path.join(DATA_DIR, "_legacy_out.json")
    legacy_script = os.path.join(GOLDEN_DIR, "keras_rules_legacy.py")
    proc = subprocess.run([sys.executable, legacy_script, DATA_DIR, tmp],
                          capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if proc.returncode == 0 and os.path.exists(tmp):
        with open(tmp) as f:
            legacy = json.load(f)
        os.remove(tmp)
        for r in results:
            leg = legacy["scenarios"][r["name"]]
            r["reported"]["keras2_legacy"] = leg["reported"]
            det = dict(leg["details"])
            lp = np.asarray(det.pop("probabilities"), dtype=np.float32)
            det["legacy_predict_max_abs_diff_vs_keras3_probabilities"] = float(
                np.max(np.abs(lp - np.asarray(r["probabilities"], dtype=np.float32))))
            r["keras2_legacy_details"] = det
        notes.append("keras2_legacy: tf_keras " + legacy["tf_keras"] + " with tf.compat.v1.disable_eager_execution() "
                     "in a separate process (tests/golden/keras_rules_legacy.py); model class "
                     + legacy["model_class"] + "; evaluate(x, y, batch_size=len(x)) on the same x, W, b, y.")
    else:
        notes.append("keras2_legacy could not be measured: legacy subprocess exited with "
                     f"{proc.returncode}: {proc.stderr[-2000:]}")
    notes.append("reported.keras3 is model.evaluate(x, y, batch_size=len(x), return_dict=True); keys as returned.")
    notes.append("direct_keras3_loss_calls: keras.losses.<Class>(from_logits=False)(y_true, probabilities) and "
                 "keras.losses.<Class>(from_logits=True)(y_true, logits), called outside fit/evaluate.")

    out = {
        "versions": versions(),
        "generated_by": rel(__file__),
        "legacy_generated_by": rel(legacy_script),
        "seed": SEED,
        "n": N,
        "input_dim": D,
        "data_dir": rel(DATA_DIR),
        "notes": notes,
        "scenarios": results,
    }
    path = write_json(os.path.join(GOLDEN_DIR, "keras_rules.json"), out)
    print(f"wrote {rel(path)}: {len(results)} scenarios, {os.path.getsize(path)} bytes")
    if results[0]["reported"]["keras2_legacy"] is None:
        print("WARNING: legacy figures missing:", notes[0], file=sys.stderr)


if __name__ == "__main__":
    main()
