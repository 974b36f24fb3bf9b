#!/usr/bin/env bash
# Operations benchmark (docs/benchmarks.md, "Operations (bench/ops)"): POST at response_mode 0 and 4,
# REFER operations per second. See bench/ops/bench.ts for what it does and its settings.
#   flock /tmp/callctl-bench.lock bash bench/ops/run.sh [post] [refer]
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in sipp /usr/bin/time; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 2; }; done
exec node --import tsx bench/ops/bench.ts "$@"
