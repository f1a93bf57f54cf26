#!/usr/bin/env bash
# HTTP load benchmark of the authoring API (issue "storage and API"): a release build on SQLite
# with 100,000 promo banners, wrk with 2 threads and 16 connections on the same machine.
#   GET one entry, PATCH (validation + revision), a filtered list of 50, and peak server RSS.
# Usage: bash bench/http.sh            (from the repository root or anywhere)
#        DURATION=30s bash bench/http.sh
# Results: printed, and written to bench/out/results.md (bench/out is not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
ENTRIES="${ENTRIES:-100000}"
PORT="${PORT:-18990}"
OUT=bench/out
TARGET="${CARGO_TARGET_DIR:-target}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -q -p herald
HERALD="$TARGET/release/herald"

rm -rf "$OUT" && mkdir -p "$OUT/data"
cat > "$OUT/herald.toml" <<'TOML'
[content]
locales = ["en", "fr"]
[log]
level = "warn"
TOML
python3 bench/gen_entries.py "$ENTRIES" > "$OUT/entries.jsonl"
"$HERALD" import --data-dir "$OUT/data" --config "$OUT/herald.toml" < "$OUT/entries.jsonl"

"$HERALD" serve --data-dir "$OUT/data" --config "$OUT/herald.toml" --listen "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

BASE="http://127.0.0.1:$PORT/api/v1/entries/promo_banner"
ID=$(curl -sf "$BASE?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

run() { # name, extra wrk arguments...
  local name=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local log="$OUT/$name.txt"
  wrk -t2 -c16 -d"$DURATION" --latency "$@" > "$log"
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$log")
  p50=$(awk '$1 == "50%" {print $2}' "$log")
  p99=$(awk '$1 == "99%" {print $2}' "$log")
  bad=$(awk '/Non-2xx/ {print $5}' "$log"); bad=${bad:-0}
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$bad" "$load" | tee -a "$OUT/results.md"
}

{
  echo "# HTTP benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $ENTRIES entries, wrk -t2 -c16 -d$DURATION"
  echo
  echo "| scenario | req/s | p50 | p99 | non-2xx | load before |"
  echo "| --- | --- | --- | --- | --- | --- |"
} | tee "$OUT/results.md"
run get-one "$BASE/$ID"
run patch -s bench/patch.lua "$BASE/$ID"
run list-filtered "$BASE?locale=fr&status=published&limit=50"
run list-search "$BASE?locale=fr&q=sandals&limit=50"
RSS=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$PID/status")
echo | tee -a "$OUT/results.md"
echo "peak server RSS (VmHWM): $RSS" | tee -a "$OUT/results.md"
