#!/usr/bin/env bash
# HTTP front end benchmark: ours vs @hono/node-server on the same app. See bench/http/bench.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec npx tsx bench/http/bench.ts "$@"
