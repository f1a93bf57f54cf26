#!/usr/bin/env bash
# Upload benchmark (issue "assets"): a release build on SQLite with the private asset store in
# a local folder; curl uploads RUNS distinct 20 MiB PNG files one after the other. Prints the
# throughput of each and the server's peak RSS (VmHWM) before and after.
# Target: ≥ 100 MiB/s, and peak RSS growing by less than 10 MiB.
# Usage: bash bench/upload.sh        (RUNS=10 SIZE_MIB=20 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-10}"
SIZE_MIB="${SIZE_MIB:-20}"
PORT="${PORT:-18991}"
OUT=bench/out/upload
TARGET="${CARGO_TARGET_DIR:-target}"

cargo build --release --locked -q -p herald
HERALD="$TARGET/release/herald"
rm -rf "$OUT" && mkdir -p "$OUT/data" "$OUT/files"

for n in $(seq "$RUNS"); do
  python3 - "$OUT/files/photo-$n.png" "$SIZE_MIB" "$n" <<'PY'
import os, struct, sys
path, mib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 4000, 3000) + bytes([8, 6, 0, 0, 0]) + b"\0\0\0\0"
with open(path, "wb") as f:
    f.write(header + seed.to_bytes(4, "big"))
    f.write(os.urandom(mib * 1024 * 1024 - len(header) - 4))
PY
done

HERALD_ADMIN_EMAIL=timer@shop.example HERALD_ADMIN_PASSWORD="bench passphrase 2026" RUST_LOG=warn \
  "$HERALD" serve --data-dir "$OUT/data" --listen "127.0.0.1:$PORT" > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
TOKEN=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email": "timer@shop.example", "password": "bench passphrase 2026"}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
URL="http://127.0.0.1:$PORT/api/v1/assets"

# Warm up with a small upload so the figures below are about the large ones.
printf '\x89PNG\r\n\x1a\n%s' "$(head -c 2000 /dev/zero | tr '\0' x)" > "$OUT/files/small.png"
curl -sf -o /dev/null -H "Authorization: Bearer $TOKEN" -F "file=@$OUT/files/small.png;type=image/png" "$URL"
BEFORE=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")

{
  echo "# Upload benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $RUNS × $SIZE_MIB MiB"
  echo
  echo "| run | seconds | MiB/s | status |"
  echo "| --- | --- | --- | --- |"
} | tee "$OUT/results.md"
for n in $(seq "$RUNS"); do
  read -r status seconds < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' \
    -H "Authorization: Bearer $TOKEN" -F "file=@$OUT/files/photo-$n.png;type=image/png" "$URL")
  rate=$(python3 -c "print(f'{$SIZE_MIB / $seconds:.0f}')")
  echo "| $n | $seconds | $rate | $status |" | tee -a "$OUT/results.md"
  if [ "$status" != 201 ]; then
    echo "upload $n answered $status, not 201: the figures above do not measure a stored upload" >&2
    exit 1
  fi
done
AFTER=$(awk '/VmHWM/ {print $2}' "/proc/$PID/status")
{
  echo
  echo "server peak RSS (VmHWM): $((BEFORE / 1024)) MiB before, $((AFTER / 1024)) MiB after: +$(((AFTER - BEFORE) / 1024)) MiB"
} | tee -a "$OUT/results.md"
