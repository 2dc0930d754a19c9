#!/usr/bin/env bash
# Where the CPU goes, per request, at the HTTP server: runs wrk (one thread, 64
# connections, bench/serve_decide.lua) against `clearance serve --threads 1`
# in one configuration, and reads /proc before and after the middle of the
# run. Prints the requests per second, then microseconds of CPU per request:
# the machine's (user, system, softirq, idle, iowait, all cores summed) and
# each thread's (the server's worker, the audit writer, SQLite's checkpointer,
# wrk). Throughput on a saturated machine is about one over the CPU a request
# costs on the busiest core: this says what that cost is made of.
#
# Usage: bench/cpu_per_request.sh [path/to/clearance] CONFIG [SECONDS]
#   CONFIG: none | off | async | sync   (as in bench/audit_overhead.sh)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
if [ $# -ge 2 ]; then
    BIN=$(realpath "$1")
    shift
else
    BIN=$ROOT/build/clearance
fi
CFG=${1:?usage: bench/cpu_per_request.sh [path/to/clearance] none|off|async|sync [SECONDS]}
SECONDS_RUN=${2:-6}
[ "$SECONDS_RUN" -ge 4 ] || { echo "cpu_per_request: at least 4 seconds" >&2; exit 2; }
command -v wrk >/dev/null || { echo "cpu_per_request: wrk is required" >&2; exit 1; }
TMP=$(mktemp -d)
PID="" WRK=""
cleanup() {
    [ -n "$WRK" ] && kill "$WRK" 2>/dev/null
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
args=()
case $CFG in
none) ;;
off | async | sync) args=(--store "$TMP/store.db" --audit-mode "$CFG") ;;
*) echo "cpu_per_request: unknown configuration $CFG" >&2; exit 2 ;;
esac
"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 1 "${args[@]}" \
    2>"$TMP/serve.log" &
PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
port=$(cat "$TMP/port")
wrk -t1 -c64 -d"${SECONDS_RUN}s" -s "$HERE/serve_decide.lua" "http://127.0.0.1:$port/v1/decide" \
    >"$TMP/wrk" &
WRK=$!
# one line for the machine, then one per thread: name ticks
snap() {
    head -n 1 /proc/stat
    for p in "$PID" "$WRK"; do
        for t in /proc/"$p"/task/*; do
            echo "T $(tr ' ' _ <"$t/comm")-${t##*/} $(awk '{print $14 + $15}' "$t/stat")"
        done
    done
}
sleep 1
snap >"$TMP/a"
t0=$(date +%s.%N)
sleep $((SECONDS_RUN - 2))
snap >"$TMP/b"
t1=$(date +%s.%N)
wait "$WRK"
WRK=""
rps=$(awk '/Requests\/sec/ {print int($2)}' "$TMP/wrk")
hz=$(getconf CLK_TCK)
awk -v rps="$rps" -v dt="$(echo "$t1 - $t0" | bc)" -v hz="$hz" -v cfg="$CFG" '
    FNR == 1 && NR == 1 { for (i = 2; i <= 8; i++) a[i] = $i; next }
    FNR == 1 { for (i = 2; i <= 8; i++) b[i] = $i; next }
    NR == FNR { A[$2] = $3; next }
    { B[$2] = $3 }
    END {
        n = rps * dt; us = 1e6 / hz / n
        printf "%s: %d req/s; microseconds of CPU per request:\n", cfg, rps
        split("user nice system idle iowait irq softirq", name, " ")
        printf "  machine:"
        for (i = 2; i <= 8; i++) if (i != 3 && i != 7) printf " %s %.2f", name[i - 1], (b[i] - a[i]) * us
        printf "\n"
        for (k in B) if (B[k] - A[k] > 0) printf "  thread %s %.2f\n", k, (B[k] - A[k]) * us
    }' "$TMP/a" "$TMP/b"
