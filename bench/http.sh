#!/usr/bin/env bash
# HTTP load benchmark of the authoring API (issue "storage and API"): a release build on SQLite
# with 100,000 promo banners, wrk with 2 threads and 16 connections on the same machine, signed
# in as an admin (every request carries and verifies an access token).
#   GET one entry, PATCH (validation + revision), a filtered list of 50, a page of 50 deep in
#   the listing (after DEEP_PAGES pages), and peak server RSS.
# Usage: bash bench/http.sh            (from the repository root or anywhere)
#        DURATION=30s bash bench/http.sh
# Results: printed, and written to bench/out/http/results.md (bench/out is not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
ENTRIES="${ENTRIES:-100000}"
DEEP_PAGES="${DEEP_PAGES:-1000}"
PORT="${PORT:-18990}"
OUT=bench/out/http
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
[auth]
access_token_minutes = 120
TOML
python3 bench/gen_entries.py "$ENTRIES" > "$OUT/entries.jsonl"
"$HERALD" import --data-dir "$OUT/data" --config "$OUT/herald.toml" < "$OUT/entries.jsonl"

HERALD_ADMIN_EMAIL=timer@shop.example HERALD_ADMIN_PASSWORD="bench passphrase 2026" \
  "$HERALD" serve --data-dir "$OUT/data" --config "$OUT/herald.toml" --listen "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "timer@shop.example", "password": "bench passphrase 2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
AUTH="Authorization: Bearer $TOKEN"
BASE="http://127.0.0.1:$PORT/api/v1/entries/promo_banner"
ID=$(curl -sf -H "$AUTH" "$BASE?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
# The cursor of page DEEP_PAGES + 1 of the whole listing, 50 a page.
CURSOR=$(BASE="$BASE" AUTH="$AUTH" PAGES="$DEEP_PAGES" python3 - <<'PY'
import json, os, urllib.request
base, auth, cursor = os.environ["BASE"], os.environ["AUTH"], None
for _ in range(int(os.environ["PAGES"])):
    url = f"{base}?limit=50" + (f"&cursor={cursor}" if cursor else "")
    request = urllib.request.Request(url, headers={"Authorization": auth.split(": ", 1)[1]})
    cursor = json.load(urllib.request.urlopen(request))["next_cursor"]
print(cursor)
PY
)

run() { # name, extra wrk arguments...
  local name=$1; shift
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local log="$OUT/$name.txt"
  wrk -t2 -c16 -d"$DURATION" --latency -H "$AUTH" "$@" > "$log"
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
run list-deep "$BASE?limit=50&cursor=$CURSOR"
RSS=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$PID/status")
echo | tee -a "$OUT/results.md"
echo "peak server RSS (VmHWM): $RSS" | tee -a "$OUT/results.md"
