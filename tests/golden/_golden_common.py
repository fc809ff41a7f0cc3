"""Shared helpers for the golden-value generator scripts in tests/golden/.

Not a generator itself. Imported by the scripts next to it (they put their own
directory on sys.path, which Python does automatically for `python tests/golden/X.py`).
"""
import importlib
import json
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

GOLDEN_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(GOLDEN_DIR))


def _ver(mod):
    try:
        return importlib.import_module(mod).__version__
    except Exception as e:  # pragma: no cover - recorded, not hidden
        return f"unavailable ({type(e).__name__})"


def versions():
    """Versions of every framework involved (imports them, so call after env setup)."""
    return {
        "python": platform.python_version(),
        "numpy": _ver("numpy"),
        "tensorflow": _ver("tensorflow"),
        "keras": _ver("keras"),
        "tf_keras": _ver("tf_keras"),
        "sklearn": _ver("sklearn"),
        "scipy": _ver("scipy"),
    }


def rel(path):
    """Path relative to the repository root, with forward slashes."""
    return os.path.relpath(os.path.abspath(path), REPO_ROOT).replace(os.sep, "/")


def f32(x):
    """A float32 value as a Python float (exact; repr round-trips to the same float32)."""
    import numpy as np
    return float(np.float32(x))


def f32_list(a):
    import numpy as np
    a = np.asarray(a, dtype=np.float32)
    return [[float(v) for v in row] for row in a] if a.ndim == 2 else [float(v) for v in a]


def f64_list(a):
    import numpy as np
    a = np.asarray(a, dtype=np.float64)
    return [[float(v) for v in row] for row in a] if a.ndim == 2 else [float(v) for v in a]


def write_json(path, obj):
    """Write JSON with one case / top-level entry per line block, arrays compact."""
    text = json.dumps(obj, indent=1, allow_nan=False)
    # Compact innermost numeric arrays onto one line to keep files small and diffable.
    import re
    text = re.sub(r"\[\s+([^\[\]{}\"]*?)\s+\]",
                  lambda m: "[" + re.sub(r"\s+", "", m.group(1)).replace(",", ", ") + "]",
                  text)
    with open(path, "w") as f:
        f.write(text + "\n")
    return path
