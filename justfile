# xent: every recipe builds with the one `dev` profile (optimised; see Cargo.toml), as CI does.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# The whole test suite (what CI runs), then the `xent score` CLI tests again against the binary built
# without the `train` feature (score and report only, no Burn).
test:
    cargo test --workspace
    cargo test -p xent --no-default-features --test score_cli --test score_hostile

# Extra arguments go to `xent train ecg` (see `cargo run -- train ecg --help`).
# The main job: 1D-CNN on MIT-BIH beats (train on all of DS1 → test on DS2), three loss configurations
# × 5 seeds, AAMI figures with two baselines, report (docs/ecg-results.md).
train-ecg *args:
    cargo run --quiet -- train ecg {{args}}

# Model selection on DS1 only: 5-fold patient-grouped cross-validation (pooled out-of-fold figures,
# per-epoch validation curves) of the default settings; runs/ecg/cnn-inter/cv/cv.md.
train-ecg-cv *args:
    cargo run --quiet -- train ecg --cv 5 --seeds 1 {{args}}

# Both networks, both paradigms, 10 seeds each (about an hour on 2 cores).
train-ecg-full:
    for model in cnn resnet; do for split in inter intra; do \
        cargo run --quiet -- train ecg --model $model --split $split --seeds 10 --quiet \
            --out runs/ecg-full/$model-$split; done; done

# The question's networks on the default protocol (train on all of DS1, test on DS2), categorical vs
# binary, 5 seeds each, in the default CNN's training time per run (27 s measured): the question's
# plain CNN with its SGD for 5 epochs, and the residual network on the default inputs for 3 epochs.
train-ecg-seed:
    cargo run --quiet -- train ecg --model cnn-plain --question-setup --losses categorical,binary --seeds 5 --epochs 5 --quiet \
        --out runs/ecg-seed/cnn-plain
    cargo run --quiet -- train ecg --model resnet --losses categorical,binary --seeds 5 --epochs 3 --quiet \
        --out runs/ecg-seed/resnet

# Arguments pick the rest, e.g. `just train-text --corpus r52 --model linear --seeds 0,1,2 --experiment --out runs/text/r52-linear`
# (logistic regression on TF-IDF, docs/text-results.md's accurate model: 50 s; `--model mlp`, `--model kim` for the others).
# Text topic CNNs: R8, the question's CNN, three loss configurations × 5 seeds, then logistic
# regression on TF-IDF on the same split as the reference.
train-text *args:
    cargo run --quiet -- train text --reference linear {{args}}

# MNIST uses the first 12,000 training images × 3 Adamax epochs (+ 2 Adam epochs); see docs/repro.md.
# The three published cases: MNIST CNN, Pima, softmax temperature (2 min 15 s measured); runs/repro/report.md.
repro:
    cargo run --quiet -- repro all --profile quick

# The same with all 60,000 MNIST training images and 10 Adamax epochs (26 min measured on 2 cores shared
# with other jobs; resumable); runs/repro-full/report.md.
repro-full:
    cargo run --quiet -- repro all --profile full

# Audit real Keras MNIST predictions with `xent score` (true vs reported accuracy).
score-example:
    cargo run --quiet -- score \
        --pred datasets/predictions/mnist_cnn_keras_bce/pred.npy \
        --target datasets/predictions/mnist_cnn_keras_bce/labels.npy \
        --top-k 2,3

# `xent score` without Burn: builds the binary with `score` and `report` only (no `train` feature;
# about a minute from clean, README "Set up") and audits the carried Keras MNIST predictions.
score-lite:
    cargo build --no-default-features
    target/debug/xent score \
        --pred datasets/predictions/mnist_cnn_keras_bce/pred.npy \
        --target datasets/predictions/mnist_cnn_keras_bce/labels.npy \
        --top-k 2,3

# Benchmarks (never timed tests). `just bench` runs all; `just bench MODEL` one of ecg_cnn, ecg_resnet,
# text_cnn, mnist_cnn, pima_mlp (table + bench/results.json), `peak` (the machine's measured FMA
# throughput and each model's GEMM-only ceiling, bench/peak.json), `burn-alloc` (the copy Burn's flex
# backend makes of every matmul result), or one of score, score-classes (100,000 × 10,000 classes, needs
# 4.5 GB of memory), wfdb, engine, text, repro.
bench what="all":
    #!/usr/bin/env bash
    set -euo pipefail
    case "{{what}}" in
      all) cargo run --quiet -p xent-bench
           for ex in "xent-metrics bench_score" "xent-metrics bench_score_classes" "xent-ecg bench_wfdb" "xent-core bench_engine" "xent-text bench_text" "xent-repro bench_repro"; do
             set -- $ex; echo "== $2"; cargo run --quiet -p "$1" --example "$2"; done ;;
      ecg_cnn|ecg_resnet|text_cnn|mnist_cnn|pima_mlp|peak|burn-alloc) cargo run --quiet -p xent-bench -- {{what}} ;;
      score)  cargo run --quiet -p xent-metrics --example bench_score ;;
      score-classes) cargo run --quiet -p xent-metrics --example bench_score_classes ;;
      wfdb)   cargo run --quiet -p xent-ecg --example bench_wfdb ;;
      engine) cargo run --quiet -p xent-core --example bench_engine ;;
      text)   cargo run --quiet -p xent-text --example bench_text ;;
      repro)  cargo run --quiet -p xent-repro --example bench_repro ;;
      *) echo "unknown benchmark {{what}}" >&2; exit 2 ;;
    esac

