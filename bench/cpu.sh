#!/usr/bin/env bash
# Server CPU time per request, for comparing two builds on a noisy machine: requests per second
# swing by 20 - 40 % from run to run here with anything of ours unchanged, while the CPU the
# server spends on each request (its user + system time over a run of wrk, divided by the
# requests answered) moves much less.
#   A filtered list of 50, GET one entry and a PATCH rewriting the headline, 8 s each after a
#   2 s warm-up, wrk -t2 -c16, on the data the last `bash bench/http.sh` left (run it first).
# Usage: bash bench/cpu.sh BINARY...   e.g. bash bench/cpu.sh /tmp/herald-before /tmp/herald-after
#        ROUNDS=3 bash bench/cpu.sh A B   (A, B, A, B, A, B)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=bench/out/http
PORT="${PORT:-18992}"
ROUNDS="${ROUNDS:-2}"
[[ -f "$OUT/data/herald.db" ]] || { echo "no $OUT/data: run bash bench/http.sh first" >&2; exit 1; }
(( $# > 0 )) || { echo "usage: bash bench/cpu.sh BINARY..." >&2; exit 1; }
TICK=$(getconf CLK_TCK)
pid=
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true' EXIT

one_binary() {
  local bin=$1
  HERALD_ADMIN_EMAIL=timer@shop.example HERALD_ADMIN_PASSWORD="bench passphrase 2026" \
    "$bin" serve --data-dir "$OUT/data" --config "$OUT/herald.toml" --listen "127.0.0.1:$PORT" \
    > "$OUT/cpu-serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local token base id
  token=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email": "timer@shop.example", "password": "bench passphrase 2026"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  base="http://127.0.0.1:$PORT/api/v1/entries/promo_banner"
  id=$(curl -sf -H "Authorization: Bearer $token" "$base?limit=1" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
  measure() { # name, wrk arguments...
    local name=$1; shift
    wrk -t2 -c16 -d2s -H "Authorization: Bearer $token" "$@" > /dev/null
    local t0 requests t1
    t0=$(ticks)
    requests=$(wrk -t2 -c16 -d8s -H "Authorization: Bearer $token" "$@" | awk '/requests in/ {print $1}')
    t1=$(ticks)
    printf '| %s | %s | %s | %d |\n' "$(basename "$bin")" "$name" "$requests" \
      $(( (t1 - t0) * 1000000 / TICK / requests ))
  }
  measure list-filtered "$base?locale=fr&status=published&limit=50"
  measure get-one "$base/$id"
  PATCH_TEXT=1 measure patch-text -s bench/patch.lua "$base/$id"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "| binary | scenario | requests in 8 s | server CPU µs per request |"
echo "| --- | --- | --- | --- |"
for _ in $(seq "$ROUNDS"); do
  for bin in "$@"; do one_binary "$bin"; done
done
