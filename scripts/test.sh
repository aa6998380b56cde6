#!/usr/bin/env bash
# The test command (README "Tests"): installs what the browser test needs when it is missing
# (Debian's Chromium, and the Playwright driver from npm, pinned in tests/browser), then runs
# every test. Safe to run again: nothing is installed twice.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
  echo "installing chromium (Debian package) for the browser test" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "installing the browser checker (playwright-core, npm)" >&2
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi

cargo test "$@"
