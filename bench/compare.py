"""`just bench-compare [MODEL]`: xent against PyTorch and Keras, from the same run on the same machine.

For each model (interleaved, so that load changes hit all three alike) it runs
`cargo run --quiet -p xent-bench -- MODEL`, then `bench/reference/torch_bench.py MODEL` and
`bench/reference/keras_bench.py MODEL` with this interpreter (a framework that is not importable is
skipped, with a message), prints one Markdown table and writes everything to bench/compare.json.
Run it with the project's virtualenv: `.venv/bin/python bench/compare.py [MODEL…]`.
"""

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["ecg_cnn", "ecg_resnet", "text_cnn", "mnist_cnn", "pima_mlp"]
FRAMEWORKS = [("pytorch", "torch", "bench/reference/torch_bench.py"),
              ("keras", "keras, tensorflow", "bench/reference/keras_bench.py")]


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def importable(modules):
    r = subprocess.run([sys.executable, "-c", f"import {modules}"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    return r.returncode == 0


def run_xent(model):
    subprocess.run(["cargo", "run", "--quiet", "-p", "xent-bench", "--", model], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(ROOT, "bench/results.json")) as f:
        doc = json.load(f)
    return doc["machine"], doc["models"][model]


def run_peak():
    """The machine's measured FMA throughput and each model's GEMM-only ceiling (`xent-bench peak`)."""
    print("== peak: FMA throughput and GEMM ceilings", file=sys.stderr, flush=True)
    subprocess.run(["cargo", "run", "--quiet", "-p", "xent-bench", "--", "peak"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(ROOT, "bench/peak.json")) as f:
        return json.load(f)


def run_reference(script, model):
    out = subprocess.run([sys.executable, script, model], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:  # framework banners on stderr are shown only when something failed
        sys.stderr.write(out.stderr.decode())
        sys.exit(f"{script} {model} failed with status {out.returncode}")
    doc = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return doc["machine"], doc["models"][model]


def fmt(x):
    return "–" if x is None else f"{x:,.0f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else round(a / b, 2)


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def main():
    args = sys.argv[1:]
    wanted = MODELS if not args or args == ["all"] else args
    bad = [m for m in wanted if m not in MODELS]
    if bad:
        sys.exit(f"unknown model {bad[0]}; expected one of {', '.join(MODELS)}")
    available = []
    for name, modules, script in FRAMEWORKS:
        if importable(modules):
            available.append((name, script))
        else:
            print(f"{name}: `import {modules}` fails in {sys.executable}: skipped (run `just bench-venv`)",
                  file=sys.stderr)
    # Build first so no compilation lands inside a measurement.
    subprocess.run(["cargo", "build", "--quiet", "--bin", "xent-bench"], cwd=ROOT, check=True)
    peak = run_peak()

    machine = {"date_unix": int(time.time()), "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
               "loadavg_start": loadavg(), "python": sys.executable}
    results = {}
    for model in wanted:
        row = {"loadavg_before": loadavg()}
        print(f"== {model}: xent", file=sys.stderr, flush=True)
        machine["xent"], row["xent"] = run_xent(model)
        for name, script in available:
            print(f"== {model}: {name}", file=sys.stderr, flush=True)
            machine[name], row[name] = run_reference(script, model)
        row["loadavg_after"] = loadavg()
        x = row["xent"]
        for name, _ in available:
            for key in ("train_samples_per_s", "infer_samples_per_s"):
                row.setdefault("ratios", {})[f"{key}_xent_over_{name}"] = ratio(x[key], row[name][key])
        results[model] = row
    machine["loadavg_end"] = loadavg()
    doc = {"machine": machine, "peak": peak, "models": results}
    path = os.path.join(ROOT, "bench/compare.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    def get(model, fw, key):
        return results[model].get(fw, {}).get(key)

    head = ("| model | train xent | train PyTorch | train Keras | xent÷PyTorch | xent÷Keras "
            "| infer xent | infer PyTorch | infer Keras | xent÷PyTorch | xent÷Keras "
            "| peak MB xent / PyTorch / Keras |")
    print(head)
    print("|---|" + "---:|" * 11)
    for m in wanted:
        cells = [m]
        for key in ("train_samples_per_s", "infer_samples_per_s"):
            xs = get(m, "xent", key)
            ts, ks = get(m, "pytorch", key), get(m, "keras", key)
            cells += [fmt(xs), fmt(ts), fmt(ks), fmt_ratio(ratio(xs, ts)), fmt_ratio(ratio(xs, ks))]
        cells.append(" / ".join(fmt(get(m, fw, "peak_rss_mb")) for fw in ("xent", "pytorch", "keras")))
        print("| " + " | ".join(cells) + " |")
    print(f"(samples/s; load average {machine['loadavg_start']} at start, {machine['loadavg_end']} at end; "
          f"written: bench/compare.json)")
    print()
    print_ceilings(wanted, results, peak)


def flop_text(flop):
    return f"{flop / 1e6:.2f} M" if flop >= 1e6 else f"{flop / 1e3:.2f} k"


def print_ceilings(wanted, results, peak):
    """GFLOP/s of all three from xent's FLOP count, against the measured FMA peak and the GEMM-only ceiling."""
    fma = peak["fma_gflop_per_s"].get("avx512", peak["fma_gflop_per_s"].get("avx2", {})).get("all_threads")
    print(f"Measured FMA peak: {fma} GFLOP/s (all threads); GEMM ceiling: the model's matrix products alone "
          f"through the gemm crate (`xent-bench peak`).")
    print("| model | step | FLOP/sample | GFLOP/s xent / PyTorch / Keras | % of FMA peak xent / PyTorch / Keras "
          "| GEMM ceiling samples/s | 1.5 × best reference | ÷ ceiling |")
    print("|---|---|---:|---|---|---:|---:|---:|")
    for m in wanted:
        x = results[m]["xent"]
        flop = x.get("flop_per_sample")
        if not flop:
            continue
        for step, key in (("train", "train_samples_per_s"), ("infer", "infer_samples_per_s")):
            rates = [results[m].get(fw, {}).get(key) for fw in ("xent", "pytorch", "keras")]
            gflops = [None if r is None else r * flop[step] / 1e9 for r in rates]
            share = [None if g is None or not fma else 100 * g / fma for g in gflops]
            ceiling = peak["gemm_ceiling"].get(m, {}).get(key)
            refs = [r for r in rates[1:] if r is not None]
            target = 1.5 * max(refs) if refs else None
            print(f"| {m} | {step} | {flop_text(flop[step])} "
                  f"| {' / '.join('–' if g is None else f'{g:.3g}' for g in gflops)} "
                  f"| {' / '.join('–' if p is None else f'{p:.0f} %' if p >= 10 else f'{p:.2g} %' for p in share)} "
                  f"| {fmt(ceiling)} | {fmt(target)} | {fmt_ratio(ratio(target, ceiling))} |")
    print("(FLOP/sample and the GEMM ceiling count the direct convolution's products. In inference xent's text "
          "CNN projects each distinct token once and its MNIST CNN runs the 3×3 layer by Winograd F(2×2, 3×3), "
          "both fewer products: their GFLOP/s are direct-convolution equivalents and can exceed the peak.)")


if __name__ == "__main__":
    main()
