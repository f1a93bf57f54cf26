#!/usr/bin/env bash
# HTTP load benchmark of the authoring API (issue "storage and API"): a release build on SQLite
# with 100,000 promo banners, wrk with 2 threads and 16 connections on the same machine, signed
# in as an admin (every request carries and verifies an access token).
#   GET one entry, PATCH (validation + revision; once leaving the text, once rewriting it), a
#   filtered list of 50, a page of 50 deep in the listing (after DEEP_PAGES pages), searches
#   for a common, a rare and an absent word, the other sorts with and without filters, and
#   peak server RSS.
# Usage: bash bench/http.sh            (from the repository root or anywhere)
#        DURATION=30s bash bench/http.sh
#        ENTRIES=1000000 bash bench/http.sh      (the size the listing must stay fast at)
#        ONLY='list-search|list-slug' REUSE=1 bash bench/http.sh
#          (only the scenarios whose name matches; REUSE=1 keeps the database of the last run
#          of the same size instead of generating and importing it again)
#        HERALD_BIN=/tmp/herald-before bash bench/http.sh   (that binary, not a new build)
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
if [[ -n "${HERALD_BIN:-}" ]]; then
  HERALD="$HERALD_BIN"  # a binary built before, to compare two commits on the same data
else
  cargo build --release --locked -q -p herald
  HERALD="$TARGET/release/herald"
fi

ONLY="${ONLY:-.}"
if [[ "${REUSE:-0}" == 1 && -f "$OUT/data/herald.db" && "$(cat "$OUT/size" 2>/dev/null)" == "$ENTRIES" ]]; then
  REUSED=1
else
  REUSED=0
  rm -rf "$OUT" && mkdir -p "$OUT/data"
fi
cat > "$OUT/herald.toml" <<'TOML'
[content]
locales = ["en", "fr"]
[log]
level = "warn"
[auth]
access_token_minutes = 120
TOML
if [[ $REUSED == 0 ]]; then
  python3 bench/gen_entries.py "$ENTRIES" > "$OUT/entries.jsonl"
  "$HERALD" import --data-dir "$OUT/data" --config "$OUT/herald.toml" < "$OUT/entries.jsonl"
  rm "$OUT/entries.jsonl"
  echo "$ENTRIES" > "$OUT/size"
fi

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
  [[ $name =~ $ONLY ]] || return 0
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  local log="$OUT/$name.txt"
  wrk -t2 -c16 -d"$DURATION" --timeout 10s --latency -H "$AUTH" "$@" > "$log"
  local rps p50 p99 bad
  rps=$(awk '/Requests\/sec/ {print $2}' "$log")
  p50=$(awk '$1 == "50%" {print $2}' "$log")
  p99=$(awk '$1 == "99%" {print $2}' "$log")
  bad=$(awk '/Non-2xx/ {print $5}' "$log"); bad=${bad:-0}
  printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "$bad" "$load" | tee -a "$OUT/results.md"
  drain
}

# Waits until the server answers a cheap listing quickly again: requests a slow scenario left
# queued when wrk stopped would otherwise run into the next one.
drain() {
  for _ in $(seq 120); do
    local took
    took=$(curl -s -o /dev/null -w '%{time_total}' -H "$AUTH" "$BASE?limit=1")
    awk -v t="$took" 'BEGIN { exit !(t < 0.05) }' && return 0
    sleep 0.5
  done
}

{
  echo "# HTTP benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD), $ENTRIES entries, wrk -t2 -c16 -d$DURATION"
  echo
  echo "| scenario | req/s | p50 | p99 | non-2xx | load before |"
  echo "| --- | --- | --- | --- | --- | --- |"
} | tee "$OUT/results.md"
run get-one "$BASE/$ID"
run patch -s bench/patch.lua "$BASE/$ID"
PATCH_TEXT=1 run patch-text -s bench/patch.lua "$BASE/$ID"
run list-filtered "$BASE?locale=fr&status=published&limit=50"
run list-search "$BASE?locale=fr&q=sandals&limit=50"
run list-deep "$BASE?limit=50&cursor=$CURSOR"
# A word in one entry of 10,000 (bench/gen_entries.py), and one in none: what an index must
# find without walking the type's entries.
run list-search-rare "$BASE?q=espadrilles&limit=50"
run list-search-none "$BASE?locale=fr&q=moccasins&limit=50"
# Sorts besides the newest first, with and without filters.
run list-slug "$BASE?sort=slug&limit=50"
run list-slug-status "$BASE?status=published&sort=-slug&limit=50"
run list-slug-locale "$BASE?locale=fr&sort=slug&limit=50"
run list-created-locale "$BASE?locale=fr&sort=-created_at&limit=50"
run list-created-status "$BASE?status=published&sort=created_at&limit=50"
run list-created-both "$BASE?locale=en&status=draft&sort=created_at&limit=50"
RSS=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$PID/status")
echo | tee -a "$OUT/results.md"
echo "peak server RSS (VmHWM): $RSS" | tee -a "$OUT/results.md"
