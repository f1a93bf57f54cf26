#!/usr/bin/env bash
# Publishing benchmarks (issue "review workflow and publishing"), release build, SQLite, local
# bucket folder, on this machine:
#   1. rebuild of ENTRIES (100,000) published entries: `herald publish rebuild`, entries/s;
#   2. publish latency: 200 publishes, each timed from the publish request until the entry's
#      object is readable in the bucket folder (p50, p99);
#   3. the cost of one publish into a type with 1,000 and with 100,000 published entries
#      (median job duration over 50 publishes each, from the jobs API).
# Usage: bash bench/publish.sh            ENTRIES=20000 bash bench/publish.sh
# Results: printed, and written to bench/out/publish/publish.md (bench/out is not committed).
set -euo pipefail
cd "$(dirname "$0")/.."

ENTRIES="${ENTRIES:-100000}"
SMALL="${SMALL:-1000}"
PORT="${PORT:-18991}"
OUT=bench/out/publish
TARGET="${CARGO_TARGET_DIR:-target}"

cargo build --release --locked -q -p herald
HERALD="$TARGET/release/herald"
# The previous run's output is moved aside and deleted only at the end: on ext4 without a
# journal (this VM's disk), creating files just after 100,000 were deleted makes every new
# inode scan the recently freed ones (`recently_deleted` in the kernel), which would halve the
# rebuild figure for a reason no production bucket has.
if [ -d "$OUT" ]; then mv "$OUT" "$OUT.old.$$"; fi
mkdir -p "$OUT"
cat > "$OUT/herald.toml" <<'TOML'
[log]
level = "warn"
TOML
export HERALD_ADMIN_EMAIL=timer@shop.example HERALD_ADMIN_PASSWORD="benchmark passphrase long enough"

setup() { # name, entries: a data dir with that many published entries, rebuilt into its bucket
  local dir="$OUT/$1"
  mkdir -p "$dir"
  python3 bench/gen_published.py "$2" > "$dir/entries.jsonl"
  "$HERALD" import --data-dir "$dir/data" --config "$OUT/herald.toml" < "$dir/entries.jsonl" >/dev/null
  "$HERALD" publish rebuild --data-dir "$dir/data" --config "$OUT/herald.toml" 2> "$dir/rebuild.err"
}

serve() { # name: starts the server on that data dir, sets PID
  "$HERALD" serve --data-dir "$OUT/$1/data" --config "$OUT/herald.toml" --listen "127.0.0.1:$PORT" \
    > "$OUT/$1/serve.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
}

{
  echo "# Publishing benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
  echo
} | tee "$OUT/publish.md"

echo "## rebuild of $ENTRIES entries" | tee -a "$OUT/publish.md"
setup large "$ENTRIES" | tee -a "$OUT/publish.md"
echo "## repair rebuild of $ENTRIES entries (over the up-to-date folder)" | tee -a "$OUT/publish.md"
"$HERALD" publish rebuild --data-dir "$OUT/large/data" --config "$OUT/herald.toml" 2>/dev/null \
  | tee -a "$OUT/publish.md"

serve large
trap 'kill $PID 2>/dev/null || true' EXIT
echo "## publish latency (type with $ENTRIES entries)" | tee -a "$OUT/publish.md"
python3 bench/publish.py latency "http://127.0.0.1:$PORT" "$OUT/large/data/public" 200 | tee -a "$OUT/publish.md"
echo "## cost of one publish, $ENTRIES entries in the type" | tee -a "$OUT/publish.md"
python3 bench/publish.py cost "http://127.0.0.1:$PORT" 50 | tee -a "$OUT/publish.md"
kill $PID; wait $PID 2>/dev/null || true

setup small "$SMALL" > /dev/null
serve small
echo "## cost of one publish, $SMALL entries in the type" | tee -a "$OUT/publish.md"
python3 bench/publish.py cost "http://127.0.0.1:$PORT" 50 | tee -a "$OUT/publish.md"
kill $PID; wait $PID 2>/dev/null || true
rm -rf "$OUT".old.*
