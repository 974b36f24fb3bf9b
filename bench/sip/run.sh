#!/usr/bin/env bash
# SIP benchmark (docs/benchmarks.md, "SIP call setup and concurrency"). Everything on loopback; every
# process is bounded (timeout, SIPp -timeout) and cleaned up on exit.
#
#   1. rate:        call setup rate through the real server (bin/callctl.ts start, LOG_LEVEL=warn):
#                   SIPp UAC (sip1, answers the 407) -> server -> SIPp UAS (sip2's static contact
#                   127.0.0.1:5090), media anchored, hold -d 1000, STEP_S seconds per rate step.
#   2. concurrency: CONC_CALLS calls ramped at CONC_RAMP_CPS, all up together for CONC_HOLD_S with RTP
#                   both ways (SIPp rtp_stream on both sides), then BYE; failed calls, relay
#                   counters, RSS per call, open files.
#   3. kamailio:    the rate steps against Kamailio (/work/shared/bench/kamailio-reference.cfg), SIPp's
#                   built-in uac/uas as in /work/shared/bench/README.md.
#   4. kamailio-concurrency: part 2 through Kamailio (uac-rtp-proxy.xml, uas-rtp-proxy.xml: no digest,
#                   media straight between the SIPps): failed calls, CPU, memory (PSS) per call.
#
# Usage: bash bench/sip/run.sh [rate] [concurrency] [kamailio] [kamailio-concurrency]   (default: all four)
# Environment:
#   RATES="100 200 300 400 500 600 700 800 1000"  KAM_RATES="1000 2000 3000 4000"  STEP_S=15  HOLD_MS=1000
#   CALLERS=1 (SIPp UACs sharing each rate step)  STOP_ON_FAIL=2 (stop after this many failed steps; 0: never)
#   NODES=1 (or 2): the rate part over N SIP nodes (split roles, docs/architecture.md): node 001 runs
#            every role with the embedded Temporal, node 002 only `--roles sip` on SIP_PORT+2 with media
#            30000-39999 (10,000 ports each); one SIPp caller per node (CALLERS = NODES), the rate
#            shared among them; CPU is the sum over the nodes' processes
#   CONC_CALLS=1000  CONC_RAMP_CPS=50  CONC_HOLD_S=60
#   BENCH_CPU_PROF=1: run the server with node --cpu-prof (profiles in the results folder; see prof-top.ts)
#   BENCH_NODE_FLAGS="--trace-gc": more node flags for the server (diagnosis runs)
#   BENCH_SIPP_TRACE=1: SIPp message traces (NAME.msg) of every run (diagnosis runs)
#   BENCH_SIP_RCVBUF=BYTES: EXPERIMENT, changes the server: SO_RCVBUF of its SIP socket (bench/sip/probe.ts)
#   SIP_PORT=5060 (server, then Kamailio)  UAS_PORT=5090  UAC_PORT=5070 (5071, … for more callers)
# Results: bench/sip/results/<UTC time>/ (steps.jsonl, concurrency.json, logs, SIPp CSVs, profiles);
# `npx tsx bench/sip/summarize.ts <that folder>` prints the tables.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
HERE=$REPO/bench/sip

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(rate concurrency kamailio kamailio-concurrency)
want() { local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

RATES=${RATES:-"100 200 300 400 500 600 700 800 1000"}
KAM_RATES=${KAM_RATES:-"1000 2000 3000 4000"}
STEP_S=${STEP_S:-15}
HOLD_MS=${HOLD_MS:-1000}
CALLERS=${CALLERS:-1}
NODES=${NODES:-1}
# Node k's media range is 20000+10000k…, and the rate scenarios accept relay ports 2xxxx and 3xxxx.
case "$NODES" in 1 | 2) ;; *) echo "NODES must be 1 or 2" >&2; exit 2 ;; esac
[ "$NODES" -gt 1 ] && CALLERS=$NODES
STOP_ON_FAIL=${STOP_ON_FAIL:-2}
CONC_CALLS=${CONC_CALLS:-1000}
CONC_RAMP_CPS=${CONC_RAMP_CPS:-50}
CONC_HOLD_S=${CONC_HOLD_S:-60}
SIP_PORT=${SIP_PORT:-5060}
UAS_PORT=${UAS_PORT:-5090}
UAC_PORT=${UAC_PORT:-5070}
CLK_TCK=$(getconf CLK_TCK)

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RES=$HERE/results/$STAMP
mkdir -p "$RES"
WORK=$(mktemp -d /tmp/callctl-sipbench.XXXXXX)
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$RES/progress.log" >&2; }

