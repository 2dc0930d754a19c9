#!/usr/bin/env bash
# What the audit log costs the HTTP server: POST /v1/decide with wrk
# (bench/serve_decide.lua, 64 connections, one wrk thread) against
# `clearance serve --threads 1`, alternating configurations run by run so that
# the machine's load falls on all of them alike. Prints each run, the medians
# and each configuration's throughput as a share of the server without a store.
#
# Usage: bench/audit_overhead.sh [path/to/clearance]   RUNS=5 DURATION=4
#   none   no store at all
#   off    --store, --audit-mode off (registry, licences, usage metering on)
#   async  --store, --audit-mode async
#   sync   --store, --audit-mode sync
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN=$(realpath "${1:-$ROOT/build/clearance}")
RUNS=${RUNS:-5}
DURATION=${DURATION:-4}
command -v wrk >/dev/null || { echo "audit_overhead: wrk is required" >&2; exit 1; }
TMP=$(mktemp -d)
PID=""
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

run() { # config -> req/s
    local cfg=$1 args=()
    rm -f "$TMP"/store.db* "$TMP/port"
    case $cfg in
    none) ;;
    off) args=(--store "$TMP/store.db" --audit-mode off) ;;
    async) args=(--store "$TMP/store.db" --audit-mode async) ;;
    sync) args=(--store "$TMP/store.db" --audit-mode sync) ;;
    esac
    "$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 1 "${args[@]}" \
        2>"$TMP/serve.log" &
    PID=$!
    for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
    local port
    port=$(cat "$TMP/port")
    wrk -t1 -c64 -d"${DURATION}s" -s "$HERE/serve_decide.lua" "http://127.0.0.1:$port/v1/decide" |
        awk '/Requests\/sec/ {print int($2)}'
    kill "$PID"
    wait "$PID" || true
    PID=""
}

configs=(none off async sync)
declare -A results
for i in $(seq 1 "$RUNS"); do
    for cfg in "${configs[@]}"; do
        r=$(run "$cfg")
        results[$cfg]="${results[$cfg]:-} $r"
        echo "run $i $cfg: $r req/s"
    done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
base=$(echo "${results[none]}" | median)
echo "medians over $RUNS runs of ${DURATION}s (load $(cut -d' ' -f1-3 /proc/loadavg)):"
for cfg in "${configs[@]}"; do
    m=$(echo "${results[$cfg]}" | median)
    awk -v c="$cfg" -v m="$m" -v b="$base" \
        'BEGIN {printf "  %-6s %8d req/s  %5.1f%% of none\n", c, m, 100 * m / b}'
done
