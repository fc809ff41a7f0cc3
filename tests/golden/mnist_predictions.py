"""Train a small real Keras 3 CNN on MNIST with loss='binary_crossentropy', metrics=['accuracy'] and save its
test-set predictions, plus what Keras reported, for xent's audit tests and demos.

Run from the repository root (inside the venv, see keras_vectors.py for the install line):

    TF_CPP_MIN_LOG_LEVEL=2 python tests/golden/mnist_predictions.py

Reads the carried idx files datasets/mnist/*.gz directly (no download). Writes to
datasets/predictions/mnist_cnn_keras_bce/: pred.npy (10000x10 float32 softmax probabilities), logits.npy
(10000x10 float32 pre-softmax), labels.npy (10000 int64), keras_reported.json, README.md.
The legacy tf.keras (tf_keras, TF v1 graph mode) figures on the SAME predictions are measured by running this
script again in a child process with `--legacy DIR` (graph mode must be switched on before any model exists).

Generated with: Python 3.11.7, numpy 2.4.6, tensorflow(-cpu) 2.21.0, keras 3.15.1 (TensorFlow backend),
tf_keras 2.21.0, CPU only, 2 cores. Training on CPU with op determinism enabled; seed 1234.
"""
import datetime
import gzip
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from _golden_common import REPO_ROOT, rel  # noqa: E402

import numpy as np  # noqa: E402

