"""Legacy tf.keras 2.x (tf_keras) in TF v1 GRAPH mode: what `metrics=['accuracy']` reports.

Normally run by tests/golden/keras_rules.py (which merges the result into keras_rules.json). Standalone:

    TF_CPP_MIN_LOG_LEVEL=2 python tests/golden/keras_rules_legacy.py tests/golden/keras_rules_data OUT.json

It must run in its own process: tf.compat.v1.disable_eager_execution() is called before any model is built,
so tf_keras takes its v1 graph path (training_v1.Model, training_utils_v1.get_metric_function), where
'accuracy' is resolved by loss AND output shape.
Generated with: Python 3.11.7, numpy 2.4.6, tensorflow(-cpu) 2.21.0, tf_keras 2.21.0 (CPU only).
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()
import tf_keras  # noqa: E402



def main(data_dir, out_path):
    assert not tf.executing_eagerly()
    with open(os.path.join(data_dir, "scenarios.json")) as f:
        scenarios = json.load(f)  # written by keras_rules.py: [name, K, activation, loss, target kind]
    x = np.load(os.path.join(data_dir, "x.npy"))
    n, d = x.shape
    res = {}
    model_class = None
    for name, K, act, loss, kind in scenarios:
        W = np.load(os.path.join(data_dir, f"{name}_W.npy"))
        b = np.load(os.path.join(data_dir, f"{name}_b.npy"))
        y = np.load(os.path.join(data_dir, f"{name}_y.npy"))
        tf_keras.backend.clear_session()
        model = tf_keras.Sequential([tf_keras.layers.Dense(K, activation=act, input_shape=(d,))])
        model.set_weights([W, b])
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        model_class = type(model).__module__ + "." + type(model).__name__
        probs = model.predict(x, batch_size=n)
        vals = model.evaluate(x, y, batch_size=n, verbose=0)
        names = list(model.metrics_names)
        rep = dict(zip(names, [float(v) for v in vals]))
        # Which function did 'accuracy' resolve to in the v1 path?
        fns = []
        try:
            for m in model.metrics:
                fn = getattr(m, "_fn", None)
                fns.append({"name": m.name, "class": type(m).__name__, "fn": getattr(fn, "__name__", None)})
        except Exception as e:  # pragma: no cover
            fns = f"unavailable ({type(e).__name__})"
        from tf_keras.src.engine import training_v1
        is_v1 = isinstance(model, training_v1.Model)
        assert is_v1, "tf_keras did not take the v1 graph-mode training path"
        res[name] = {
            "reported": {"accuracy": rep.get("acc", rep.get("accuracy")), "loss": rep["loss"]},
            "details": {
                "is_training_v1_model": bool(is_v1),
                "metrics_names": names,
                "raw": rep,
                "metric_objects": fns,
                "probabilities": [[float(v) for v in row] for row in probs],
            },
        }
        print(name, rep, file=sys.stderr)
    with open(out_path, "w") as f:
        json.dump({"tf_keras": tf_keras.__version__, "model_class": model_class, "scenarios": res}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
