#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document with Schemathesis: a release build on a
# fresh SQLite database and local bucket, the example schemas, an admin API token. Every
# operation gets generated valid and invalid requests (and stateful sequences following the
# document's links); a run fails on any 5xx, a status code or content type the document does
# not list, or a response body that does not match its documented schema.
#
# Not part of .ci/run (it takes MAX_TIME, 7 minutes by default); run it after changing routes,
# extractors or the document:
#
#   bash scripts/fuzz-api.sh
#   MAX_TIME=60 bash scripts/fuzz-api.sh                  (a short run)
#   HERALD_BIN=target/release/herald bash scripts/fuzz-api.sh   (that binary, not a new build)
#
# The first run creates a virtualenv under $HOME/.cache/herald-ci/schemathesis (python3 with
# venv and access to PyPI are needed once). The server's log and Schemathesis' report are in
# fuzz/out/ (not committed); the script exits non-zero when Schemathesis finds a failure or the
# server logged a panic.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_TIME="${MAX_TIME:-420}"
PORT="${PORT:-18991}"
OUT=fuzz/out
TARGET="${CARGO_TARGET_DIR:-target}"
venv="${HERALD_SCHEMATHESIS_VENV:-$HOME/.cache/herald-ci/schemathesis}"

if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "installing schemathesis into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis
fi
if [[ -n "${HERALD_BIN:-}" ]]; then
  HERALD="$HERALD_BIN"
else
  cargo build --release --locked -q -p herald
  HERALD="$TARGET/release/herald"
fi

rm -rf "$OUT" && mkdir -p "$OUT/data"
HERALD_ADMIN_EMAIL=fuzz@shop.example HERALD_ADMIN_PASSWORD="generated requests 2026" \
  "$HERALD" serve --data-dir "$OUT/data" --schemas schemas --listen "127.0.0.1:$PORT" \
  > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { tail -5 "$OUT/serve.log" >&2; exit 1; }

BASE="http://127.0.0.1:$PORT"
ACCESS=$(curl -sf "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "fuzz@shop.example", "password": "generated requests 2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# An API token, not the access token: it outlives the run, and signing out (which the fuzzer
# would try) cannot end it.
TOKEN=$(curl -sf "$BASE/api/v1/tokens" -H "Authorization: Bearer $ACCESS" \
  -H 'content-type: application/json' -d '{"name": "fuzz", "role": "admin"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')

# Path parameters the fuzzer cannot guess: a content type that exists.
cat > "$OUT/schemathesis.toml" <<'TOML'
[parameters]
"type" = "promo_banner"
TOML

status=0
(cd "$OUT" && "$venv/bin/schemathesis" run "$BASE/api/v1/openapi.json" --url "$BASE" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --exclude-path-regex 'logout|sessions|/tokens/' \
  --workers 2 --max-time "$MAX_TIME") | tee "$OUT/report.txt" || status=$?

if grep -q "panicked" "$OUT/serve.log"; then
  echo "the server panicked; see $OUT/serve.log" >&2
  status=1
fi
exit "$status"
