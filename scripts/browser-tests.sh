#!/usr/bin/env bash
# Browser tests of the admin UI (tests/browser): Debian's chromium driven by playwright-core
# (pinned in tests/browser/package-lock.json; never `playwright install`, which downloads a
# browser) against the real `herald` binary. Screenshots land in docs/admin-ui/.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's chromium, and its chromium-driver (chromedriver, always the same version): the tests
# drive Chromium over the DevTools protocol with playwright-core, and chromedriver is there for
# a WebDriver client (fantoccini, Selenium) pointed at the same browser when debugging.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if ((${#missing[@]})); then
  echo "installing ${missing[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "installing node and npm with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi

cargo build --quiet --locked -p herald
target="${CARGO_TARGET_DIR:-target}"
export HERALD_BIN="$(cd "$target" && pwd)/debug/herald"
export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"

cd tests/browser
npm ci --no-audit --no-fund --silent
node run.mjs
