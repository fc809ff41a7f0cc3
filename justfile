# xent: every recipe builds with the one `dev` profile (optimised; see Cargo.toml), as CI does.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# The whole test suite (what CI runs).
test:
    cargo test --workspace

# The main job on carried data: audit real Keras MNIST predictions (true vs reported accuracy).
score-example:
    cargo run --quiet -- score \
        --pred datasets/predictions/mnist_cnn_keras_bce/pred.npy \
        --target datasets/predictions/mnist_cnn_keras_bce/labels.npy \
        --top-k 2,3

# Benchmarks (never timed tests): `just bench`, or one of: score, wfdb, engine.
bench what="all":
    #!/usr/bin/env bash
    set -euo pipefail
    run() { echo "== $1"; shift; "$@"; }
    case "{{what}}" in
      all|score)  run score  cargo run --quiet -p xent-core --example bench_score ;;&
      all|wfdb)   run wfdb   cargo run --quiet -p xent-ecg --example bench_wfdb ;;&
      all|engine) run engine cargo run --quiet -p xent-core --example bench_engine ;;&
      all|score|wfdb|engine) ;;
      *) echo "unknown benchmark {{what}}; expected all, score, wfdb or engine" >&2; exit 2 ;;
    esac

# Lints: clippy on every target, docs without warnings.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Regenerate the golden values with the real frameworks (needs Python 3 and PyPI access).
golden:
    python3 -m venv .venv
    .venv/bin/pip install --quiet numpy scikit-learn scipy keras tensorflow-cpu tf_keras
    for s in keras_vectors keras_rules sklearn_metrics scipy_stats mnist_predictions; do \
        TF_CPP_MIN_LOG_LEVEL=2 .venv/bin/python tests/golden/$s.py; done
