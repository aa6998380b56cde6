#!/usr/bin/env bash
# `wijkscan serve` on a finished run (issue #32): time to ready, a dozen live segment queries
# (the first, then the median of the rest; one of them a differencing attempt that must be
# refused), page times (first draw and again), and the server's peak memory (VmHWM).
#
#   scripts/bench_serve.sh RUN_DIR WIJK [BINARY]
# e.g. scripts/bench_serve.sh /tmp/bookrun WK015303 target/release/wijkscan
set -euo pipefail
RUN="$1"; AREA="$2"; BIN="${3:-target/release/wijkscan}"
GM="GM${AREA:2:4}"
OUT=$(mktemp)
START=$(date +%s.%N)
"$BIN" serve "$RUN" --port 0 > "$OUT" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; rm -f "$OUT"' EXIT
URL=""
while [ -z "$URL" ]; do
  sleep 0.05
  URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$OUT" || true)
  kill -0 $PID 2>/dev/null || { cat "$OUT"; exit 1; }
done
READY=$(echo "$(date +%s.%N) - $START" | bc)
echo "ready after ${READY} s ($(grep -o 'ready in [0-9.]* s' "$OUT"))"
q() {  # area filter → "seconds outcome"
  curl -s -o /tmp/bench_serve_answer.json -w '%{time_total}' -X POST "$URL/api/segment" \
    -H 'content-type: application/json' -d "{\"area\": \"$1\", \"filter\": \"$2\"}"
  printf ' %s\n' "$(grep -o '"refused":[a-z]*' /tmp/bench_serve_answer.json || grep -o '"error":"[^"]\{0,60\}' /tmp/bench_serve_answer.json)"
}
FILTERS=(
  "age >= 75"
  "age >= 75 AND care_forms >= 3"
  "household = 'single' AND age >= 65"
  "wmo AND zvw_wijkverpleging > 0"
  "social_minimum AND care_forms >= 2"
  "zvw_ggz_basis > 0 OR zvw_ggz_specialistisch > 0"
  "age BETWEEN 18 AND 30"
  "education = 'low' AND household = 'single'"
  "high_cost"
  "age >= 85"
  "sex = 'F' AND age >= 80"
)
echo "query seconds outcome"
TIMES=()
i=0
for f in "${FILTERS[@]}"; do
  i=$((i + 1))
  r=$(q "$AREA" "$f")
  echo "$i $r  ($f)"
  TIMES+=("${r%% *}")
done
# The differencing attempt: the first answer, minus one year of age.
r=$(q "$AREA" "age >= 75 AND age <> 97")
echo "12 $r  (age >= 75 AND age <> 97: a differencing attempt; 1 to 9 persons are 97 here)"
TIMES+=("${r%% *}")
printf '%s\n' "${TIMES[@]:1}" | sort -n | awk '{a[NR]=$1} END {print "later queries: median " a[int((NR+1)/2)] " s, max " a[NR] " s"}'
echo "page first again"
for p in "/" "/?level=buurt" "/area/$AREA" "/area/$GM" "/session" "/api/areas?level=wijk" "/api/areas/$AREA"; do
  a=$(curl -s -o /dev/null -w '%{time_total}' "$URL$p")
  b=$(curl -s -o /dev/null -w '%{time_total}' "$URL$p")
  echo "$p $a $b"
done
echo "peak memory: $(grep VmHWM /proc/$PID/status)"