# The GPU builds compile without a GPU (the first check of each takes a quarter to half an hour on 2
# busy cores). Burn 0.22.1's CUDA runtime (cubecl-cuda 0.11.3) always pulls in cubecl-llvm, whose
# build script (tracel-llvm-bundler 23.1.0-4) downloads an LLVM bundle from github.com at build time;
# `DOCS_RS=1` makes it skip that download, as on docs.rs, so the `cuda` check type-checks all of
# xent's and Burn's CUDA code on a machine without that network (a real `cuda` build downloads the
# bundle once and needs no nvcc: cudarc loads the driver at run time).
# The binary without the `train` feature is `score` and `report` from xent-metrics, no Burn.
# Lints: clippy, docs without warnings; the builds without `train`, with `wgpu` and with `cuda` compile.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps
    cargo check -p xent --no-default-features
    cargo check -p xent --features wgpu --all-targets
    DOCS_RS=1 cargo check -p xent --features cuda --all-targets

# Regenerate the golden values with the real frameworks (needs Python 3 and PyPI access).
golden:
    python3 -m venv .venv
    .venv/bin/pip install --quiet numpy scikit-learn scipy keras tensorflow-cpu tf_keras
    for s in keras_vectors keras_rules sklearn_metrics scipy_stats mnist_predictions; do \
        TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python tests/golden/$s.py; done

# PyTorch is the default wheel from PyPI (it runs on the CPU). Creates .venv when missing.
# The Python side of `just bench-compare`: .venv with PyTorch, TensorFlow (CPU), Keras 3, NumPy.
bench-venv:
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install --quiet numpy torch tensorflow-cpu keras

# xent against PyTorch (eager and torch.compile) and Keras (fit, and fit with XLA) on the same
# machine: 3 interleaved rounds of all five models (or the ones named), ratios against each
# framework's fastest variant as the median of the per-round ratios with their range; the FMA
# peak before and after; every raw figure in bench/compare.json. Options (bench/compare.py --help):
# --rounds N, --quick (2 steps per epoch, to check that everything runs), --variants
# FRAMEWORK=V1,V2, --timeout S. A framework not importable from .venv is skipped with a message.
bench-compare *args:
    #!/usr/bin/env bash
    set -euo pipefail
    py=.venv/bin/python
    if [ ! -x "$py" ]; then echo "no .venv: PyTorch and Keras skipped (run just bench-venv)" >&2; py=python3; fi
    "$py" bench/compare.py {{args}}

# Builds xent with the device's feature, trains the plain ECG CNN (MIT-BIH, 300 beats per record, 2 epochs) and the question's text
# CNN (R8, 2,000 documents, 2 epochs), one categorical seed each, on the GPU and on the CPU, and
# compares them (tests/gpu_check.py). Both start from the same weights (GPU models are initialised
# on the CPU). Tolerances: ECG (no dropout, so only summation order differs) first-epoch training
# loss within 1 % relative, final test accuracy within 0.01 and macro-F1 within 0.03; text (dropout
# masks from each backend's own generator) 5 %, 0.03 and 0.08. Not run yet: no GPU where xent is
# developed.
# GPU against CPU on a small ECG and text model, e.g. `just gpu-check wgpu` or `just gpu-check cuda:0`.
gpu-check device="wgpu":
    #!/usr/bin/env bash
    set -euo pipefail
    feature="$(echo '{{device}}' | cut -d: -f1)"
    case "$feature" in wgpu|cuda) ;; *) echo "gpu-check: give a GPU device, wgpu[:N] or cuda[:N]" >&2; exit 2 ;; esac
    cargo build --quiet --features "$feature"
    out=$(mktemp -d "${TMPDIR:-/tmp}/xent-gpu-check-XXXXXX")
    for side in gpu cpu; do
      device='{{device}}'; [ "$side" = cpu ] && device=cpu
      target/debug/xent train ecg --model cnn-plain --beats-per-record 300 --epochs 2 --seeds 1 \
          --losses categorical --quiet --device "$device" --out "$out/ecg-$side"
      target/debug/xent train text --corpus r8 --model question --limit 2000 --epochs 2 --seeds 1 \
          --losses categorical --quiet --device "$device" --out "$out/text-$side"
    done
    python3 tests/gpu_check.py "$out"

# The fuzz targets, one per reader (fuzz/fuzz_targets; docs/reliability.md).
fuzz-list:
    @ls fuzz/fuzz_targets | sed 's/\.rs$//'

# libFuzzer with a 5 s per-input timeout and a 2 GB RSS limit, seeded from fuzz/seeds/TARGET
# (read-only); new inputs go to fuzz/corpus/TARGET, crashes to fuzz/artifacts/TARGET (both ignored
# by git). Needs cargo-fuzz (`cargo install cargo-fuzz --locked`), run on the stable toolchain with
# RUSTC_BOOTSTRAP=1; the first run builds the instrumented workspace, Burn included, under
# fuzz/target (10–20 min).
# Fuzz one reader for SECONDS, e.g. `just fuzz wfdb_header 600`.
fuzz target seconds="60":
    #!/usr/bin/env bash
    set -euo pipefail
    [ -f fuzz/fuzz_targets/{{target}}.rs ] || { echo "unknown fuzz target {{target}} (just fuzz-list)" >&2; exit 2; }
    shm=/dev/shm; [ -d "$shm" ] || shm="${TMPDIR:-/tmp}"
    scratch=$(mktemp -d "$shm/xent-fuzz-XXXXXX")
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p fuzz/corpus/{{target}}
    cd fuzz
    XENT_FUZZ_SCRATCH="$scratch" RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none --codegen-units 16 {{target}} \
        corpus/{{target}} seeds/{{target}} -- \
        -max_total_time={{seconds}} -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
