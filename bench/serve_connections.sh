#!/usr/bin/env bash
# How `clearance serve` holds up as connections multiply: POST /v1/decide with
# wrk (bench/serve_decide.lua, one wrk thread) at each count of busy keep-alive
# connections, then at 64 busy connections beside IDLE others that sent one
# request and stay open. Runs are alternated count by count; prints each run
# and the medians.
#
# Usage: bench/serve_connections.sh [path/to/clearance]
#   RUNS=3 DURATION=3 THREADS=1 (server workers) CONNS="64 128 256 512 1000"
#   IDLE=2000 (0: skip the idle run)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN=$(realpath "${1:-$ROOT/build/clearance}")
RUNS=${RUNS:-3}
DURATION=${DURATION:-3}
THREADS=${THREADS:-1}
CONNS=${CONNS:-64 128 256 512 1000}
IDLE=${IDLE:-2000}
for tool in wrk python3; do
    command -v "$tool" >/dev/null || { echo "serve_connections: $tool is required" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "serve_connections: no clearance binary at $BIN" >&2; exit 1; }
ulimit -n "$((IDLE + 4096))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TMP=$(mktemp -d)
PID="" HOLD=""
cleanup() {
    [ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads "$THREADS" \
    --max-connections "$((IDLE + 2048))" 2>"$TMP/serve.log" &
PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
port=$(cat "$TMP/port")
url="http://127.0.0.1:$port/v1/decide"

wrk_rps() { # connections -> req/s
    wrk -t1 -c"$1" -d"${DURATION}s" -s "$HERE/serve_decide.lua" "$url" |
        awk '/Requests\/sec/ {print int($2)}'
}

# Holds n connections open, each after one answered request, until killed.
cat >"$TMP/hold.py" <<'EOF'
import socket, sys, time
port, n, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
    socks.append(s)
for s in socks:
    s.recv(4096)
open(flag, "w").write(str(len(socks)))
time.sleep(3600)
EOF

declare -A runs
for r in $(seq 1 "$RUNS"); do
    for c in $CONNS; do
        v=$(wrk_rps "$c")
        runs[$c]+="$v "
        echo "run $r: $c busy connections: $v req/s"
    done
    if [ "$IDLE" -gt 0 ]; then
        rm -f "$TMP/held"
        python3 "$TMP/hold.py" "$port" "$IDLE" "$TMP/held" >/dev/null &
        HOLD=$!
        for _ in $(seq 1 600); do [ -s "$TMP/held" ] && break; sleep 0.1; done
        v=$(wrk_rps 64)
        kill "$HOLD" 2>/dev/null
        wait "$HOLD" 2>/dev/null || true
        HOLD=""
        runs[idle]+="$v "
        echo "run $r: 64 busy connections beside $IDLE idle: $v req/s"
    fi
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
echo "medians over $RUNS runs of ${DURATION}s, server threads $THREADS (load $(cut -d' ' -f1-3 /proc/loadavg)):"
for c in $CONNS; do
    printf "  %5s busy connections %8s req/s\n" "$c" "$(echo "${runs[$c]}" | median)"
done
[ "$IDLE" -gt 0 ] && printf "     64 busy beside %s idle %8s req/s\n" "$IDLE" "$(echo "${runs[idle]}" | median)"
exit 0
