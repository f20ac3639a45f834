#!/usr/bin/env bash
# Browser tests of the web app (docs/webapp.md): the real binary in demo
# mode on a fresh SQLite database, driven by playwright-core in Debian's
# Chromium (/usr/bin/chromium; no browser download).
#
#   bash tests/browser/run.sh [EWAYBILL_BINARY]   (default: target/debug/ewaybill)
#
# Needs `npm ci` in tests/browser first. Screenshots go to target/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec node tests/browser/run.mjs "${1:-target/debug/ewaybill}"