SEED = 1234
EPOCHS = 2
BATCH = 128
MNIST = os.path.join(REPO_ROOT, "datasets", "mnist")
OUT = os.path.join(REPO_ROOT, "datasets", "predictions", "mnist_cnn_keras_bce")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    assert magic >> 8 == 0x08, "expected unsigned byte idx data"
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load():
    xtr = read_idx(os.path.join(MNIST, "train-images-idx3-ubyte.gz"))
    ytr = read_idx(os.path.join(MNIST, "train-labels-idx1-ubyte.gz"))
    xte = read_idx(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"))
    yte = read_idx(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"))
    f = lambda x: (x.astype(np.float32) / 255.0)[..., None]  # noqa: E731
    return f(xtr), ytr.astype(np.int64), f(xte), yte.astype(np.int64)


def norm(names, vals):
    raw = dict(zip(names, [float(v) for v in vals]))
    return {"loss": raw["loss"], "accuracy": raw.get("acc", raw.get("accuracy")), "metrics_names": list(names)}


def legacy(out_dir):
    """Child process: tf_keras in TF v1 graph mode, evaluated on the saved predictions."""
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    import tf_keras
    from tf_keras.src.engine import training_v1

    logits = np.load(os.path.join(out_dir, "logits.npy"))
    pred = np.load(os.path.join(out_dir, "pred.npy"))
    labels = np.load(os.path.join(out_dir, "labels.npy"))
    onehot = np.eye(10, dtype=np.float32)[labels]
    res = {}
    # (a) softmax layer applied to the saved logits: the same output-layer structure as the trained model
    inp = tf_keras.Input((10,))
    m = tf_keras.Model(inp, tf_keras.layers.Activation("softmax")(inp))
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    assert isinstance(m, training_v1.Model)
    vals = m.evaluate(logits, onehot, batch_size=len(logits), verbose=0)
    res["softmax_layer_on_logits"] = norm(m.metrics_names, vals)
    # (b) identity on the saved probabilities: no logits available to the loss
    tf_keras.backend.clear_session()
    inp = tf_keras.Input((10,))
    m = tf_keras.Model(inp, tf_keras.layers.Activation("linear")(inp))
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    vals = m.evaluate(pred, onehot, batch_size=len(pred), verbose=0)
    res["identity_on_probabilities"] = norm(m.metrics_names, vals)
    res["accuracy_resolved_to"] = [getattr(getattr(mm, "_fn", None), "__name__", None) for mm in m.metrics]
    res["is_training_v1_model"] = bool(isinstance(m, training_v1.Model))
    res["tf_keras"] = tf_keras.__version__
    print(json.dumps(res))


def main():
    import tensorflow as tf
    import keras
    from _golden_common import versions

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    xtr, ytr, xte, yte = load()
    assert xtr.shape == (60000, 28, 28, 1) and xte.shape == (10000, 28, 28, 1)
    ytr1, yte1 = np.eye(10, dtype=np.float32)[ytr], np.eye(10, dtype=np.float32)[yte]

    inp = keras.Input((28, 28, 1))
    conv1 = keras.layers.Conv2D(32, 3, activation="relu")
    pool1 = keras.layers.MaxPooling2D()
    conv2 = keras.layers.Conv2D(64, 3, activation="relu")
    pool2 = keras.layers.MaxPooling2D()
    flat = keras.layers.Flatten()
    head = keras.layers.Dense(10, activation="softmax")
    feats = flat(pool2(conv2(pool1(conv1(inp)))))
    model = keras.Model(inp, head(feats))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    hist = model.fit(xtr, ytr1, epochs=EPOCHS, batch_size=BATCH, verbose=2, shuffle=True)
    train_s = time.time() - t0
    rep = model.evaluate(xte, yte1, batch_size=BATCH, verbose=0, return_dict=True)
    pred = model.predict(xte, batch_size=BATCH, verbose=0).astype(np.float32)

    logit_head = keras.layers.Dense(10, activation=None)
    logit_model = keras.Model(inp, logit_head(feats))
    logit_head.set_weights(head.get_weights())
    logits = logit_model.predict(xte, batch_size=BATCH, verbose=0).astype(np.float32)
    sm = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))
    max_diff = float(np.max(np.abs(sm - pred)))
    assert max_diff < 1e-5, max_diff

    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "pred.npy"), pred)
    np.save(os.path.join(OUT, "logits.npy"), logits)
    np.save(os.path.join(OUT, "labels.npy"), yte)

    true_acc = float(np.mean(pred.argmax(axis=1) == yte))
    elem_acc = float(np.mean((pred > 0.5) == (yte1 > 0.5)))
    # Keras 3 loss objects called directly (outside evaluate) on the saved arrays, for comparison
    bce_probs = float(keras.ops.convert_to_numpy(keras.losses.BinaryCrossentropy()(yte1, pred)))
    bce_logits = float(keras.ops.convert_to_numpy(
        keras.losses.BinaryCrossentropy(from_logits=True)(yte1, logits)))

    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--legacy", OUT],
                          capture_output=True, text=True)
    if proc.returncode == 0:
        legacy_res = json.loads(proc.stdout.strip().splitlines()[-1])
        legacy_note = ("tf_keras " + legacy_res["tf_keras"] + " with tf.compat.v1.disable_eager_execution() in a "
                       "child process (training_v1 path), evaluated on the SAME saved predictions (batch = 10000): "
                       "'softmax_layer_on_logits' feeds logits.npy through Activation('softmax') (as the trained "
                       "model's head); 'identity_on_probabilities' feeds pred.npy through Activation('linear').")
    else:
        legacy_res = None
        legacy_note = f"legacy measurement failed (exit {proc.returncode}): {proc.stderr[-1500:]}"

    report = {
        "versions": versions(),
        "generated_by": rel(__file__),
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seed": SEED,
        "epochs": EPOCHS,
        "batch_size": BATCH,
        "model": "Conv2D(32,3,relu) > MaxPool2D > Conv2D(64,3,relu) > MaxPool2D > Flatten > Dense(10, softmax); "
                 "adam (defaults); loss='binary_crossentropy', metrics=['accuracy']; inputs /255",
        "train_history": {k: [float(v) for v in vs] for k, vs in hist.history.items()},
        "train_seconds": round(train_s, 1),
        "keras3_evaluate_test": {k: float(v) for k, v in rep.items()},
        "keras3_evaluate_note": "model.evaluate(x_test, onehot_test, batch_size=128, return_dict=True); Keras 3 "
                                "resolves 'accuracy' by shape -> categorical accuracy; the loss is computed by "
                                "evaluate from the pre-softmax logits (from_logits=True), see KERAS-SEMANTICS §4",
        "keras2_legacy_graph_mode": legacy_res,
        "keras2_legacy_note": legacy_note,
        "numpy_checks": {
            "true_argmax_accuracy": true_acc,
            "elementwise_binary_accuracy_threshold_0.5": elem_acc,
            "max_abs_diff_softmax_logits_vs_pred": max_diff,
        },
        "keras3_direct_loss_calls": {
            "BinaryCrossentropy()(onehot, pred)": bce_probs,
            "BinaryCrossentropy(from_logits=True)(onehot, logits)": bce_logits,
        },
    }
    with open(os.path.join(OUT, "keras_reported.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")

    v = report["versions"]
    leg = ""
    if legacy_res:
        a, b = legacy_res["softmax_layer_on_logits"], legacy_res["identity_on_probabilities"]
        leg = (f"| tf_keras {v['tf_keras']} graph mode (legacy rule), softmax layer on `logits.npy` | "
               f"{a['loss']:.6f} | {a['accuracy']:.6f} |\n"
               f"| tf_keras {v['tf_keras']} graph mode (legacy rule), identity on `pred.npy` | "
               f"{b['loss']:.6f} | {b['accuracy']:.6f} |\n")
    readme = f"""# mnist_cnn_keras_bce: real Keras 3 predictions of a CNN trained with binary cross-entropy

Produced by `{rel(__file__)}` (run from the repository root:
`TF_CPP_MIN_LOG_LEVEL=2 python tests/golden/mnist_predictions.py`) on {report['date_utc']}, CPU only.

Versions: Python {v['python']}, numpy {v['numpy']}, TensorFlow {v['tensorflow']} (tensorflow-cpu), Keras {v['keras']}
(TensorFlow backend), tf_keras {v['tf_keras']}.

Model: {report['model']}. Trained on the 60,000 MNIST training images from `datasets/mnist/` (read from the idx
gzip files directly) for {EPOCHS} epochs, batch size {BATCH}, seed {SEED}, `tf.config.experimental.enable_op_determinism()`.

Files (test set, 10,000 images, in file order):
- `pred.npy`: float32 10000 x 10, softmax probabilities (`model.predict`).
- `logits.npy`: float32 10000 x 10, pre-softmax outputs (same Dense weights, no activation).
- `labels.npy`: int64 10000, the true test labels.
- `keras_reported.json`: what Keras reported, with versions and checks.

| what | loss | accuracy |
|---|---|---|
| Keras {v['keras']} `model.evaluate` (shape rule, categorical accuracy) | {rep['loss']:.6f} | {rep['accuracy']:.6f} |
{leg}
True argmax accuracy (numpy, `pred.argmax(1) == labels`): **{true_acc:.4f}**. Element-wise binary accuracy at 0.5
over all 10 outputs (numpy): {elem_acc:.4f}.

Keras 3 loss objects called directly on these arrays: `BinaryCrossentropy()(onehot, pred)` = {bce_probs:.6f};
`BinaryCrossentropy(from_logits=True)(onehot, logits)` = {bce_logits:.6f}.
"""
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(readme)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--legacy":
        legacy(sys.argv[2])
    else:
        main()
