#!/usr/bin/env bash
# The power study of the effect estimate (METHODS 10, issue #33), in release: per seed a series
# of 80,000 insured with and without an effect planted from 2024Q1 in the largest wijk (about
# 4,000 insured), at −20%, −10% and −5% on every claim. Prints, per size, in how many seeds the
# effect is found (p < 0.05) and the interval covers the true effect; and the capped line's
# calibration under no effect at 120,000 insured (≥ 200 draws). SEEDS=20, PERSONS=80000 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}" SEEDS="${SEEDS:-20}" SIZES="${SIZES:--0.2,-0.1,-0.05}" \
  cargo test --release --test effect_calibration -- --ignored --nocapture --test-threads 1
