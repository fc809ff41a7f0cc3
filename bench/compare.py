"""`just bench-compare [--rounds N] [--quick] [--variants FRAMEWORK=V,…] [MODEL…]`: xent against
PyTorch and Keras, on the same machine in the same run.

The run is made of rounds (3 by default). Each round measures every model once with each
framework in turn: `xent-bench --one MODEL`, then `bench/reference/torch_bench.py --one MODEL
--variant V` for each PyTorch variant, then `bench/reference/keras_bench.py --one MODEL --variant
V` for each Keras variant, each in a process of its own. A ratio is taken within a round, against
the fastest variant of each framework in that round, so that a change of load between rounds moves
both sides of it; the report gives, per model and for training and inference, the median of the
per-round ratios with their lowest and highest, and which variant was the fastest. `xent-bench
peak` (the machine's FMA throughput and each model's GEMM ceiling) runs before the first round and
after the last.

A variant that fails (an exception, a non-zero exit, a timeout) is reported as failed, with its
error, in the table and in the JSON; the other variants still count. A framework whose modules
do not import is skipped, with a message.

Everything goes to bench/compare.json (rewritten after every measurement, so an interrupted run
keeps what it measured): the settings, the machine (CPU from /proc/cpuinfo, date, git commit,
framework versions and threads), both peak runs, every round's raw result of every variant, and
the summary. Run it with the project's virtualenv: `.venv/bin/python bench/compare.py …`.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench/compare.json")
MODELS = ["ecg_cnn", "ecg_resnet", "text_cnn", "mnist_cnn", "pima_mlp"]
STEPS = (("train", "train_samples_per_s"), ("infer", "infer_samples_per_s"))
# name: (modules that must import, script, its variants (as the script's VARIANTS), the default ones)
FRAMEWORKS = {
    "pytorch": ("torch", "bench/reference/torch_bench.py", ["eager", "compile", "max_autotune"],
                ["eager", "compile"]),
    "keras": ("keras, tensorflow", "bench/reference/keras_bench.py", ["fit", "xla", "train_on_batch"],
              ["fit", "xla"]),
}
LABEL = {"xent": "xent", "pytorch": "PyTorch", "keras": "Keras"}


def loadavg():
    return [round(x, 2) for x in os.getloadavg()]


def now_utc():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def cpu_info():
    """Model name, family/model/stepping and the vector extensions that matter here, from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError as e:
        return {"error": f"/proc/cpuinfo: {e}"}
    flags = set(fields.get("flags", "").split())
    return {
        "model_name": fields.get("model name"),
        "vendor": fields.get("vendor_id"),
        "family": fields.get("cpu family"),
        "model": fields.get("model"),
        "stepping": fields.get("stepping"),
        "cache_size": fields.get("cache size"),
        "avx2": "avx2" in flags, "fma": "fma" in flags, "avx512f": "avx512f" in flags,
        "threads": os.cpu_count(),
    }


