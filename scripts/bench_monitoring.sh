#!/usr/bin/env bash
# Monitoring at scale (issue 11, point 7): a series of quarters of the whole book, generated once
# with `wijkscan sample --periods` (cached in $BENCH_DIR), run with the release `wijkscan run`
# under /usr/bin/time -v (wall time, peak memory; stage times from the manifest), then every
# period's published profile compared cell by cell with DuckDB running plain SQL on that period's
# folder (scripts/bench/profile.sql). Not a test: nothing here asserts a time.
#
#   scripts/bench_monitoring.sh [PERSONS] [PERIODS]     default 2100000 2023Q1..2024Q4
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2100000}
PERIODS=${2:-2023Q1..2024Q4}
BENCH_DIR=${BENCH_DIR:-target/bench}
BIN=target/release/wijkscan
PY=$BENCH_DIR/venv/bin/python
cargo build --release --quiet
data=$BENCH_DIR/series-$N
if [ ! -f "$data/pipeline.toml" ]; then
  "$BIN" sample --periods "$PERIODS" --persons "$N" --out "$data" --force
fi
run=$BENCH_DIR/run-series-$N
/usr/bin/time -v "$BIN" run "$data/pipeline.toml" --out "$run" --force \
  2>"$BENCH_DIR/time-series-$N.log" >/dev/null
grep -E "Elapsed|Maximum resident" "$BENCH_DIR/time-series-$N.log"
"$PY" -c "import json; m=json.load(open('$run/manifest.json')); print({k: round(v, 1) for k, v in m['timings_seconds'].items()})"
if [ -x "$PY" ]; then
  total=0
  for p in $("$PY" -c "import json; print(' '.join(p['period'] for p in json.load(open('$run/manifest.json'))['periods']))"); do
    read -r start end < <("$PY" -c "import json; p=[p for p in json.load(open('$run/manifest.json'))['periods'] if p['period']=='$p'][0]; print(p['period_start'], p['period_end'])")
    "$PY" scripts/bench/duckdb_profile.py "$data/$p" "$run" "$start" "$end" "$p" >"$BENCH_DIR/duckdb-series-$N-$p.json" \
      || echo "DuckDB and wijkscan DIFFER in $p: see $BENCH_DIR/duckdb-series-$N-$p.json" >&2
    "$PY" -c "import json; d=json.load(open('$BENCH_DIR/duckdb-series-$N-$p.json')); print('$p', 'duckdb profile', d['profile_s'], 's; cells', d['cells_compared'], 'mismatches', len(d['mismatches']), 'one side only', d['areas_on_one_side_only'])"
  done
fi
