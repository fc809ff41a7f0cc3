"""Shared protocol of the reference benchmarks (`torch_bench.py`, `keras_bench.py`).

It mirrors `crates/xent-bench/src/main.rs` exactly:

- random inputs of the right shape, generated once: 8 distinct training batches, cycled;
- one training step = forward, loss, backward, optimizer step, with the loss read back to the host
  every step (and checked to be finite), as a training loop that stops on NaN must;
- one warm-up epoch, then the median of 3 timed epochs; `steps = ceil(epoch_samples / batch)`;
- inference: the model in eval mode, no gradients, batch 256 (2 distinct batches, cycled),
  `ceil(infer_samples / 256)` batches per pass with the sum of the outputs read back each batch;
  one warm-up pass, then the median of 3;
- each model runs in its own process, so `peak_rss_mb` (`ru_maxrss`, the kernel's high-water
  mark, the same figure as xent's VmHWM) is that model's alone.

One difference, to keep a round of `just bench-compare` short: a timed epoch or pass that takes
longer than `SLOW_S` seconds ends the timing there (the median of the ones timed so far; their
number is recorded as `train_timed_epochs` and `infer_timed_passes`). On a quiet machine xent's
epochs and passes, and the references' in their usual variants, take a few seconds at most; the
cap is for a variant many times slower, such as Keras with XLA training the text CNN (about 1.3 s per step of 32 samples,
82 s per epoch, in one run on a loaded 2-core machine).

Each script runs in one of its variants (`--variant NAME`, the script's `VARIANTS`; the first is
the default) and prints one JSON object per model, in the shape of `bench/results.json`:
`{"machine": {...}, "models": {"ecg_cnn": {"train_samples_per_s": ..., "infer_samples_per_s": ...,
"peak_rss_mb": ..., "variant": ...}}}`. `--quick` runs `QUICK_STEPS` training steps per epoch and
`QUICK_PASSES` inference batches per pass (as `xent-bench --quick`): a check that everything runs,
whose figures mean nothing.

    script [--variant NAME] [--quick] [MODEL…]   each model in a child process, one JSON line each
    script --one MODEL [--variant NAME] [--quick]   one model in this process (what compare.py runs)
"""

import json
import math
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np

MODELS = ["ecg_cnn", "ecg_resnet", "text_cnn", "mnist_cnn", "pima_mlp"]
DISTINCT = 8
INFER_BATCH = 256
# Training steps per epoch and inference batches per pass under `--quick` (as xent-bench's).
QUICK_STEPS = 2
QUICK_PASSES = 1
QUICK = False  # set by main() from `--quick`
# A timed epoch or pass longer than this is the last one timed (see the module's docstring).
SLOW_S = 20.0

# model: (batch size, optimizer, outputs, train samples per epoch, inference samples per pass)
SPECS = {
    "ecg_cnn": dict(batch=64, optimizer="adam", outputs=5, epoch_samples=8192, infer_samples=16384),
    "ecg_resnet": dict(batch=64, optimizer="adam", outputs=5, epoch_samples=4096, infer_samples=8192),
    "text_cnn": dict(batch=32, optimizer="adam", outputs=4, epoch_samples=2048, infer_samples=4096),
    "mnist_cnn": dict(batch=128, optimizer="adamax", outputs=10, epoch_samples=2048, infer_samples=4096),
    "pima_mlp": dict(batch=32, optimizer="adam", outputs=1, epoch_samples=24576, infer_samples=65536),
}


def inputs(model, n, seed, channels_last):
    """A batch of random inputs of the model's shape (uniform [0, 1); token ids in [0, 19999))."""
    rng = np.random.default_rng(seed)
    if model in ("ecg_cnn", "ecg_resnet"):
        shape = (n, 187, 1) if channels_last else (n, 1, 187)
        return rng.random(shape, dtype=np.float32)
    if model == "text_cnn":
        return (rng.random((n, 200)) * 19_999.0).astype(np.int64)
    if model == "mnist_cnn":
        shape = (n, 28, 28, 1) if channels_last else (n, 1, 28, 28)
        return rng.random(shape, dtype=np.float32)
    if model == "pima_mlp":
        return rng.random((n, 8), dtype=np.float32)
    raise ValueError(model)


def targets(model, n, seed):
    """Random class indices (one per sample); for the one-output Pima model, random 0/1 labels."""
    rng = np.random.default_rng(1000 + seed)
    k = SPECS[model]["outputs"]
    return rng.integers(0, 2 if k == 1 else k, size=n)


def one_hot(classes, k):
    out = np.zeros((len(classes), k), dtype=np.float32)
    out[np.arange(len(classes)), classes] = 1.0
    return out


