#!/usr/bin/env bash
# API read benchmark: 10,000 dialogs in the store, GET one / LOOKUP / filtered list. See bench/api/bench.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx tsx bench/api/bench.ts "$@"
