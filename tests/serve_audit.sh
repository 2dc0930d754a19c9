#!/usr/bin/env bash
# clearance serve --audit: every decision the server gives is in the audit
# log, the chain verifies after SIGTERM, and a store that cannot be opened
# stops the server from starting (exit 2). Both modes.
# Usage: tests/serve_audit.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

for mode in async sync; do
    db="$tmp/audit-$mode.db"
    rm -f "$tmp/port"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --audit "$db" --audit-mode "$mode" \
        >"$tmp/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    port=$(cat "$tmp/port" 2>/dev/null)
    [ -n "$port" ]
    check "$mode: the server starts with an audit log" 0 $?
    : >"$tmp/ids"
    for f in "$root"/examples/*.json; do
        curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$f" |
            grep -o '"decision_id":"[^"]*"' | cut -d'"' -f4 >>"$tmp/ids"
    done
    curl -s -o /dev/null "127.0.0.1:$port/v1/authz" -H 'X-Clearance-Model: small-1' \
        -H 'X-Clearance-User: u' -H 'X-Clearance-Country: DE' -H 'X-Clearance-Use: research' \
        -H 'X-Clearance-Integration: api'
    kill "$pid"
    wait "$pid"
    check "$mode: SIGTERM drains and closes the log" 0 $?
    n=$(( $(wc -l <"$tmp/ids") + 1 ))
    "$bin" audit verify --db "$db" >"$tmp/out" 2>&1
    check "$mode: the chain verifies with every decision in it" 0 $? "^ok: $n records" "$tmp/out"
    "$bin" audit export --db "$db" >"$tmp/export" 2>&1
    missing=0
    while read -r id; do grep -q "$id" "$tmp/export" || missing=$((missing + 1)); done <"$tmp/ids"
    check "$mode: each decision id given is in the log" 0 "$missing"
done

mkdir "$tmp/not-a-file.db"
"$bin" serve --listen 127.0.0.1:0 --audit "$tmp/not-a-file.db" >"$tmp/out" 2>&1
check "a store that cannot be opened is exit 2" 2 $? 'store' "$tmp/out"

finish serve_audit