# --- cleanup: every job is started in its own process group (setsid) and killed as a group ------
JOBS=()
SERVER_PGID=""
SERVER_PID=""
SERVER_LOG=/dev/null
# NODES > 1: the further nodes' process groups and pids (SERVER_PID is node 001; CPU figures sum them all).
EXTRA_PGIDS=()
EXTRA_PIDS=()
SAMPLER_PID=""
CFG_DIR=""
CFG_DIRS=()
cleanup() {
  local rc=$?
  set +e
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  for pg in "${JOBS[@]}"; do kill -TERM -- "-$pg" 2>/dev/null; done
  stop_server
  for pg in "${JOBS[@]}"; do kill -KILL -- "-$pg" 2>/dev/null; done
  [ -n "$CFG_DIR" ] && rm -rf "$CFG_DIR"
  for d in "${CFG_DIRS[@]}"; do rm -rf "$d"; done
  rm -rf "$WORK"
  log "cleaned up (exit $rc); results in ${RES#"$REPO"/}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts "$@" in a new process group; sets JOB to its pid (= its group id).
start_job() {
  setsid "$@" &
  JOB=$!
  JOBS+=("$JOB")
}

# --- /proc helpers --------------------------------------------------------------------------------
# utime + stime (clock ticks) of a process (all its threads), and of its main thread alone (for node:
# the event loop; the rest is GC, libuv and Temporal's threads). Command names here have no spaces.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
main_ticks() { awk '{ print $14 + $15 }' "/proc/$1/task/$1/stat" 2>/dev/null || echo 0; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# Proportional set size: shared pages split among the processes that map them, so the PSS of a
# process family adds up (Kamailio's shared-memory pool is mapped by all its processes).
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
to_ms() { echo $(( ${1%.*} * 1000 + 10#${1#*.} / 1000000 )); } # "seconds.nanoseconds" (date +%s.%N) -> ms
udp_counter() { awk -v k="$1" '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) n[$i] = i; h = 1 } else print $(n[k]) }' /proc/net/snmp; }
# Sum of a socket-memory field (d = drops) over the UDP sockets whose local port is in [lo, hi].
sock_drops() {
  ss -uanm 2>/dev/null | awk -v lo="$1" -v hi="$2" '
    /^UNCONN|^ESTAB/ { split($4, a, ":"); p = a[length(a)] + 0; keep = (p >= lo && p <= hi); next }
    keep && /skmem/ { if (match($0, /,d[0-9]+\)/)) s += substr($0, RSTART + 2, RLENGTH - 3) }
    END { print s + 0 }'
}
port_busy() { ss -lunH "sport = :$1" 2>/dev/null | grep -q . ; }

# --- preflight ------------------------------------------------------------------------------------
for tool in sipp sox jq setsid /usr/bin/time; do command -v "$tool" >/dev/null || { log "missing: $tool"; exit 2; }; done
if { want kamailio || want kamailio-concurrency; } && ! command -v kamailio >/dev/null; then log "missing: kamailio (apt-get install -y kamailio)"; exit 2; fi
for p in "$SIP_PORT" $((SIP_PORT + 2)) "$UAS_PORT" "$UAC_PORT" $((UAC_PORT + 1)) $((UAC_PORT + 2)) $((UAC_PORT + 3)); do
  if port_busy "$p"; then log "UDP port $p is in use: set SIP_PORT/UAS_PORT/UAC_PORT"; exit 2; fi
done
sox -n -r 8000 -e u-law -t raw "$WORK/tone.ulaw" synth 1 sine 440

MACHINE="$(nproc) vCPU (nproc), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), Node $(node --version), $(sipp -v 2>&1 | grep -o 'SIPp v[0-9.]*' | head -1)$(command -v kamailio >/dev/null && echo ", $(kamailio -v | head -1 | awk '{ print $2, $3 }')")"
jq -n --arg date "$(date -u)" --arg machine "$MACHINE" --arg load "$(loadavg)" --arg ulimit "$(ulimit -n)" \
  --arg rates "$RATES" --arg kamRates "$KAM_RATES" --argjson stepS "$STEP_S" --argjson holdMs "$HOLD_MS" --argjson callers "$CALLERS" \
  --argjson nodes "$NODES" --argjson concCalls "$CONC_CALLS" --argjson concRamp "$CONC_RAMP_CPS" --argjson concHold "$CONC_HOLD_S" \
  --arg experimentSipRcvbuf "${BENCH_SIP_RCVBUF:-}" --arg nodeFlags "${BENCH_NODE_FLAGS:-}" --arg cpuProf "${BENCH_CPU_PROF:-0}" \
  '{experimentSipRcvbuf: $experimentSipRcvbuf, nodeFlags: $nodeFlags, cpuProf: $cpuProf, date: $date, machine: $machine, loadAtStart: $load, openFileLimit: $ulimit, rates: $rates, kamRates: $kamRates, stepS: $stepS, holdMs: $holdMs, callers: $callers, nodes: $nodes, concCalls: $concCalls, concRampCps: $concRamp, concHoldS: $concHold}' >"$RES/run.json"
log "sip bench: $MACHINE; open-file limit $(ulimit -n); load $(loadavg); results in ${RES#"$REPO"/}"

# --- the server -----------------------------------------------------------------------------------
start_server() {
  local label=$1
  local split=()
  # NODES > 1: node 001 as a split-roles node (its own feed; media 20000-29999 as always).
  [ "$label" = rate ] && [ "$NODES" -gt 1 ] && split=(0 0)
  "$REPO/node_modules/.bin/tsx" "$HERE/make-config.ts" "$SIP_PORT" "$UAS_PORT" "${split[@]}" >"$WORK/cfg.json"
  CFG_DIR=$(jq -r .dir "$WORK/cfg.json")
  local cfg http prof=() extra=()
  cfg=$(jq -r .file "$WORK/cfg.json")
  http=$(jq -r .httpPort "$WORK/cfg.json")
  HTTP_URL="http://127.0.0.1:$http/rest/v1/user/sip/calls"
  PROBE="$RES/probe-$label.jsonl"
  SERVER_LOG="$RES/server-$label.log"
  : >"$PROBE"
  [ "${BENCH_CPU_PROF:-0}" = 1 ] && prof=(--cpu-prof --cpu-prof-dir "$RES/cpu-prof-$label")
  # The concurrency run takes its memory figures after a full GC (the probe's SIGWINCH).
  [ "$label" = conc ] && prof+=(--expose-gc)
  # Extra node flags for a diagnosis run, e.g. BENCH_NODE_FLAGS=--trace-gc (written to the server log).
  [ -n "${BENCH_NODE_FLAGS:-}" ] && read -r -a extra <<<"$BENCH_NODE_FLAGS" && prof+=("${extra[@]}")
  log "[$label] starting the server (node ${prof[*]} --import tsx bin/callctl.ts start, LOG_LEVEL=warn, probe bench/sip/probe.ts)"
  # Run directly under setsid so its pid is the group id; bounded by timeout inside.
  local relay=0
  [ "$label" = conc ] && relay=1
  [ -n "${BENCH_SIP_RCVBUF:-}" ] && log "[$label] EXPERIMENT: the probe sets SO_RCVBUF=$BENCH_SIP_RCVBUF on the server's SIP socket (not the server as shipped)"
  BENCH_SIP_PORT=$SIP_PORT BENCH_PROBE_FILE=$PROBE BENCH_PROBE_RELAY=$relay LOG_LEVEL=warn setsid timeout --kill-after=20 3600 \
    node "${prof[@]}" --import tsx --import "$HERE/probe-preload.mjs" "$REPO/bin/callctl.ts" start --config "$cfg" \
    >"$SERVER_LOG" 2>&1 &
  SERVER_PGID=$!
  local i
  for i in $(seq 1 180); do
    SERVER_PID=$(pgrep -P "$SERVER_PGID" -x node | head -1 || true)
    if [ -n "$SERVER_PID" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer alice-token' "$HTTP_URL")" = 200 ]; then break; fi
    if ! kill -0 "$SERVER_PGID" 2>/dev/null; then log "server exited:"; tail -20 "$RES/server-$label.log" >&2; exit 1; fi
    sleep 1
  done
  [ "$i" -lt 180 ] || { log "server not ready in 180 s"; exit 1; }
  log "[$label] server ready in ${i}s: pid $SERVER_PID, $(fd_count "$SERVER_PID") open files, RSS $(( $(rss_kib "$SERVER_PID") / 1024 )) MiB"
  [ "$label" = rate ] && [ "$NODES" -gt 1 ] && start_extra_nodes "$label" "$(jq -r .temporalPort "$WORK/cfg.json")"
  return 0
}

# NODES > 1: SIP nodes 002… in processes of their own (--roles sip), on node 001's Temporal.
start_extra_nodes() {
  local label=$1 tport=$2 k
  for k in $(seq 1 $((NODES - 1))); do
    local port=$((SIP_PORT + 2 * k)) cfgj
    # Node k's media range: 20000+10000k… (make-config.ts).
    cfgj=$("$REPO/node_modules/.bin/tsx" "$HERE/make-config.ts" "$port" "$UAS_PORT" "$k" "$tport")
    local cfg
    cfg=$(jq -r .file <<<"$cfgj")
    CFG_DIRS+=("$(jq -r .dir <<<"$cfgj")")
    log "[$label] starting SIP node $((k + 1)) (--roles sip, UDP $port, Temporal 127.0.0.1:$tport)"
    BENCH_SIP_PORT=$port BENCH_PROBE_FILE="$RES/probe-$label-node$((k + 1)).jsonl" BENCH_PROBE_RELAY=0 LOG_LEVEL=warn setsid timeout --kill-after=20 3600 \
      node --import tsx --import "$HERE/probe-preload.mjs" "$REPO/bin/callctl.ts" start --config "$cfg" --roles sip \
      >"$RES/server-$label-node$((k + 1)).log" 2>&1 &
    local pg=$! pid="" i
    EXTRA_PGIDS+=("$pg")
    for i in $(seq 1 120); do
      pid=$(pgrep -P "$pg" -x node | head -1 || true)
      [ -n "$pid" ] && port_busy "$port" && break
      kill -0 "$pg" 2>/dev/null || { log "node $((k + 1)) exited:"; tail -20 "$RES/server-$label-node$((k + 1)).log" >&2; exit 1; }
      sleep 1
    done
    [ "$i" -lt 120 ] || { log "node $((k + 1)) not ready in 120 s"; exit 1; }
    EXTRA_PIDS+=("$pid")
    log "[$label] SIP node $((k + 1)) ready in ${i}s: pid $pid"
  done
}

stop_server() {
  local pg
  for pg in "${EXTRA_PGIDS[@]}"; do
    kill -TERM "$(pgrep -P "$pg" -x node | head -1)" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do kill -0 "$pg" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pg" 2>/dev/null || true
    wait "$pg" 2>/dev/null || true
  done
  EXTRA_PGIDS=()
  EXTRA_PIDS=()
  [ -n "$SERVER_PGID" ] || return 0
  if kill -0 "$SERVER_PGID" 2>/dev/null; then
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null
    local i
    for i in $(seq 1 30); do kill -0 "$SERVER_PGID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  fi
  SERVER_PGID=""
  SERVER_PID=""
}

probe() {
  local p
  for p in "${EXTRA_PIDS[@]}"; do kill -USR2 "$p" 2>/dev/null || true; done
  [ -n "$SERVER_PID" ] && kill -USR2 "$SERVER_PID" 2>/dev/null || true
}
# CPU ticks of every server process (all nodes), of their main threads.
srv_ticks() { local s=0 p; for p in "$SERVER_PID" "${EXTRA_PIDS[@]}"; do s=$((s + $(cpu_ticks "$p"))); done; echo "$s"; }
srv_main_ticks() { local s=0 p; for p in "$SERVER_PID" "${EXTRA_PIDS[@]}"; do s=$((s + $(main_ticks "$p"))); done; echo "$s"; }

# Every second: a probe line from the server (when it runs) and /proc figures of the watched pids.
start_sampler() {
  local out=$1
  shift
  (
    while :; do
      probe
      local line="$(date +%s.%N | cut -c1-14)"
      for p in "$@"; do line+=" $p:$(cpu_ticks "$p"):$(fd_count "$p"):$(rss_kib "$p"):$(main_ticks "$p")"; done
      echo "$line" >>"$out"
      sleep 1
    done
  ) &
  SAMPLER_PID=$!
}
stop_sampler() { [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""; }

# Waits until the server has no relay session left (every call's sockets closed).
wait_settled() {
  local i n=""
  for i in $(seq 1 60); do
    probe
    sleep 0.5
    n=$(tail -1 "$PROBE" | jq '.media.sessions // 0')
    local f
    for f in "$RES"/probe-rate-node*.jsonl; do [ -s "$f" ] && n=$((n + $(tail -1 "$f" | jq '.media.sessions // 0'))); done
    [ "$n" = 0 ] && return 0
    sleep 0.5
  done
  curl -s -H 'Authorization: Bearer alice-token' "$HTTP_URL" >"$RES/stuck-calls-$1.json" || true
  log "server still has $n relay sessions after 60 s (its calls: ${RES#"$REPO"/}/stuck-calls-$1.json)"
}

# SIPp under /usr/bin/time (CPU of the whole run) and timeout, in its own group, run from $WORK
# (where tone.ulaw is). sipp_job NAME TIMEOUT_S ARGS…  -> JOB
sipp_job() {
  local name=$1 t=$2 trace=()
  shift 2
  # BENCH_SIPP_TRACE=1: every SIP message SIPp sends and receives, in NAME.msg (diagnosis runs).
  [ "${BENCH_SIPP_TRACE:-0}" = 1 ] && trace=(-trace_msg -message_file "$RES/$name.msg")
  start_job sh -c 'cd "$0" && exec "$@"' "$WORK" /usr/bin/time -f '%e %U %S' -o "$RES/$name.time" \
    timeout --kill-after=5 "$((t + 10))" sipp "$@" -i 127.0.0.1 -timeout "${t}s" -timeout_error -nostdin \
    -trace_stat -stf "$RES/$name.csv" -fd 1 -trace_screen -screen_file "$RES/$name.screen" \
    -trace_err -error_file "$RES/$name.err" "${trace[@]}" >"$RES/$name.out" 2>&1
}
# The sipp process of a sipp_job (time -> timeout -> sipp).
sipp_pid() { pgrep -P "$(pgrep -P "$1" | head -1)" -x sipp | head -1; }
# Last CSV line of a SIPp run as JSON {successful, failed, retrans, created, rtt1Ms, timeouts…}.
sipp_stats() {
  local csv=$RES/$1.csv
  [ -s "$csv" ] || { echo '{"successful":0,"failed":0,"retrans":0,"created":0,"rtt1Ms":null,"deadMsgs":0,"outOfCall":0}'; return; }
  awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { last = $0 } END {
      n = split(last, v, ";")
      split(v[c["ResponseTime1(C)"]], t, ":")
      rtt = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] / 1000
      printf "{\"successful\":%d,\"failed\":%d,\"retrans\":%d,\"created\":%d,\"rtt1Ms\":%.1f,\"deadMsgs\":%d,\"outOfCall\":%d,\"timeoutOnRecv\":%d,\"maxUdpRetrans\":%d,\"unexpected\":%d,\"regexp\":%d}\n",
        v[c["SuccessfulCall(C)"]], v[c["FailedCall(C)"]], v[c["Retransmissions(C)"]], v[c["TotalCallCreated"]], rtt,
        v[c["DeadCallMsgs(C)"]], v[c["OutOfCallMsgs(C)"]], v[c["FailedTimeoutOnRecv(C)"]], v[c["FailedMaxUDPRetrans(C)"]],
        v[c["FailedUnexpectedMessage(C)"]], v[c["FailedRegexpDoesntMatch(C)"]]
    }' "$csv"
}
time_cpu() { # "elapsed user sys" of /usr/bin/time -> {"cpuS", "elapsedS", "pct"} (CPU % of one core over its run)
  awk 'NF == 3 && $1 ~ /^[0-9.]+$/ { c = $2 + $3; printf "{\"cpuS\":%.2f,\"elapsedS\":%.2f,\"pct\":%.1f}\n", c, $1, ($1 > 0 ? 100 * c / $1 : 0) }' "$RES/$1.time" 2>/dev/null | tail -1 | grep . || echo null
}

# SIPp's error logs of a failed step run to tens of MB: keep their first 256 KiB (the first errors
# tell the story) and compress message traces.
trim_logs() {
  local f
  for f in "$RES"/*.err; do
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -gt 262144 ] && { head -c 262144 "$f" >"$f.head" && echo "[… truncated by run.sh: $(stat -c %s "$f") bytes in all]" >>"$f.head" && mv "$f.head" "$f"; }
  done
  for f in "$RES"/*.msg; do [ -f "$f" ] && gzip -f "$f"; done
  return 0
}

# --- one rate step ---------------------------------------------------------------------------------
# rate_step TARGET(server|kamailio) RATE  -> appends a line to steps.jsonl; returns 1 when calls failed.
rate_step() {
  local target=$1 rate=$2 n=$(( $2 * STEP_S )) callers=$CALLERS
  local tag="$target-$rate" load k uac_names=() uac_pgids=()
  load=$(loadavg)
  log "[$target] $rate calls/s for ${STEP_S}s ($n calls, hold ${HOLD_MS} ms, $callers caller(s)); load average $load"
  local uas_scn=(-sf "$HERE/uas-rate.xml") uac_scn=(-sf "$HERE/uac-rate.xml" -s 12 -au sip1 -ap secret1 -auth_uri 12@test.rootdomain.ru)
  if [ "$target" = kamailio ]; then uas_scn=(-sn uas); uac_scn=(-sn uac); fi
  # Generous SIP socket buffers for SIPp (4 MB, the machine's rmem_max), the same for both targets.
  sipp_job "$tag-uas" $((STEP_S + 45)) "${uas_scn[@]}" -p "$UAS_PORT" -mp 16000 -m "$n" -buff_size 4194304
  local uas_pg=$JOB
  sleep 0.5
  local watched=()
  local t0 c0
  # A probe line now: the event-loop histogram restarts with the step (lines after t0 are the step's).
  [ "$target" = server ] && { probe; sleep 0.3; }
  t0=$(date +%s.%N)
  local m0=0 d0=0
  if [ "$target" = server ]; then c0=$(srv_ticks); m0=$(srv_main_ticks); watched=("$SERVER_PID" "${EXTRA_PIDS[@]}"); else c0=$(kam_ticks); watched=($(kam_pids)); fi
  d0=$(sock_drops "$SIP_PORT" $((SIP_PORT + 2 * (NODES - 1))))
  local udp0 rcv0 log0=0
  udp0=$(udp_counter InErrors); rcv0=$(udp_counter RcvbufErrors)
  [ "$target" = server ] && log0=$(wc -l <"$SERVER_LOG")
  # Further nodes' logs (NODES > 1): their line counts now, so only this step's lines are read.
  local -A node_log0=()
  local f
  for f in "$RES"/server-rate-node*.log; do [ -f "$f" ] && node_log0[$f]=$(wc -l <"$f"); done
  for k in $(seq 0 $((callers - 1))); do
    local name="$tag-uac$k"
    local dest=$SIP_PORT
    [ "$target" = server ] && [ "$NODES" -gt 1 ] && dest=$((SIP_PORT + 2 * k))
    sipp_job "$name" $((STEP_S + 35)) "127.0.0.1:$dest" "${uac_scn[@]}" -p $((UAC_PORT + k)) -mp $((18000 + 100 * k)) \
      -r "$(awk -v r="$rate" -v c="$callers" 'BEGIN { printf "%g", r / c }')" -m $((n / callers)) -d "$HOLD_MS" -buff_size 4194304
    uac_names+=("$name")
    uac_pgids+=("$JOB")
  done
  start_sampler "$RES/$tag.samples" "${watched[@]}"
  for k in "${uac_pgids[@]}"; do while kill -0 "$k" 2>/dev/null; do sleep 0.2; done; done
  # CPU over the callers' run: from their start until the last BYE was answered.
  local t1 c1 m1=0 d1
  t1=$(date +%s.%N)
  if [ "$target" = server ]; then c1=$(srv_ticks); m1=$(srv_main_ticks); else c1=$(kam_ticks); fi
  d1=$(sock_drops "$SIP_PORT" $((SIP_PORT + 2 * (NODES - 1))))
  # The UAS ends by itself once it has seen every call; one still waiting for a call that failed
  # upstream is stopped (SIGTERM to sipp alone, so /usr/bin/time still reports its CPU).
  local i
  for i in $(seq 1 30); do kill -0 "$uas_pg" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$uas_pg" 2>/dev/null; then kill -TERM "$(sipp_pid "$uas_pg")" 2>/dev/null || true; sleep 1; fi
  stop_sampler
  local udp1 rcv1
  udp1=$(udp_counter InErrors); rcv1=$(udp_counter RcvbufErrors)
  local wall cpu_pct
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
  cpu_pct=$(awk -v d=$((c1 - c0)) -v w="$wall" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", 100 * d / hz / w }')
  local main_pct
  main_pct=$(awk -v d=$((m1 - m0)) -v w="$wall" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", 100 * d / hz / w }')
  # SIPp figures: sum over the callers; CPU % over the same wall time.
  local uacs='[]' nm
  for nm in "${uac_names[@]}"; do
    uacs=$(jq -c --argjson s "$(sipp_stats "$nm")" --argjson cpu "$(time_cpu "$nm")" '. + [$s + {cpu: $cpu}]' <<<"$uacs")
  done
  local uas
  uas=$(jq -c --argjson cpu "$(time_cpu "$tag-uas")" '. + {cpu: $cpu}' <<<"$(sipp_stats "$tag-uas")")
  local probe_json='null'
  if [ "$target" = server ]; then
    # Every node's probe lines (NODES > 1: the worst second of any node; the peaks are one node's).
    local probes=("$PROBE") pf
    for pf in "$RES"/probe-rate-node*.jsonl; do [ -f "$pf" ] && probes+=("$pf"); done
    probe_json=$(cat "${probes[@]}" | jq -sc --argjson t0 "$(to_ms "$t0")" --argjson t1 "$(to_ms "$t1")" '
      map(select(.t > $t0 and .t <= $t1 + 1500)) |
      { eldP99MaxMs: (map(.eventLoopDelayMs.p99) | max), eldMaxMs: (map(.eventLoopDelayMs.max) | max),
        peakSessions: (map(.media.sessions // 0) | max), peakSockets: (map(.media.socketsOpen // 0) | max),
        peakRssKiB: (map(.rssKiB) | max) }')
  fi
  # What the server logged during the step (LOG_LEVEL=warn): calls refused for want of media ports
  # (503), and 2xx never ACKed (the call is ended with BYE).
  local no_ports=0 no_ack=0
  if [ "$target" = server ]; then
    no_ports=$(tail -n +$((log0 + 1)) "$SERVER_LOG" | grep -c 'no free RTP/RTCP pair' || true)
    no_ack=$(tail -n +$((log0 + 1)) "$SERVER_LOG" | grep -c 'never acknowledged' || true)
    for f in "$RES"/server-rate-node*.log; do
      [ -f "$f" ] || continue
      no_ports=$((no_ports + $(tail -n +$(( ${node_log0[$f]:-0} + 1 )) "$f" | grep -c 'no free RTP/RTCP pair' || true)))
      no_ack=$((no_ack + $(tail -n +$(( ${node_log0[$f]:-0} + 1 )) "$f" | grep -c 'never acknowledged' || true)))
    done
  fi
  trim_logs
  local peak_fds
  peak_fds=$(awk -v p="${watched[0]}" '{ for (i = 2; i <= NF; i++) { split($i, a, ":"); if (a[1] == p && a[3] > m) m = a[3] } } END { print m + 0 }' "$RES/$tag.samples")
  local line
  line=$(jq -nc --arg target "$target" --argjson rate "$rate" --argjson n "$n" --argjson callers "$callers" --argjson nodes "$([ "$target" = server ] && echo "$NODES" || echo 1)" --arg load "$load" \
    --argjson wall "$wall" --argjson cpu "$cpu_pct" --argjson cpuTicks $((c1 - c0)) --argjson uacs "$uacs" --argjson uas "$uas" \
    --argjson probe "$probe_json" --argjson peakFds "$peak_fds" --argjson udpInErrors $((udp1 - udp0)) --argjson udpRcvbufErrors $((rcv1 - rcv0)) --argjson hz "$CLK_TCK" \
    --argjson mainPct "$main_pct" --argjson sipDrops $((d1 - d0)) --argjson noPorts "$no_ports" --argjson noAck "$no_ack" '
    ($uacs | map(.successful) | add) as $ok | ($uacs | map(.failed) | add) as $failed |
    { target: $target, rate: $rate, calls: $n, callers: $callers, nodes: $nodes, load: $load, wallS: $wall,
      serverCpuPct: $cpu, mainThreadCpuPct: (if $target == "server" then $mainPct else null end), serverCpuMsPerCall: (if $ok > 0 then ($cpuTicks * 1000 / $hz / $ok * 100 | round / 100) else null end),
      successful: $ok, failed: $failed, notCompleted: ($n - $ok - $failed),
      retrans: ($uacs | map(.retrans) | add), uasRetrans: $uas.retrans, uasFailed: $uas.failed,
      rtt1Ms: ($uacs | map(.rtt1Ms) | add / length),
      uacCpu: ($uacs | map(.cpu)), uasCpu: $uas.cpu, uacs: $uacs, uas: $uas,
      probe: $probe, peakFds: $peakFds, udpInErrors: $udpInErrors, udpRcvbufErrors: $udpRcvbufErrors, sipSocketDrops: $sipDrops,
      serverLog: { noMediaPorts: $noPorts, twoXxNeverAcked: $noAck } }')
  echo "$line" >>"$RES/steps.jsonl"
  local failed
  failed=$(jq '.failed + .notCompleted + .uasFailed' <<<"$line")
  log "[$target] $rate calls/s: $(jq -r '"\(.successful) ok, \(.failed) failed, \(.notCompleted) not completed, UAS failed \(.uasFailed), retrans \(.retrans)/\(.uasRetrans), CPU \(.serverCpuPct) % (main thread \(.mainThreadCpuPct // "-") %, \(.serverCpuMsPerCall // "-") ms/call), SIPp CPU uac \(.uacCpu | map("\(.pct // "?") %") | join(", ")) uas \(.uasCpu.pct // "?") %, setup \(.rtt1Ms) ms, event loop delay p99/max \(.probe.eldP99MaxMs // "-")/\(.probe.eldMaxMs // "-") ms, peak fds \(.peakFds), drops at the SIP socket \(.sipSocketDrops), UDP rcvbuf errors (machine) \(.udpRcvbufErrors), server log: no media ports \(.serverLog.noMediaPorts), 2xx never ACKed \(.serverLog.twoXxNeverAcked)"' <<<"$line")"
  [ "$failed" -eq 0 ]
}

# Idle CPU of the server over 10 s (Temporal's worker polls and timers), so per-call figures can be read.
measure_idle() {
  local c0 m0 t0 c1 m1 t1
  c0=$(srv_ticks); m0=$(srv_main_ticks); t0=$(date +%s.%N)
  sleep 10
  c1=$(srv_ticks); m1=$(srv_main_ticks); t1=$(date +%s.%N)
  jq -nc --argjson c $((c1 - c0)) --argjson m $((m1 - m0)) --arg t0 "$t0" --arg t1 "$t1" --argjson hz "$CLK_TCK" --arg name "$1" --argjson rss "$(rss_kib "$SERVER_PID")" --argjson fds "$(fd_count "$SERVER_PID")" \
    '{ run: $name, idleCpuPct: (100 * $c / $hz / (($t1 | tonumber) - ($t0 | tonumber)) * 10 | round / 10), idleMainThreadPct: (100 * $m / $hz / (($t1 | tonumber) - ($t0 | tonumber)) * 10 | round / 10), rssKiB: $rss, fds: $fds }' >>"$RES/idle.jsonl"
  log "[$1] idle server: $(tail -1 "$RES/idle.jsonl" | jq -r '"CPU \(.idleCpuPct) % (main thread \(.idleMainThreadPct) %), RSS \(.rssKiB / 1024 | floor) MiB, \(.fds) open files"')"
}

# A short run before the measured steps, so the server's code is compiled (JIT) when they start.
warm_up() {
  local k
  for k in $(seq 0 $((NODES - 1))); do
    sipp_job "warm-$2-uas" 40 -sf "$HERE/uas-rate.xml" -p "$UAS_PORT" -mp 16000 -m "$1"
    local wpg=$JOB
    sleep 0.5
    sipp_job "warm-$2-uac" 40 "127.0.0.1:$((SIP_PORT + 2 * k))" -sf "$HERE/uac-rate.xml" -s 12 -au sip1 -ap secret1 -auth_uri 12@test.rootdomain.ru \
      -p "$UAC_PORT" -mp 18000 -r 50 -m "$1" -d 500
    while kill -0 "$JOB" 2>/dev/null; do sleep 0.5; done
    while kill -0 "$wpg" 2>/dev/null; do sleep 0.5; done
    log "[$2] warm-up of node $((k + 1)): $1 calls at 50 calls/s, $(sipp_stats "warm-$2-uac" | jq -r '"\(.successful) ok, \(.failed) failed"')"
  done
  sleep 3
}

run_rate_steps() {
  local target=$1 rates=$2 r fails=0
  for r in $rates; do
    if ! rate_step "$target" "$r"; then
      fails=$((fails + 1))
      if [ "$STOP_ON_FAIL" -gt 0 ] && [ "$fails" -ge "$STOP_ON_FAIL" ]; then log "[$target] calls failed in $fails steps (the last at $r calls/s): no higher rate"; break; fi
    fi
    if [ "$target" = server ]; then wait_settled "$r"; fi
    sleep 3
  done
}

# --- Kamailio ---------------------------------------------------------------------------------------
KAM_PGID=""
kam_pids() {
  local p
  for p in $(pgrep -f -- "-f $WORK/kamailio/kamailio.cfg"); do [ "$(cat "/proc/$p/comm" 2>/dev/null)" = kamailio ] && echo "$p"; done
  return 0
}
kam_ticks() { local s=0 p; for p in $(kam_pids); do s=$((s + $(cpu_ticks "$p"))); done; echo "$s"; }
kam_pss() { local s=0 p; for p in $(kam_pids); do s=$((s + $(pss_kib "$p"))); done; echo "$s"; }
kam_fds() { local s=0 p; for p in $(kam_pids); do s=$((s + $(fd_count "$p"))); done; echo "$s"; }
start_kamailio() {
  mkdir -p "$WORK/kamailio/run"
  # The reference config with only its paths changed: rundir, and the listen port when SIP_PORT is not 5060.
  sed -e "s#/tmp/kamailio-ref/run#$WORK/kamailio/run#" -e "s#127.0.0.1:5060#127.0.0.1:$SIP_PORT#g" -e "s#127.0.0.1:5090#127.0.0.1:$UAS_PORT#g" \
    /work/shared/bench/kamailio-reference.cfg >"$WORK/kamailio/kamailio.cfg"
  diff /work/shared/bench/kamailio-reference.cfg "$WORK/kamailio/kamailio.cfg" >"$RES/kamailio-cfg.diff" || true
  kamailio -c -f "$WORK/kamailio/kamailio.cfg" >"$RES/kamailio-check.log" 2>&1 || { log "kamailio -c failed"; cat "$RES/kamailio-check.log" >&2; exit 1; }
  # As the README (-m 1024 -M 16), in the foreground (-DD: no daemon, children still forked) so the
  # trap can stop it; log to stderr (-E).
  start_job timeout --kill-after=5 3600 kamailio -DD -E -f "$WORK/kamailio/kamailio.cfg" -m 1024 -M 16 >"$RES/kamailio.log" 2>&1
  KAM_PGID=$JOB
  local i
  for i in $(seq 1 30); do port_busy "$SIP_PORT" && break; sleep 0.5; done
  sleep 1
  log "[kamailio] started: processes $(kam_pids | tr '\n' ' ')"
}
stop_kamailio() {
  [ -n "$KAM_PGID" ] || return 0
  kill -TERM -- "-$KAM_PGID" 2>/dev/null || true
  local i
  for i in $(seq 1 20); do kill -0 "$KAM_PGID" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$KAM_PGID" 2>/dev/null || true
  KAM_PGID=""
}

# --- concurrency with RTP ------------------------------------------------------------------------
gc_probe() { kill -WINCH "$SERVER_PID" 2>/dev/null || true; sleep 1; tail -1 "$PROBE"; }

run_concurrency() {
  local n=$CONC_CALLS ramp_s hold_ms
  ramp_s=$(( (n + CONC_RAMP_CPS - 1) / CONC_RAMP_CPS ))
  # Each call holds ramp + hold: the first call ends when the last has been up for CONC_HOLD_S.
  hold_ms=$(( (ramp_s + CONC_HOLD_S) * 1000 ))
  local idle idle_fds load
  # Idle figures of the fresh server (no call yet), after a full GC (node --expose-gc): conservative,
  # since what the first calls compile (JIT code) counts as per-call memory.
  # The RSS of a fresh server falls for a while (start-up garbage returned): wait until two probes
  # 3 s apart agree within 2 MiB (at most a minute).
  local prev=0 cur i
  for i in $(seq 1 20); do
    sleep 2
    idle=$(gc_probe)
    cur=$(jq .rssKiB <<<"$idle")
    [ $(( cur > prev ? cur - prev : prev - cur )) -lt 2048 ] && break
    prev=$cur
  done
  idle_fds=$(fd_count "$SERVER_PID")
  load=$(loadavg)
  log "[concurrency] $n calls at $CONC_RAMP_CPS calls/s (${ramp_s}s), each held $((hold_ms / 1000))s with RTP both ways: all up for ${CONC_HOLD_S}s; idle after GC: RSS $(jq '.rssKiB / 1024 | floor' <<<"$idle") MiB, heap $(jq '.heapUsedKiB / 1024 | floor' <<<"$idle") MiB, $idle_fds open files; load average $load"
  local rcv0
  rcv0=$(udp_counter RcvbufErrors)
  sipp_job conc-uas $((ramp_s * 2 + hold_ms / 1000 + 60)) -sf "$HERE/uas-rtp.xml" -p "$UAS_PORT" -mp 14000 -m "$n" -buff_size 4194304
  local uas_pg=$JOB
  sleep 0.5
  local t0
  t0=$(date +%s)
  sipp_job conc-uac $((ramp_s * 2 + hold_ms / 1000 + 50)) "127.0.0.1:$SIP_PORT" -sf "$HERE/uac-rtp.xml" -s 12 -au sip1 -ap secret1 -auth_uri 12@test.rootdomain.ru \
    -p "$UAC_PORT" -mp 12000 -r "$CONC_RAMP_CPS" -m "$n" -d "$hold_ms" -l "$n" -buff_size 4194304
  local uac_pg=$JOB
  start_sampler "$RES/conc.samples" "$SERVER_PID"
  # A third into the hold: CPU from there to the end of the hold; the middle: memory and open files;
  # the end: the relay counters before any BYE.
  local q1=$(( ramp_s + CONC_HOLD_S / 3 )) mid_t=$(( ramp_s + CONC_HOLD_S / 2 )) end=$(( hold_ms / 1000 - 3 ))
  while [ $(( $(date +%s) - t0 )) -lt "$q1" ]; do sleep 0.5; done
  local c_q1 m_q1 t_q1 uac_sipp uas_sipp uc_q1 us_q1
  c_q1=$(cpu_ticks "$SERVER_PID"); m_q1=$(main_ticks "$SERVER_PID"); t_q1=$(date +%s.%N)
  uac_sipp=$(sipp_pid "$uac_pg"); uas_sipp=$(sipp_pid "$uas_pg")
  uc_q1=$(cpu_ticks "$uac_sipp"); us_q1=$(cpu_ticks "$uas_sipp")
  while [ $(( $(date +%s) - t0 )) -lt "$mid_t" ]; do sleep 0.5; done
  local mid_rss_nogc mid mid_fds mid_uac_fds mid_uas_fds
  mid_rss_nogc=$(rss_kib "$SERVER_PID")
  mid=$(gc_probe)
  mid_fds=$(fd_count "$SERVER_PID"); mid_uac_fds=$(fd_count "$uac_sipp"); mid_uas_fds=$(fd_count "$uas_sipp")
  log "[concurrency] mid-hold (t=${mid_t}s): $(jq -r '"\(.media.sessions) relay sessions, \(.media.socketsOpen) media sockets; after GC RSS \(.rssKiB / 1024 | floor) MiB, heap \(.heapUsedKiB / 1024 | floor) MiB"' <<<"$mid") (RSS before the GC $((mid_rss_nogc / 1024)) MiB); open files: server $mid_fds, SIPp uac $mid_uac_fds, uas $mid_uas_fds"
  while [ $(( $(date +%s) - t0 )) -lt "$end" ]; do sleep 0.5; done
  local c_end m_end t_end uc_end us_end
  c_end=$(cpu_ticks "$SERVER_PID"); m_end=$(main_ticks "$SERVER_PID"); t_end=$(date +%s.%N)
  uc_end=$(cpu_ticks "$uac_sipp"); us_end=$(cpu_ticks "$uas_sipp")
  probe
  sleep 0.5
  local at_end server_drops sipp_drops
  at_end=$(tail -1 "$PROBE")
  server_drops=$(sock_drops 20000 29999)
  sipp_drops=$(sock_drops 12000 15999)
  log "[concurrency] end of hold (t=${end}s): $(jq -r '"\(.media.sessions) relay sessions, RTP in \(.live.packets), forwarded \(.live.forwarded), expected \(.live.expected), lost \(.live.lost), dropped \(.live.dropped), both ways \(.live.bothWays)"' <<<"$at_end"); drops in the server's media socket buffers $server_drops, at SIPp's RTP sockets $sipp_drops (SIPp never reads them)"
  while kill -0 "$uac_pg" 2>/dev/null; do sleep 1; done
  local i
  for i in $(seq 1 60); do kill -0 "$uas_pg" 2>/dev/null || break; sleep 1; done
  kill -0 "$uas_pg" 2>/dev/null && { kill -TERM "$(sipp_pid "$uas_pg")" 2>/dev/null || true; sleep 1; }
  stop_sampler
  sleep 3
  probe
  sleep 0.5
  local final hold_s
  final=$(tail -1 "$PROBE")
  hold_s=$(awk -v a="$t_q1" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
  local eld_hold
  eld_hold=$(jq -sc --argjson a "$(to_ms "$t_q1")" --argjson b "$(to_ms "$t_end")" 'map(select(.t > $a and .t <= $b and (.gc | not))) | { p99Max: (map(.eventLoopDelayMs.p99) | max), max: (map(.eventLoopDelayMs.max) | max) }' "$PROBE")
  jq -n --argjson n "$n" --arg load "$load" --argjson idle "$idle" --argjson mid "$mid" --argjson midRssNoGc "$mid_rss_nogc" --argjson idleFds "$idle_fds" \
    --argjson midFds "$mid_fds" --argjson uacFds "${mid_uac_fds:-0}" --argjson uasFds "${mid_uas_fds:-0}" --argjson atEnd "$at_end" --argjson final "$final" \
    --argjson serverDrops "$server_drops" --argjson sippDrops "$sipp_drops" --argjson eld "$eld_hold" --argjson holdS "$hold_s" --argjson hz "$CLK_TCK" \
    --argjson cpu $((c_end - c_q1)) --argjson main $((m_end - m_q1)) --argjson uacCpu $((uc_end - uc_q1)) --argjson uasCpu $((us_end - us_q1)) \
    --argjson uac "$(sipp_stats conc-uac)" --argjson uas "$(sipp_stats conc-uas)" --argjson uacRun "$(time_cpu conc-uac)" --argjson uasRun "$(time_cpu conc-uas)" \
    --argjson rampS "$ramp_s" --argjson holdMs "$hold_ms" --argjson rampCps "$CONC_RAMP_CPS" --argjson allUpS "$CONC_HOLD_S" --argjson rcvbuf0 "$rcv0" --argjson rcvbuf1 "$(udp_counter RcvbufErrors)" '
    def pct(t): (100 * t / $hz / $holdS * 10 | round / 10);
    { calls: $n, rampCps: $rampCps, rampS: $rampS, callHoldMs: $holdMs, allUpS: $allUpS, load: $load,
      successful: $uac.successful, failed: $uac.failed, notCompleted: ($n - $uac.successful - $uac.failed), uasFailed: $uas.failed,
      retrans: $uac.retrans, uasRetrans: $uas.retrans,
      holdWindowS: $holdS, serverCpuPct: pct($cpu), serverMainThreadPct: pct($main), sippUacCpuPct: pct($uacCpu), sippUasCpuPct: pct($uasCpu),
      eventLoopDuringHold: $eld, uacRun: $uacRun, uasRun: $uasRun,
      peakSessions: $mid.media.sessions, idle: $idle, mid: $mid, midRssBeforeGcKiB: $midRssNoGc,
      rssPerCallKiB: (($mid.rssKiB - $idle.rssKiB) / $n | round), heapPerCallKiB: (($mid.heapUsedKiB - $idle.heapUsedKiB) / $n | round),
      idleFds: $idleFds, midFds: $midFds, sippUacFds: $uacFds, sippUasFds: $uasFds,
      relayAtEndOfHold: $atEnd.live, relayAllSessions: $final.closed,
      serverMediaSocketDrops: $serverDrops, sippRtpSocketDrops: $sippDrops, udpRcvbufErrorsMachine: ($rcvbuf1 - $rcvbuf0), uac: $uac, uas: $uas }' >"$RES/concurrency.json"
  log "[concurrency] $(jq -r '"\(.successful)/\(.calls) ok, \(.failed) failed, \(.notCompleted) not completed, UAS failed \(.uasFailed), retrans \(.retrans)/\(.uasRetrans); after GC: RSS \(.idle.rssKiB / 1024 | floor) -> \(.mid.rssKiB / 1024 | floor) MiB = \(.rssPerCallKiB) KiB per call (heap \(.heapPerCallKiB) KiB); CPU while all were up: server \(.serverCpuPct) % (main thread \(.serverMainThreadPct) %), SIPp uac \(.sippUacCpuPct) %, uas \(.sippUasCpuPct) %; event loop p99 \(.eventLoopDuringHold.p99Max) ms; every session: RTP in \(.relayAllSessions.packets), forwarded \(.relayAllSessions.forwarded), expected \(.relayAllSessions.expected), lost \(.relayAllSessions.lost), dropped \(.relayAllSessions.dropped)"' "$RES/concurrency.json")"
}

# --- concurrency through Kamailio ---------------------------------------------------------------------
# The same calls, ramp and hold as run_concurrency, through the reference proxy. It anchors no media
# (the SIPps stream to each other) and, without the dialog module, keeps no state per call once the
# INVITE transaction is over: the figures show what a signalling-only proxy holds, against callctl's
# anchored calls. Memory is the PSS summed over Kamailio's processes (its shared pool is mapped by all).
run_kam_concurrency() {
  local n=$CONC_CALLS ramp_s hold_ms
  ramp_s=$(( (n + CONC_RAMP_CPS - 1) / CONC_RAMP_CPS ))
  hold_ms=$(( (ramp_s + CONC_HOLD_S) * 1000 ))
  sleep 2
  local pids idle_pss idle_fds load
  pids=$(kam_pids | tr '\n' ' ')
  idle_pss=$(kam_pss); idle_fds=$(kam_fds); load=$(loadavg)
  log "[kamailio-concurrency] $n calls at $CONC_RAMP_CPS calls/s (${ramp_s}s), each held $((hold_ms / 1000))s with RTP both ways (not through Kamailio): all up for ${CONC_HOLD_S}s; Kamailio idle: PSS $((idle_pss / 1024)) MiB over processes $pids, $idle_fds open files; load average $load"
  sipp_job kamconc-uas $((ramp_s * 2 + hold_ms / 1000 + 60)) -sf "$HERE/uas-rtp-proxy.xml" -p "$UAS_PORT" -mp 14000 -m "$n" -buff_size 4194304
  local uas_pg=$JOB
  sleep 0.5
  local t0 c_start
  t0=$(date +%s); c_start=$(kam_ticks)
  sipp_job kamconc-uac $((ramp_s * 2 + hold_ms / 1000 + 50)) "127.0.0.1:$SIP_PORT" -sf "$HERE/uac-rtp-proxy.xml" -s 12 \
    -p "$UAC_PORT" -mp 12000 -r "$CONC_RAMP_CPS" -m "$n" -d "$hold_ms" -l "$n" -buff_size 4194304
  local uac_pg=$JOB
  # shellcheck disable=SC2046 # one argument per Kamailio process
  start_sampler "$RES/kamconc.samples" $(kam_pids)
  local q1=$(( ramp_s + CONC_HOLD_S / 3 )) mid_t=$(( ramp_s + CONC_HOLD_S / 2 )) end=$(( hold_ms / 1000 - 3 ))
  # CPU while all calls are up (from a third into the hold to its end), and during the ramp.
  while [ $(( $(date +%s) - t0 )) -lt "$ramp_s" ]; do sleep 0.5; done
  local c_ramp t_ramp
  c_ramp=$(kam_ticks); t_ramp=$(date +%s.%N)
  while [ $(( $(date +%s) - t0 )) -lt "$q1" ]; do sleep 0.5; done
  local c_q1 t_q1
  c_q1=$(kam_ticks); t_q1=$(date +%s.%N)
  while [ $(( $(date +%s) - t0 )) -lt "$mid_t" ]; do sleep 0.5; done
  local mid_pss mid_fds mid_uac_fds mid_uas_fds
  mid_pss=$(kam_pss); mid_fds=$(kam_fds)
  mid_uac_fds=$(fd_count "$(sipp_pid "$uac_pg")"); mid_uas_fds=$(fd_count "$(sipp_pid "$uas_pg")")
  log "[kamailio-concurrency] mid-hold (t=${mid_t}s): PSS $((mid_pss / 1024)) MiB ($((mid_pss - idle_pss)) KiB more than idle), $mid_fds open files; SIPp uac $mid_uac_fds, uas $mid_uas_fds"
  while [ $(( $(date +%s) - t0 )) -lt "$end" ]; do sleep 0.5; done
  local c_end t_end
  c_end=$(kam_ticks); t_end=$(date +%s.%N)
  while kill -0 "$uac_pg" 2>/dev/null; do sleep 1; done
  local i
  for i in $(seq 1 60); do kill -0 "$uas_pg" 2>/dev/null || break; sleep 1; done
  kill -0 "$uas_pg" 2>/dev/null && { kill -TERM "$(sipp_pid "$uas_pg")" 2>/dev/null || true; sleep 1; }
  stop_sampler
  local peak_pss after_pss
  after_pss=$(kam_pss)
  # The highest sampled RSS is not summable (shared pages); the peak PSS comes from the mid and end reads.
  peak_pss=$(( mid_pss > after_pss ? mid_pss : after_pss ))
  local hold_s
  hold_s=$(awk -v a="$t_q1" -v b="$t_end" 'BEGIN { printf "%.2f", b - a }')
  local ramp_wall
  ramp_wall=$(awk -v a="$t0" -v b="$t_ramp" 'BEGIN { printf "%.2f", b - a }')
  jq -n --argjson n "$n" --arg load "$load" --argjson idlePss "$idle_pss" --argjson midPss "$mid_pss" --argjson afterPss "$after_pss" \
    --argjson idleFds "$idle_fds" --argjson midFds "$mid_fds" --argjson uacFds "${mid_uac_fds:-0}" --argjson uasFds "${mid_uas_fds:-0}" \
    --argjson holdS "$hold_s" --argjson rampWall "$ramp_wall" --argjson hz "$CLK_TCK" --argjson cpuHold $((c_end - c_q1)) --argjson cpuRamp $((c_ramp - c_start)) \
    --argjson uac "$(sipp_stats kamconc-uac)" --argjson uas "$(sipp_stats kamconc-uas)" --argjson uacRun "$(time_cpu kamconc-uac)" --argjson uasRun "$(time_cpu kamconc-uas)" \
    --argjson rampS "$ramp_s" --argjson holdMs "$hold_ms" --argjson rampCps "$CONC_RAMP_CPS" --argjson allUpS "$CONC_HOLD_S" --arg pids "$pids" '
    { calls: $n, rampCps: $rampCps, rampS: $rampS, callHoldMs: $holdMs, allUpS: $allUpS, load: $load, processes: ($pids | split(" ") | map(select(. != "")) | length),
      successful: $uac.successful, failed: $uac.failed, notCompleted: ($n - $uac.successful - $uac.failed), uasFailed: $uas.failed,
      retrans: $uac.retrans, uasRetrans: $uas.retrans,
      holdWindowS: $holdS, kamailioCpuPctWhileUp: (100 * $cpuHold / $hz / $holdS * 10 | round / 10),
      kamailioCpuPctRamp: (100 * $cpuRamp / $hz / $rampWall * 10 | round / 10),
      idlePssKiB: $idlePss, midPssKiB: $midPss, afterPssKiB: $afterPss, pssPerCallKiB: (($midPss - $idlePss) / $n * 10 | round / 10),
      idleFds: $idleFds, midFds: $midFds, sippUacFds: $uacFds, sippUasFds: $uasFds, uacRun: $uacRun, uasRun: $uasRun, uac: $uac, uas: $uas }' >"$RES/kamailio-concurrency.json"
  log "[kamailio-concurrency] $(jq -r '"\(.successful)/\(.calls) ok, \(.failed) failed, \(.notCompleted) not completed, UAS failed \(.uasFailed), retrans \(.retrans)/\(.uasRetrans); PSS \(.idlePssKiB / 1024 | floor) -> \(.midPssKiB / 1024 | floor) MiB = \(.pssPerCallKiB) KiB per call; Kamailio CPU during the ramp \(.kamailioCpuPctRamp) %, while all were up \(.kamailioCpuPctWhileUp) %; open files \(.idleFds) -> \(.midFds)"' "$RES/kamailio-concurrency.json")"
}

# --- main -----------------------------------------------------------------------------------------
if want rate; then
  start_server rate
  warm_up 300 rate
  measure_idle rate
  run_rate_steps server "$RATES"
  stop_server
  rm -rf "$CFG_DIR"; CFG_DIR=""
fi
if want concurrency; then
  start_server conc
  run_concurrency
  stop_server
  rm -rf "$CFG_DIR"; CFG_DIR=""
fi
if want kamailio; then
  start_kamailio
  run_rate_steps kamailio "$KAM_RATES"
  stop_kamailio
fi
if want kamailio-concurrency; then
  start_kamailio
  run_kam_concurrency
  stop_kamailio
fi
trim_logs
log "done: load average $(loadavg)"