def git(*args):
    r = subprocess.run(["git", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def importable(modules):
    r = subprocess.run([sys.executable, "-c", f"import {modules}"], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if r.returncode == 0:
        return None
    lines = [line for line in r.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {r.returncode}"


def error_line(stderr):
    """The line of a child's stderr that says what went wrong: the last exception or panic line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for i in range(len(lines) - 1, -1, -1):
        line, head = lines[i], lines[i].split(":", 1)[0]
        if "panicked at" in line and i + 1 < len(lines):
            return f"{line} {lines[i + 1]}"[:1000]  # Rust prints the panic message on the next line
        if head.endswith(("Error", "Exception", "Interrupt")) or "panicked at" in line or head == "error":
            return line[:1000]
    return lines[-1][:1000] if lines else ""


def run_json(cmd, model, timeout):
    """Runs one measurement; returns the model's result (with the child's machine block under
    "_machine") or {"error": …, "stderr_tail": …}. Either way with its wall time."""
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                             env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL=os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")))
    except subprocess.TimeoutExpired as e:
        tail = (e.stderr or b"").decode(errors="replace").splitlines()[-30:]
        return {"error": f"timed out after {timeout:g} s", "stderr_tail": tail,
                "wall_s": round(time.perf_counter() - start, 1)}
    wall = round(time.perf_counter() - start, 1)
    stderr = out.stderr.decode(errors="replace")
    if out.returncode != 0:
        msg = error_line(stderr) or "(nothing on stderr)"
        return {"error": f"exit status {out.returncode}: {msg}", "stderr_tail": stderr.splitlines()[-30:],
                "wall_s": wall}
    try:
        doc = json.loads(out.stdout.decode().strip().splitlines()[-1])
    except (IndexError, ValueError) as e:
        return {"error": f"no JSON result on stdout ({e})", "stderr_tail": stderr.splitlines()[-30:], "wall_s": wall}
    result = doc["models"][model] if "models" in doc else doc
    result["wall_s"] = wall
    if "machine" in doc:
        result["_machine"] = doc["machine"]
    return result


def xent_bench_path():
    meta = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT, check=True,
                          stdout=subprocess.PIPE, text=True)
    return os.path.join(json.loads(meta.stdout)["target_directory"], "debug", "xent-bench")


def run_peak(exe):
    """The machine's measured FMA throughput and each model's GEMM-only ceiling (`xent-bench peak`)."""
    log("peak: FMA throughput and GEMM ceilings")
    r = subprocess.run([exe, "peak"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return {"error": f"xent-bench peak: exit status {r.returncode}: {error_line(r.stderr)}"}
    with open(os.path.join(ROOT, "bench/peak.json")) as f:
        doc = json.load(f)
    doc["measured_at"] = now_utc()
    return doc


def fma_all_threads(peak):
    """{"avx2": GFLOP/s, "avx512": GFLOP/s} on all threads, for the instruction sets measured."""
    fma = (peak or {}).get("fma_gflop_per_s", {})
    return {isa: fma[isa]["all_threads"] for isa in ("avx2", "avx512") if isinstance(fma.get(isa), dict)}


def summarise(rounds, models, variants):
    """Per model and step: xent's median rate; per reference framework, the per-round ratio xent ÷
    fastest variant, their median, min and max, and how often each variant was the fastest; per
    variant, its median rate or its errors."""
    out = {}
    for model in models:
        runs = [r["models"][model] for r in rounds if model in r["models"]]
        per_model = {}
        for step, key in STEPS:
            xs = [run.get("xent", {}).get(key) for run in runs]
            entry = {"xent": {"per_round": xs, "median": median(xs)}}
            for fw, names in variants.items():
                best_rates, best_names, ratios = [], [], []
                for run, x in zip(runs, xs):
                    done = {v: res[key] for v, res in run.get(fw, {}).items() if res.get(key)}
                    if not done:
                        best_rates.append(None)
                        best_names.append(None)
                        ratios.append(None)
                        continue
                    v = max(done, key=done.get)
                    best_rates.append(done[v])
                    best_names.append(v)
                    ratios.append(round(x / done[v], 3) if x else None)
                got = [r for r in ratios if r is not None]
                wins = {v: best_names.count(v) for v in names if best_names.count(v)}
                per_variant = {}
                for v in names:
                    results = [run.get(fw, {}).get(v) for run in runs]
                    rates = [res.get(key) if res else None for res in results]
                    errors = sorted({res["error"] for res in results if res and "error" in res})
                    per_variant[v] = {"per_round": rates, "median": median(rates)}
                    if errors:
                        per_variant[v]["errors"] = errors
                entry[fw] = {
                    "fastest_variant_per_round": best_names,
                    "fastest_rate_per_round": best_rates,
                    "fastest_rate_median": median(best_rates),
                    "ratio_per_round": ratios,
                    "ratio_median": round(statistics.median(got), 3) if got else None,
                    "ratio_min": min(got) if got else None,
                    "ratio_max": max(got) if got else None,
                    "fastest_variant_wins": wins,
                    "variants": per_variant,
                }
            per_model[step] = entry
        out[model] = per_model
    return out


def median(values):
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def fmt(x):
    return "–" if x is None else f"{x:,.0f}"


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}×"


def ratio_cell(s):
    if s["ratio_median"] is None:
        return "–"
    return f"**{s['ratio_median']:.2f}×** ({s['ratio_min']:.2f}–{s['ratio_max']:.2f})"


def wins_cell(s, rounds):
    wins = s["fastest_variant_wins"]
    if not wins:
        return "all failed" if any("errors" in v for v in s["variants"].values()) else "not measured"
    return ", ".join(f"{v} {n}/{rounds}" for v, n in sorted(wins.items(), key=lambda kv: -kv[1]))


def print_report(doc, models, variants):
    summary, n = doc["summary"], len(doc["rounds"])
    fws = list(variants)
    print(f"Ratios xent ÷ the fastest variant of each framework, per round; median of {n} round(s) "
          f"(lowest–highest). Samples/s: medians over the rounds (a reference's: of its fastest variant per round).")
    head = "| model | step | xent samples/s |"
    for fw in fws:
        head += f" {LABEL[fw]} samples/s | xent÷{LABEL[fw]} | fastest {LABEL[fw]} variant (rounds) |"
    print(head)
    print("|---|---|---:|" + "---:|---:|---|" * len(fws))
    for m in models:
        for step, _ in STEPS:
            s = summary[m][step]
            cells = [m, step, fmt(s["xent"]["median"])]
            for fw in fws:
                cells += [fmt(s[fw]["fastest_rate_median"]), ratio_cell(s[fw]), wins_cell(s[fw], n)]
            print("| " + " | ".join(cells) + " |")
    print()
    print("Every variant, median samples/s over the rounds (train / infer), and peak MB in the last round:")
    print("| model | " + " | ".join(f"{LABEL[fw]} {v}" for fw in fws for v in variants[fw]) + " | xent |")
    print("|---|" + "---|" * (sum(len(v) for v in variants.values()) + 1))
    for m in models:
        last = [r["models"][m] for r in doc["rounds"] if m in r["models"]][-1]
        cells = [m]
        for fw in fws:
            for v in variants[fw]:
                t, i = summary[m]["train"][fw]["variants"][v], summary[m]["infer"][fw]["variants"][v]
                if t["median"] is None and i["median"] is None:
                    cells.append("failed" if "errors" in t else "not measured")
                else:
                    mb = last.get(fw, {}).get(v, {}).get("peak_rss_mb")
                    cells.append(f"{fmt(t['median'])} / {fmt(i['median'])} ({fmt(mb)} MB)")
        x = summary[m]
        cells.append(f"{fmt(x['train']['xent']['median'])} / {fmt(x['infer']['xent']['median'])} "
                     f"({fmt(last.get('xent', {}).get('peak_rss_mb'))} MB)")
        print("| " + " | ".join(cells) + " |")
    failures = []
    for r in doc["rounds"]:
        for m, row in r["models"].items():
            if "error" in row.get("xent", {}):
                failures.append((r["round"], m, "xent", row["xent"]["error"]))
            for fw in fws:
                for v, res in row.get(fw, {}).items():
                    if "error" in res:
                        failures.append((r["round"], m, f"{fw} {v}", res["error"]))
    if failures:
        print()
        print("Failed (round, model, variant: error; the stderr tails are in bench/compare.json):")
        for rnd, m, what, err in failures:
            print(f"- round {rnd}, {m}, {what}: {err}")
    print()
    start, end = fma_all_threads(doc["peak_start"]), fma_all_threads(doc["peak_end"])
    peaks = "; ".join(f"{isa} {start.get(isa, '–')} at the start, {end.get(isa, '–')} at the end"
                      for isa in sorted(set(start) | set(end)))
    print(f"Measured FMA peak, GFLOP/s on all threads: {peaks or 'not measured'}.")
    m = doc["machine"]
    print(f"{m['cpu'].get('model_name')}, {m['cpu'].get('threads')} threads; commit {m['git_commit']}"
          f"{' (with uncommitted changes)' if m['git_dirty'] else ''}; load average {m['loadavg_start']} at the "
          f"start, {m['loadavg_end']} at the end; {m['started']} to {m['finished']}; written: bench/compare.json")
    threads = m["cpu"].get("threads") or os.cpu_count()
    loads = [m["loadavg_start"][0], m["loadavg_end"][0]] + [
        row[k][0] for r in doc["rounds"] for row in r["models"].values() for k in ("loadavg_before", "loadavg_after")
        if k in row]
    if threads and max(loads) > threads:
        print(f"Warning: the 1-minute load average reached {max(loads)} on {threads} threads during the run: other "
              f"processes took CPU time, and they do not slow every framework alike. Re-run on a quieter machine "
              f"before quoting these ratios.")
    if doc["settings"]["quick"]:
        print("--quick: a few steps per epoch; these figures only show that everything runs.")
    if doc["settings"].get("interrupted"):
        print("Interrupted: the figures above are from the measurements finished before it; no peak at the end.")
    print()
    print_ceilings(models, summary, [doc["peak_start"], doc["peak_end"]], fws)


def flop_text(flop):
    return f"{flop / 1e6:.2f} M" if flop >= 1e6 else f"{flop / 1e3:.2f} k"


def best_of(peaks):
    """The higher of each measurement in `xent-bench peak` documents (before the first round and
    after the last): the FMA peak on all threads per instruction set, and each model's GEMM ceiling
    per step. A ceiling is what the machine reaches when nothing else takes the cores, so the
    better of the two measurements is the nearer to it."""
    fma, ceilings = {}, {}
    for peak in peaks:
        for isa, rate in fma_all_threads(peak).items():
            fma[isa] = max(fma.get(isa, 0.0), rate)
        for m, steps in ((peak or {}).get("gemm_ceiling") or {}).items():
            best = ceilings.setdefault(m, {})
            for key, rate in steps.items():
                best[key] = max(best.get(key, 0.0), rate)
    return fma, ceilings


def print_ceilings(models, summary, peaks, fws):
    """GFLOP/s of xent and the references' fastest variants from xent's FLOP count, against the FMA
    peak and the GEMM-only ceiling, each the higher of its measurements before the first round and
    after the last."""
    fma_by_isa, ceilings = best_of(peaks)
    fma = fma_by_isa.get("avx512", fma_by_isa.get("avx2"))
    if not ceilings:
        return
    names = " / ".join(["xent"] + [LABEL[fw] for fw in fws])
    print(f"Measured FMA peak: {fma} GFLOP/s (all threads); GEMM ceiling: the model's matrix products alone "
          f"through the gemm crate (`xent-bench peak`); each the higher of its measurements before the first round "
          f"and after the last. Rates: medians over the rounds.")
    print(f"| model | step | FLOP/sample | GFLOP/s {names} | % of FMA peak {names} "
          "| GEMM ceiling samples/s | xent ÷ ceiling | 1.5 × best reference | ÷ ceiling |")
    print("|---|---|---:|---|---|---:|---:|---:|---:|")
    for m in models:
        flop = summary[m].get("flop_per_sample")
        if not flop:
            continue
        for step, key in STEPS:
            s = summary[m][step]
            rates = [s["xent"]["median"]] + [s[fw]["fastest_rate_median"] for fw in fws]
            gflops = [None if r is None else r * flop[step] / 1e9 for r in rates]
            share = [None if g is None or not fma else 100 * g / fma for g in gflops]
            ceiling = ceilings.get(m, {}).get(key)
            refs = [r for r in rates[1:] if r is not None]
            target = 1.5 * max(refs) if refs else None
            print(f"| {m} | {step} | {flop_text(flop[step])} "
                  f"| {' / '.join('–' if g is None else f'{g:.3g}' for g in gflops)} "
                  f"| {' / '.join('–' if p is None else f'{p:.0f} %' if p >= 10 else f'{p:.2g} %' for p in share)} "
                  f"| {fmt(ceiling)} | {fmt_ratio(None if rates[0] is None or not ceiling else rates[0] / ceiling)} "
                  f"| {fmt(target)} | {fmt_ratio(None if target is None or not ceiling else target / ceiling)} |")
    print("(FLOP/sample and the GEMM ceiling count the direct convolution's products. In inference xent computes "
          "fewer: the text CNN projects each distinct token once, the MNIST CNN runs its 3×3 layer by Winograd "
          "F(2×2, 3×3), the ECG CNN its second layer and the ResNet its blocks by F(4, 5); their "
          "GFLOP/s are direct-convolution equivalents and can exceed the peak.)")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="bench/compare.py",
        description="xent against PyTorch and Keras in interleaved rounds; writes bench/compare.json.")
    p.add_argument("models", nargs="*", metavar="MODEL", help=f"all (default) or some of {', '.join(MODELS)}")
    p.add_argument("--rounds", type=int, default=3, help="rounds of every model and framework (default 3)")
    p.add_argument("--quick", action="store_true",
                   help="2 training steps per epoch and 1 inference batch per pass: checks that everything runs")
    p.add_argument("--variants", action="append", default=[], metavar="FRAMEWORK=V1,V2",
                   help="the variants of one framework to run, e.g. pytorch=eager,compile,max_autotune or "
                        "keras=fit (defaults: " + "; ".join(f"{fw}={','.join(d[3])}" for fw, d in FRAMEWORKS.items())
                        + ")")
    p.add_argument("--timeout", type=float, default=1800.0,
                   help="seconds before one measurement (one model, one variant) counts as failed (default 1800)")
    a = p.parse_args(argv)
    models = MODELS if not a.models or a.models == ["all"] else a.models
    bad = [m for m in models if m not in MODELS]
    if bad:
        p.error(f"unknown model {bad[0]}; expected one of {', '.join(MODELS)}")
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    variants = {fw: list(d[3]) for fw, d in FRAMEWORKS.items()}
    for spec in a.variants:
        fw, eq, names = spec.partition("=")
        if not eq or fw not in FRAMEWORKS:
            p.error(f"--variants {spec!r}: expected FRAMEWORK=V1,V2 with FRAMEWORK one of {', '.join(FRAMEWORKS)}")
        chosen = [v for v in names.split(",") if v]
        unknown = [v for v in chosen if v not in FRAMEWORKS[fw][2]]
        if not chosen or unknown:
            p.error(f"--variants {spec!r}: {fw}'s variants are {', '.join(FRAMEWORKS[fw][2])}")
        variants[fw] = chosen
    return a, models, variants


def main():
    args, models, variants = parse_args(sys.argv[1:])
    skipped = {}
    for fw in list(variants):
        why = importable(FRAMEWORKS[fw][0])
        if why is not None:
            skipped[fw] = f"`import {FRAMEWORKS[fw][0]}` fails in {sys.executable}: {why}"
            log(f"{fw}: skipped: {skipped[fw]} (run `just bench-venv`)")
            del variants[fw]
    # Build first so no compilation lands inside a measurement.
    log("building xent-bench")
    subprocess.run(["cargo", "build", "--quiet", "-p", "xent-bench"], cwd=ROOT, check=True)
    exe = xent_bench_path()
    quick = ["--quick"] if args.quick else []

    commit = git("rev-parse", "HEAD")
    doc = {
        "settings": {"rounds": args.rounds, "quick": args.quick, "models": models, "variants": variants,
                     "skipped_frameworks": skipped, "timeout_s": args.timeout,
                     "order": "per round, per model: xent, then each PyTorch variant, then each Keras variant"},
        "machine": {"cpu": cpu_info(), "started": now_utc(), "date_unix": int(time.time()),
                    "git_commit": commit, "git_describe": git("describe", "--always", "--dirty"),
                    "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
                    "python": sys.executable, "loadavg_start": loadavg(), "frameworks": {}},
        "peak_start": None, "peak_end": None, "rounds": [], "summary": None,
    }

    def save():
        with open(OUT, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")

    doc["peak_start"] = run_peak(exe)
    if "machine" in doc["peak_start"]:
        doc["machine"]["frameworks"]["xent"] = doc["peak_start"]["machine"]
    save()

    def keep_machine(fw, result):
        block = result.pop("_machine", None)
        if block and fw not in doc["machine"]["frameworks"]:
            doc["machine"]["frameworks"][fw] = {k: v for k, v in block.items() if k not in ("variant", "date_unix")}

    try:
        for rnd in range(1, args.rounds + 1):
            this = {"round": rnd, "started": now_utc(), "models": {}}
            doc["rounds"].append(this)
            for model in models:
                row = {"loadavg_before": loadavg()}
                log(f"round {rnd}/{args.rounds}, {model}: xent")
                row["xent"] = run_json([exe, "--one", model, *quick], model, args.timeout)
                this["models"][model] = row
                keep_machine("xent", row["xent"])
                save()
                for fw, names in variants.items():
                    row[fw] = {}
                    for v in names:
                        log(f"round {rnd}/{args.rounds}, {model}: {fw} {v}")
                        res = run_json([sys.executable, FRAMEWORKS[fw][1], "--one", model, "--variant", v, *quick],
                                       model, args.timeout)
                        keep_machine(fw, res)
                        if "error" in res:
                            log(f"  failed: {res['error']}")
                        row[fw][v] = res
                        save()
                row["loadavg_after"] = loadavg()
            this["finished"] = now_utc()
        doc["peak_end"] = run_peak(exe)
    except KeyboardInterrupt:
        # Report what was measured; the measurement under way is lost.
        log("interrupted: summarising the measurements made so far")
        doc["settings"]["interrupted"] = True
        doc["rounds"] = [r for r in doc["rounds"] if r["models"]]
        models = [m for m in models if any(m in r["models"] for r in doc["rounds"])]
        if not models:
            save()
            sys.exit("interrupted before the first measurement")
    doc["machine"]["finished"] = now_utc()
    doc["machine"]["loadavg_end"] = loadavg()
    doc["summary"] = summarise(doc["rounds"], models, variants)
    for m in models:
        flop = next((r["models"][m]["xent"].get("flop_per_sample") for r in doc["rounds"]
                     if m in r["models"] and r["models"][m]["xent"].get("flop_per_sample")), None)
        doc["summary"][m]["flop_per_sample"] = flop
    save()
    print_report(doc, models, variants)


if __name__ == "__main__":
    main()
