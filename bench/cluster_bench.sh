#!/usr/bin/env bash
# Decisions per second, with the audit log on: two nodes on one PostgreSQL
# behind nginx, against one node on SQLite. wrk (one thread, 64 connections,
# bench/serve_decide.lua) drives POST /v1/decide; each node serves with
# --threads 1. Configurations alternate run by run. Runs its own PostgreSQL
# cluster (scripts/pg.sh run); nothing is left running.
#
# Usage: bench/cluster_bench.sh [path/to/clearance]   RUNS=3 DURATION=4 MODE=async|sync
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BIN=$(realpath "${1:-$ROOT/build/clearance}")
if [ -z "${CLR_TEST_STORE:-}" ]; then
    exec bash "$ROOT/scripts/pg.sh" run bash "$0" "$BIN"
fi
RUNS=${RUNS:-3}
DURATION=${DURATION:-4}
MODE=${MODE:-async}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
URL=$CLR_TEST_STORE
TMP=$(mktemp -d)
chmod 755 "$TMP"
PIDS=()
stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}
trap 'stop_all; rm -rf "$TMP"' EXIT
export CLEARANCE_AUDIT_KEY=$TMP/audit.key
"$BIN" check --audit "$URL" "$ROOT/examples/01-before-the-letter.json" >/dev/null ||
    { echo "cluster_bench: cannot write to $URL" >&2; exit 1; }

node() { # STORE NAME: starts a node; its port is in $TMP/NAME.port
    rm -f "$TMP/$2.port"
    "$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/$2.port" --threads 1 --store "$1" \
        --audit-mode "$MODE" >/dev/null 2>"$TMP/$2.log" &
    PIDS+=($!)
    for _ in $(seq 1 100); do [ -s "$TMP/$2.port" ] && break; sleep 0.1; done
}

wrk_rps() { # URL
    wrk -t1 -c64 -d"${DURATION}s" -s "$HERE/serve_decide.lua" "$1" | awk '/Requests\/sec/ {print int($2)}'
}

sqlite_run() { # -> req/s in $TMP/rps
    rm -f "$TMP"/one.db*
    node "$TMP/one.db" one
    wrk_rps "http://127.0.0.1:$(cat "$TMP/one.port")/v1/decide" >"$TMP/rps"
    stop_all
}

pg_run() { # -> req/s in $TMP/rps
    local a b front
    node "$URL" a
    node "$URL" b
    a=$(cat "$TMP/a.port")
    b=$(cat "$TMP/b.port")
    front=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$TMP/nginx/tmp"
    cat >"$TMP/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log;
events { worker_connections 1024; }
http {
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    access_log off;
    upstream clearance { server 127.0.0.1:$a; server 127.0.0.1:$b; keepalive 64; }
    server {
        listen 127.0.0.1:$front;
        location / { proxy_pass http://clearance; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
}
CONF
    "$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" >/dev/null 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 50); do curl -s -o /dev/null "127.0.0.1:$front/healthz" && break; sleep 0.1; done
    wrk_rps "http://127.0.0.1:$front/v1/decide" >"$TMP/rps"
    stop_all
}

s="" p=""
for i in $(seq 1 "$RUNS"); do
    sqlite_run
    r=$(cat "$TMP/rps")
    s="$s $r"
    echo "run $i: one node, SQLite: $r req/s"
    pg_run
    r=$(cat "$TMP/rps")
    p="$p $r"
    echo "run $i: two nodes, PostgreSQL, through nginx: $r req/s"
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
ms=$(echo "$s" | median)
mp=$(echo "$p" | median)
echo "medians over $RUNS runs of ${DURATION}s, audit $MODE (load $(cut -d' ' -f1-3 /proc/loadavg)):"
echo "  one node on SQLite:              $ms req/s"
echo "  two nodes on PostgreSQL (nginx): $mp req/s ($(awk -v a="$mp" -v b="$ms" 'BEGIN {printf "%.2f", a / b}') x)"
"$BIN" audit verify --store "$URL" --key "$CLEARANCE_AUDIT_KEY.pub" | head -1
