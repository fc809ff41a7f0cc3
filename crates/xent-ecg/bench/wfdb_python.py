"""Yardstick for examples/bench_wfdb.rs: the `wfdb` Python package reading all records of a WFDB
directory (rdrecord digital samples + rdann), 1 warm-up + 5 timed runs, median reported.

    python3 -m venv .venv && .venv/bin/pip install wfdb
    .venv/bin/python crates/xent-ecg/bench/wfdb_python.py [DIR]
"""
import os
import statistics
import sys
import time

import wfdb

d = sys.argv[1] if len(sys.argv) > 1 else "datasets/mitdb"
names = [l.strip() for l in open(os.path.join(d, "RECORDS")) if l.strip()]
size = sum(os.path.getsize(os.path.join(d, f"{n}.{e}")) for n in names for e in ("hea", "dat", "atr"))


def run():
    t = time.perf_counter()
    total = 0
    for n in names:
        rec = wfdb.rdrecord(os.path.join(d, n), physical=False)
        ann = wfdb.rdann(os.path.join(d, n), "atr")
        total += rec.d_signal.shape[0] + len(ann.sample)
    return time.perf_counter() - t


run()
times = sorted(run() for _ in range(5))
m = statistics.median(times)
print(f"wfdb {wfdb.__version__}: {len(names)} records ({size / 1e6:.1f} MB) in {m * 1e3:.0f} ms median of 5 "
      f"-> {len(names) / m:.1f} records/s, {size / 1e6 / m:.1f} MB/s")
