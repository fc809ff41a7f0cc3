"""Compare the runs `just gpu-check` trained on a GPU and on the CPU (Python 3, standard library).

    python3 tests/gpu_check.py OUT

OUT holds ecg-gpu, ecg-cpu (`xent train ecg --model cnn-plain`, one categorical seed) and text-gpu,
text-cpu (`xent train text --model question`, one categorical seed). Both devices start from the
same weights (xent initialises GPU models on the CPU); the ECG network has no dropout, so only
floating-point summation order separates its two runs, while the text CNN's dropout masks come
from each backend's own generator. Hence two sets of tolerances. Prints one line per figure and
exits 1 if any is outside its tolerance.
"""
import csv
import glob
import json
import os
import sys

# (relative tolerance of the first epoch's mean training loss,
#  absolute tolerance of the final test accuracy, absolute tolerance of the final test macro-F1)
TOLERANCE = {
    "ecg": (0.01, 0.01, 0.03),
    "text": (0.05, 0.03, 0.08),
}


def one(pattern):
    found = sorted(glob.glob(pattern))
    if len(found) != 1:
        sys.exit(f"gpu-check: expected one match of {pattern}, found {found}")
    return found[0]


def first_epoch_loss(experiment):
    """The first epoch's mean training loss of the experiment's one run (ECG runs sit in
    CONFIG/seed-S/, text runs in CONFIG-seedS/)."""
    runs = glob.glob(os.path.join(experiment, "*", "history.jsonl")) + \
        glob.glob(os.path.join(experiment, "*", "seed-*", "history.jsonl"))
    if len(runs) != 1:
        sys.exit(f"gpu-check: expected one run in {experiment}, found {runs}")
    with open(runs[0]) as f:
        return json.loads(f.readline())["train"]["loss"]


def ecg_test(experiment):
    """Test accuracy and macro-F1 from the experiment's results.csv."""
    figures = {}
    with open(os.path.join(experiment, "results.csv")) as f:
        for row in csv.DictReader(f):
            if row["split"] == "test":
                figures[row["metric"]] = float(row["value"])
    return figures["accuracy"], figures["macro_f1"]


def text_test(experiment):
    """Test accuracy and macro-F1 from the run's metrics.json (the text pipeline's evaluated split)."""
    with open(one(os.path.join(experiment, "*", "metrics.json"))) as f:
        summary = json.load(f)["valid"]["summary"]
    return summary["accuracy"], summary["macro_f1"]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out, failed = sys.argv[1], False
    for name, test in (("ecg", ecg_test), ("text", text_test)):
        gpu, cpu = os.path.join(out, f"{name}-gpu"), os.path.join(out, f"{name}-cpu")
        loss_tol, acc_tol, f1_tol = TOLERANCE[name]
        lg, lc = first_epoch_loss(gpu), first_epoch_loss(cpu)
        (ag, fg), (ac, fc) = test(gpu), test(cpu)
        checks = [
            ("first-epoch training loss", lg, lc, abs(lg - lc) / abs(lc), loss_tol, "relative"),
            ("test accuracy", ag, ac, abs(ag - ac), acc_tol, "absolute"),
            ("test macro-F1", fg, fc, abs(fg - fc), f1_tol, "absolute"),
        ]
        for what, g, c, diff, tol, kind in checks:
            ok = diff <= tol
            failed |= not ok
            print(f"{name:4} {what:26} gpu {g:.6f}  cpu {c:.6f}  {kind} difference {diff:.2e} "
                  f"(tolerance {tol:g}) {'ok' if ok else 'OUTSIDE'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
