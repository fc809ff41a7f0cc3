"""Keras 3 (TensorFlow backend, CPU) reference for `just bench-compare`: the five models of
`xent-bench`, same batch sizes, optimizers, losses, samples per epoch and protocol (see `common.py`
and `crates/xent-bench/src/main.rs`).

    .venv/bin/python bench/reference/keras_bench.py [--variant NAME] [--quick] [MODEL…]

Variants (`--variant`):
- `fit` (default): one `model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)` call per
  epoch on a repeating `tf.data` dataset of the same 8 batches, with a callback that reads the
  loss back after every batch. (`steps_per_execution` > 1 would skip per-step read-backs, so it is
  not used.) `jit_compile` stays at Keras's default, "auto", which turns XLA off on a machine
  without an accelerator (the resolved value is recorded as `keras_jit_compile`).
- `xla`: the same with `model.compile(..., jit_compile=True)`: the train step and the predict
  step are compiled by XLA. A model Keras cannot compile with XLA fails this variant instead of
  falling back.
- `train_on_batch`: a Python loop of `model.train_on_batch(x, y)` over the 8 pre-built batches
  (Keras runs each step through its compiled `tf.function` train step and returns the loss as a
  NumPy value, so the loss is read back every step, as the protocol asks). In one back-to-back
  run on a loaded machine it trained the Pima MLP at 29,762 samples/s against `fit`'s 65,392, so
  `just bench-compare` runs it only when asked.

Inference: `model.predict_on_batch(x)` (the compiled predict function, `training=False`, so dropout
off and batch norm on its moving statistics), batch 256, the output sum read back each batch.

TF's thread pools stay at their defaults (0 = one thread per core; recorded). Optimizers: Keras
defaults, Adam(1e-3, eps 1e-7), Adamax(1e-3, eps 1e-7). Loss: CategoricalCrossentropy(from_logits=True)
on one-hot targets (as xent), Pima: one logit with BinaryCrossentropy(from_logits=True).
"""

import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

VARIANTS = ["fit", "xla", "train_on_batch"]


def build(model):
    if model == "ecg_cnn":
        return keras.Sequential([
            keras.Input((187, 1)),
            layers.Conv1D(32, 5, activation="relu"), layers.MaxPooling1D(2),
            layers.Conv1D(64, 5, activation="relu"), layers.MaxPooling1D(2),
            layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(5),
        ])
    if model == "ecg_resnet":
        inp = keras.Input((187, 1))
        x = layers.Conv1D(32, 5, padding="same")(inp)
        x = layers.ReLU()(layers.BatchNormalization()(x))
        for _ in range(3):
            h = layers.Conv1D(32, 5, padding="same")(x)
            h = layers.ReLU()(layers.BatchNormalization()(h))
            h = layers.BatchNormalization()(layers.Conv1D(32, 5, padding="same")(h))
            x = layers.MaxPooling1D(2)(layers.ReLU()(layers.Add()([h, x])))
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(inp, layers.Dense(5)(x))
    if model == "text_cnn":
        return keras.Sequential([
            keras.Input((200,), dtype="int32"),
            layers.Embedding(20_000, 128), layers.Dropout(0.25),
            layers.Conv1D(32, 4, padding="valid", activation="relu"), layers.MaxPooling1D(2),
            layers.Flatten(), layers.Dense(256), layers.Dropout(0.25), layers.Activation("relu"),
            layers.Dense(4),
        ])
    if model == "mnist_cnn":
        return keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(100, (5, 5), padding="valid", activation="relu"), layers.MaxPooling2D(2),
            layers.Conv2D(100, (3, 3), activation="relu"), layers.MaxPooling2D(2),
            layers.Dropout(0.3), layers.Flatten(),
            layers.Dense(100, activation="relu"), layers.Dropout(0.3),
            layers.Dense(100, activation="relu"), layers.Dropout(0.3),
            layers.Dense(10),
        ])
    if model == "pima_mlp":
        return keras.Sequential([
            keras.Input((8,)),
            layers.Dense(12, activation="relu"), layers.Dense(8, activation="relu"), layers.Dense(1),
        ])
    raise ValueError(model)


class ReadLoss(keras.callbacks.Callback):
    """Reads the loss back to the host after every batch (fit mode) and checks it."""

    def on_train_batch_end(self, batch, logs=None):
        loss = float(logs["loss"])
        if not np.isfinite(loss):
            raise RuntimeError(f"benchmark loss became {loss}")


def run_one(model, variant):
    keras.utils.set_random_seed(0)
    spec = common.SPECS[model]
    net = build(model)
    if spec["optimizer"] == "adamax":
        opt = keras.optimizers.Adamax(learning_rate=1e-3, epsilon=1e-7)
    else:
        opt = keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-7)
    if model == "pima_mlp":
        loss = keras.losses.BinaryCrossentropy(from_logits=True)
    else:
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)
    if variant == "xla":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net.compile(optimizer=opt, loss=loss, jit_compile=True)
        if net.jit_compile is not True:
            said = "; ".join(str(w.message) for w in caught) or "no warning given"
            raise RuntimeError(f"Keras did not enable jit_compile=True for {model} ({said})")
    else:
        net.compile(optimizer=opt, loss=loss)

    b, k = spec["batch"], spec["outputs"]
    xs = [common.inputs(model, b, s, channels_last=True) for s in range(common.DISTINCT)]
    if model == "text_cnn":
        xs = [x.astype(np.int32) for x in xs]
    if k == 1:
        ys = [common.targets(model, b, s).astype(np.float32).reshape(b, 1) for s in range(common.DISTINCT)]
    else:
        ys = [common.one_hot(common.targets(model, b, s), k) for s in range(common.DISTINCT)]

    if variant == "train_on_batch":
        # Tensors built once, as xent's batches are.
        xs_t = [tf.constant(x) for x in xs]
        ys_t = [tf.constant(y) for y in ys]

        def train_step(i):
            return float(net.train_on_batch(xs_t[i], ys_t[i]))

        train_epoch = common.step_epoch(model, train_step)
    else:  # fit, xla
        ds = tf.data.Dataset.from_tensor_slices((np.stack(xs), np.stack(ys))).repeat().prefetch(tf.data.AUTOTUNE)
        steps = common.steps_per_epoch(model)
        callbacks = [ReadLoss()]

        def train_epoch():
            net.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=callbacks, shuffle=False)

    ib = common.INFER_BATCH
    infer_xs = [common.inputs(model, ib, 100 + s, channels_last=True) for s in range(2)]
    if model == "text_cnn":
        infer_xs = [x.astype(np.int32) for x in infer_xs]
    infer_xs = [tf.constant(x) for x in infer_xs]

    def infer_step(i):
        return float(np.sum(net.predict_on_batch(infer_xs[i])))

    result = common.measure(model, train_epoch, infer_step)
    result["params"] = int(net.count_params())
    result["keras_jit_compile"] = bool(net.jit_compile)
    return result


def machine(variant):
    m = common.base_machine()
    m.update(
        framework="keras",
        keras=keras.__version__,
        tensorflow=tf.__version__,
        keras_backend=keras.backend.backend(),
        tf_intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
        tf_inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads(),
        tf_threads_note="0 = TensorFlow's default (one thread per available core)",
        variant=variant,
    )
    return m


if __name__ == "__main__":
    common.main(os.path.abspath(__file__), VARIANTS, run_one, machine)
