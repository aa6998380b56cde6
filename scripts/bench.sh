#!/usr/bin/env bash
# Scale benchmark (SPEC 6, issue #5). Not part of `cargo test`; no timed assertions anywhere.
#
#   scripts/bench.sh                 # 100k, 500k and 2.1M insured, one year (2024)
#   scripts/bench.sh 4200000         # any scales, e.g. twice the whole book
#
# For each scale: generates the data once with `wijkscan sample` (cached in $BENCH_DIR), runs the
# release `wijkscan run` under /usr/bin/time -v (wall time, peak memory; stage times from the
# manifest), then the same profile as SQL in DuckDB (PyPI `duckdb`, in a venv of its own) on the
# same files: its time, the time to merely scan the needed columns, and an equality check of
# every published cell. Prints a markdown table; raw numbers go to $BENCH_DIR/results.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_DIR=${BENCH_DIR:-target/bench}
DUCKDB_VERSION=1.5.6
PERIOD=2024
START=2024-01-01
END=2024-12-31
SCALES=("$@")
[ ${#SCALES[@]} -eq 0 ] && SCALES=(100000 500000 2100000)
mkdir -p "$BENCH_DIR"

echo "building release binary" >&2
cargo build --release --quiet
BIN=target/release/wijkscan

if [ ! -x "$BENCH_DIR/venv/bin/python" ] || ! "$BENCH_DIR/venv/bin/python" -c "import duckdb" 2>/dev/null; then
  echo "installing duckdb==$DUCKDB_VERSION into $BENCH_DIR/venv" >&2
  python3 -m venv "$BENCH_DIR/venv"
  "$BENCH_DIR/venv/bin/pip" install --quiet "duckdb==$DUCKDB_VERSION"
fi
PY="$BENCH_DIR/venv/bin/python"

# "h:mm:ss" or "m:ss.ss" from time -v into seconds.
to_seconds() { awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }'; }
field() { grep -F "$1" "$2" | head -1 | sed 's/.*: //'; }

RESULTS="$BENCH_DIR/results.jsonl"
: > "$RESULTS"
for n in "${SCALES[@]}"; do
  data="$BENCH_DIR/data-$n-$PERIOD"
  if [ ! -f "$data/.complete" ]; then
    echo "generating $n insured for $PERIOD into $data" >&2
    "$BIN" sample --out "$data" --persons "$n" --period "$PERIOD" --seed 1 --force >/dev/null
    touch "$data/.complete"
  fi
  run="$BENCH_DIR/run-$n"
  echo "wijkscan run on $n insured" >&2
  /usr/bin/time -v "$BIN" run --inputs "$data" --period "$PERIOD" --out "$run" --force \
    >/dev/null 2>"$BENCH_DIR/time-$n.log" || { cat "$BENCH_DIR/time-$n.log" >&2; exit 1; }
  wall=$(field "Elapsed (wall clock)" "$BENCH_DIR/time-$n.log" | to_seconds)
  rss_kb=$(field "Maximum resident set size" "$BENCH_DIR/time-$n.log")

  echo "duckdb profile on $n insured" >&2
  set +e
  /usr/bin/time -v "$PY" scripts/bench/duckdb_profile.py "$data" "$run" "$START" "$END" \
    >"$BENCH_DIR/duckdb-$n.json" 2>"$BENCH_DIR/duckdb-time-$n.log"
  duck_status=$?
  set -e
  duck_rss_kb=$(field "Maximum resident set size" "$BENCH_DIR/duckdb-time-$n.log")

  "$PY" - "$n" "$wall" "$rss_kb" "$run/manifest.json" "$BENCH_DIR/duckdb-$n.json" "$duck_rss_kb" "$duck_status" "$data" >>"$RESULTS" <<'PYEOF'
import json, sys, pathlib
n, wall, rss_kb, manifest, duck, duck_rss_kb, status, data = sys.argv[1:9]
m = json.load(open(manifest))
d = json.load(open(duck)) if pathlib.Path(duck).stat().st_size else {}
claims = next(i["rows"] for i in m["inputs"] if i["name"] == "zvw_claims")
pc5 = sum(1 for _ in open(pathlib.Path(manifest).parent / "profile.csv") if _.startswith("pc5,"))
print(json.dumps({
    "persons": int(n), "claim_lines": claims, "pc5": pc5,
    "wall_s": float(wall), "peak_gb": int(rss_kb) / 1024 / 1024,
    "stages": m["timings_seconds"],
    "duckdb_profile_s": d.get("profile_s"), "duckdb_scan_s": d.get("scan_s"),
    "duckdb_peak_gb": int(duck_rss_kb) / 1024 / 1024,
    "cells_compared": d.get("cells_compared"),
    "equal": status == "0" and not d.get("mismatches") and d.get("areas_on_one_side_only") == 0,
    "mismatches": d.get("mismatches"),
}))
PYEOF
  if [ "$duck_status" != 0 ]; then
    echo "DuckDB and wijkscan DIFFER at $n insured: see $BENCH_DIR/duckdb-$n.json" >&2
  fi
done

"$PY" - "$RESULTS" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| insured | claim lines | pc5 | run wall | peak mem | validate | profile | outliers | focus | write | charts | report | DuckDB profile | profile / DuckDB | scan floor | DuckDB peak | equal (cells) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|")
for r in rows:
    s = r["stages"]
    g = lambda k: f"{s.get(k, float('nan')):.1f} s"
    ratio = (s["profile"] / r["duckdb_profile_s"]) if r["duckdb_profile_s"] else float("nan")
    print(f"| {r['persons']:,} | {r['claim_lines']:,} | {r['pc5']:,} | {r['wall_s']:.1f} s | {r['peak_gb']:.2f} GB "
          f"| {g('validate')} | {g('profile')} | {g('outliers')} | {g('focus')} | {g('write')} | {g('charts')} | {g('report')} "
          f"| {r['duckdb_profile_s'] or float('nan'):.1f} s | {ratio:.2f} | {r['duckdb_scan_s'] or float('nan'):.1f} s "
          f"| {r['duckdb_peak_gb']:.2f} GB | {'yes' if r['equal'] else 'NO'} ({r['cells_compared'] or 0:,}) |")
PYEOF
