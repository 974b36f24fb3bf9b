#!/usr/bin/env bash
# API read benchmark: 10,000 dialogs in the store, GET one / LOOKUP / filtered list. See bench/api/bench.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The closed loop runs wrk (Debian); install it when missing.
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
exec npx tsx bench/api/bench.ts "$@"
