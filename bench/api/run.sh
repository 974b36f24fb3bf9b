#!/usr/bin/env bash
# API read benchmark: 10,000 dialogs in the store, GET one / LOOKUP / filtered list. See bench/api/bench.ts.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The closed loop runs wrk (Debian); install it when missing.
command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
# nginx is a reference server (BENCH_REFS=0: none). Installed without starting Debian's service on port 80:
# policy-rc.d 101 tells the package scripts not to start it.
if [ "${BENCH_REFS:-1}" != 0 ] && [ "${BENCH_FLOOR:-1}" != 0 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ -e /usr/sbin/policy-rc.d ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || true
  else
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light || true
    rm -f /usr/sbin/policy-rc.d
  fi
fi
exec npx tsx bench/api/bench.ts "$@"
