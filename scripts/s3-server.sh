#!/usr/bin/env bash
# Starts a local S3 server (moto) for the publishing suite and prints the environment that
# points object_store (and the tests) at it:
#
#   eval "$(scripts/s3-server.sh)"
#   HERALD_TEST_S3=1 cargo test -p herald-tests --test api publishing workflow
#   kill "$HERALD_TEST_S3_PID"
#
# The first run creates a virtualenv under $HOME/.cache/herald-ci/moto and installs
# moto[s3,server] into it (python3 with venv and network access to PyPI are needed once).
set -euo pipefail

venv="${HERALD_MOTO_VENV:-$HOME/.cache/herald-ci/moto}"
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[s3,server]" >&2
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="${TMPDIR:-/tmp}/herald-moto-$port.log"
# Its output goes to a file, so that `eval "$(…)"` does not wait for it.
nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    break
  fi
  sleep 0.1
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "moto_server did not start; see $log" >&2
  kill "$pid" 2>/dev/null || true
  exit 1
fi
echo "moto S3 server on http://127.0.0.1:$port (pid $pid, log $log)" >&2

cat <<ENV
export AWS_ENDPOINT=http://127.0.0.1:$port
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=herald-test
export AWS_SECRET_ACCESS_KEY=herald-test
export AWS_REGION=us-east-1
export HERALD_TEST_S3_PID=$pid
ENV