def median_rate(samples, secs):
    return samples / sorted(secs)[len(secs) // 2]


def timed_runs(run):
    """Seconds of up to 3 calls of `run()`, stopping after one that takes longer than `SLOW_S`."""
    secs = []
    for _ in range(3):
        secs.append(run())
        if secs[-1] > SLOW_S:
            break
    return secs


def steps_per_epoch(model):
    if QUICK:
        return QUICK_STEPS
    spec = SPECS[model]
    return math.ceil(spec["epoch_samples"] / spec["batch"])


def passes_per_run(model):
    if QUICK:
        return QUICK_PASSES
    return math.ceil(SPECS[model]["infer_samples"] / INFER_BATCH)


def step_epoch(model, train_step):
    """An epoch as a loop of `train_step(i)` (trains on batch i mod 8, returns the loss as a float)."""
    steps = steps_per_epoch(model)

    def epoch():
        for step in range(steps):
            loss = train_step(step % DISTINCT)
            if not math.isfinite(loss):
                raise RuntimeError(f"benchmark loss became {loss}")

    return epoch


def measure(model, train_epoch, infer_step, before_infer=None):
    """Runs the protocol. `train_epoch()` runs one training epoch of `steps_per_epoch(model)` steps;
    `infer_step(i)` runs inference on batch i mod 2 and returns the output sum as a float;
    `before_infer()` (optional) switches the model to eval mode."""
    spec = SPECS[model]
    steps = steps_per_epoch(model)

    def timed_epoch():
        start = time.perf_counter()
        train_epoch()
        return time.perf_counter() - start

    train_warmup = timed_epoch()  # includes any compilation
    train_secs = timed_runs(timed_epoch)
    train = median_rate(steps * spec["batch"], train_secs)

    if before_infer is not None:
        before_infer()
    passes = passes_per_run(model)

    def infer_pass():
        start = time.perf_counter()
        for i in range(passes):
            if not math.isfinite(infer_step(i % 2)):
                raise RuntimeError("non-finite inference output")
        return time.perf_counter() - start

    infer_warmup = infer_pass()
    infer_secs = timed_runs(infer_pass)
    infer = median_rate(passes * INFER_BATCH, infer_secs)
    result = {
        "train_samples_per_s": round(train),
        "infer_samples_per_s": round(infer),
        "peak_rss_mb": peak_rss_mb(),
        "batch_size": spec["batch"],
        "optimizer": spec["optimizer"],
        "train_steps_per_epoch": steps,
        "infer_batches_per_pass": passes,
        "train_warmup_s": round(train_warmup, 3),
        "infer_warmup_s": round(infer_warmup, 3),
        "train_timed_epochs": len(train_secs),
        "infer_timed_passes": len(infer_secs),
    }
    if QUICK:
        result["quick"] = True
    return result


def peak_rss_mb():
    # Linux reports ru_maxrss in KiB.
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(kb / 1024.0, 1)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def base_machine():
    return {
        "cpu": cpu_model(),
        "threads": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "date_unix": int(time.time()),
    }


def parse_args(argv, variants):
    """`[--one MODEL] [--variant NAME] [--quick] [MODEL…]` → (one, variant, quick, models)."""
    one, variant, quick, models = None, variants[0], False, []
    it = iter(argv)
    for arg in it:
        if arg in ("--one", "--variant"):
            value = next(it, None)
            if value is None:
                sys.exit(f"{arg} needs a value")
            if arg == "--one":
                one = value
            else:
                variant = value
        elif arg == "--quick":
            quick = True
        elif arg.startswith("-"):
            sys.exit(f"unknown option {arg}; expected --one MODEL, --variant NAME, --quick")
        else:
            models.append(arg)
    if variant not in variants:
        sys.exit(f"unknown variant {variant!r}; expected one of {', '.join(variants)}")
    wanted = [one] if one is not None else (MODELS if not models or models == ["all"] else models)
    bad = [m for m in wanted if m not in MODELS]
    if bad:
        sys.exit(f"unknown model {bad[0]}; expected one of {', '.join(MODELS)}")
    return one, variant, quick, wanted


def main(script, variants, run_one, machine):
    """`script [--variant NAME] [--quick] [MODEL…]`: each model in a child process
    (`script --one MODEL …`), one JSON line each. `run_one(model, variant)` measures one model and
    `machine(variant)` describes the framework; `variants` lists the names, the default first."""
    global QUICK
    one, variant, QUICK, wanted = parse_args(sys.argv[1:], variants)
    if one is not None:
        result = run_one(one, variant)
        result["variant"] = variant
        print(json.dumps({"machine": machine(variant), "models": {one: result}}), flush=True)
        return
    extra = ["--variant", variant] + (["--quick"] if QUICK else [])
    for model in wanted:
        out = subprocess.run([sys.executable, script, "--one", model, *extra], stdout=subprocess.PIPE)
        if out.returncode != 0:
            sys.exit(f"{model} ({variant}): child failed with status {out.returncode}")
        # The last line is the JSON (frameworks may print banners before it).
        print(out.stdout.decode().strip().splitlines()[-1], flush=True)
