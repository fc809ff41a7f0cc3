"""Golden statistics from SciPy for comparing two sets of runs (e.g. per-seed accuracies).

Run from the repository root (inside the venv, see keras_vectors.py for the install line):

    python tests/golden/scipy_stats.py

Writes tests/golden/scipy_stats.json next to this script.
Generated with: Python 3.11.7, numpy 2.4.6, scipy 1.17.1 (other framework versions recorded in the JSON).

Samples are given as decimal literals; SciPy sees the float64 values those literals parse to.
Cohen's d has no SciPy function: it is computed with numpy from var(ddof=1) (formula in the JSON).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import GOLDEN_DIR, rel, versions, write_json  # noqa: E402

import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

PAIRS = [
    ("n5_accuracies", [0.912, 0.905, 0.921, 0.899, 0.915], [0.901, 0.897, 0.915, 0.893, 0.902]),
    ("n10_different_means",
     [0.7412, 0.7633, 0.7298, 0.7511, 0.7724, 0.7389, 0.7456, 0.7601, 0.7350, 0.7543],
     [0.7211, 0.7402, 0.7330, 0.7105, 0.7489, 0.7262, 0.7158, 0.7391, 0.7224, 0.7316]),
    ("n10_equal_means",  # both means are exactly 5.5
     [2.0, 4.0, 6.0, 8.0, 10.0, 1.0, 3.0, 5.0, 7.0, 9.0],
     [5.0, 5.5, 6.0, 5.0, 6.0, 5.5, 5.0, 6.0, 5.5, 5.5]),
]

FORMULAS = {
    "mean": "numpy.mean",
    "std": "numpy.std(ddof=1)",
    "sem": "scipy.stats.sem (ddof=1) = std / sqrt(n)",
    "ci95_mean": "scipy.stats.t.interval(0.95, n-1, loc=mean, scale=sem)",
    "welch": "scipy.stats.ttest_ind(a, b, equal_var=False): statistic, pvalue (two-sided), df "
             "(Welch-Satterthwaite, the result's .df)",
    "student": "scipy.stats.ttest_ind(a, b, equal_var=True): statistic, pvalue, df = na + nb - 2",
    "paired": "scipy.stats.ttest_rel(a, b): statistic, pvalue (two-sided), df = n - 1; differences d = a - b",
    "paired_ci95_mean_diff": "scipy.stats.t.interval(0.95, n-1, loc=mean(d), scale=sem(d)); also "
                             "ttest_rel(a, b).confidence_interval(0.95)",
    "cohens_d_pooled": "(mean_a - mean_b) / sqrt(((na-1)*var_a + (nb-1)*var_b) / (na+nb-2)), var with ddof=1",
    "cohens_dz_paired": "mean(d) / std(d, ddof=1)",
}


def describe(x):
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    mean = float(np.mean(x))
    sem = float(stats.sem(x))
    lo, hi = stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
    return {"n": n, "values": [float(v) for v in x], "mean": mean, "std": float(np.std(x, ddof=1)),
            "sem": sem, "ci95_mean": [float(lo), float(hi)]}


pairs = []
for name, a, b in PAIRS:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    welch = stats.ttest_ind(a, b, equal_var=False)
    student = stats.ttest_ind(a, b, equal_var=True)
    entry = {"name": name, "a": describe(a), "b": describe(b)}
    entry["welch"] = {"statistic": float(welch.statistic), "pvalue": float(welch.pvalue), "df": float(welch.df)}
    entry["student"] = {"statistic": float(student.statistic), "pvalue": float(student.pvalue),
                        "df": float(student.df)}
    va, vb = np.var(a, ddof=1), np.var(b, ddof=1)
    na, nb = len(a), len(b)
    entry["cohens_d_pooled"] = float((a.mean() - b.mean()) / np.sqrt(((na - 1) * va + (nb - 1) * vb) / (na + nb - 2)))
    if na == nb:
        d = a - b
        rel_t = stats.ttest_rel(a, b)
        lo, hi = stats.t.interval(0.95, na - 1, loc=float(np.mean(d)), scale=float(stats.sem(d)))
        ci = rel_t.confidence_interval(0.95)
        entry["paired"] = {
            "statistic": float(rel_t.statistic), "pvalue": float(rel_t.pvalue), "df": float(rel_t.df),
            "mean_diff": float(np.mean(d)), "std_diff": float(np.std(d, ddof=1)),
            "ci95_mean_diff": [float(lo), float(hi)],
            "ci95_mean_diff_from_ttest_rel": [float(ci.low), float(ci.high)],
            "cohens_dz": float(np.mean(d) / np.std(d, ddof=1)),
        }
    pairs.append(entry)

out = {"versions": versions(), "generated_by": rel(__file__), "formulas": FORMULAS, "pairs": pairs}
path = write_json(os.path.join(GOLDEN_DIR, "scipy_stats.json"), out)
print(f"wrote {rel(path)}: {len(pairs)} pairs")
