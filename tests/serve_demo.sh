#!/usr/bin/env bash
# clearance serve --demo: a new store is filled with the demo data once, an
# admin token is printed, and the dashboard's data is there: organisations,
# decisions in the audit log, rulebook versions.
# Usage: tests/serve_demo.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

start() {
    rm -f "$tmp/port"
    "$bin" serve --demo --store "$tmp/demo.db" --listen 127.0.0.1:0 --port-file "$tmp/port" \
        >"$tmp/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 200); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    url="127.0.0.1:$(cat "$tmp/port" 2>/dev/null)"
}
start
check "serve --demo fills a new store" 0 0 'filling .*demo.db with demo data' "$tmp/serve.log"
token=$(sed -n 's/.*the admin token for this run is \([0-9a-f]*\)$/\1/p' "$tmp/serve.log")
[ ${#token} -eq 32 ]
check "... and prints an admin token" 0 $?
auth=(-H "Authorization: Bearer $token")
curl -s "${auth[@]}" "$url/v1/admin/orgs" >"$tmp/out"
check "the demo organisations are registered" 0 $? '"legal_name"' "$tmp/out"
curl -s "${auth[@]}" "$url/v1/audit?limit=5" >"$tmp/out"
[ "$(grep -c '"decision_id"' "$tmp/out")" -eq 5 ]
check "the audit log holds the demo traffic" 0 $?
curl -s "${auth[@]}" "$url/v1/audit/verify" >"$tmp/out"
check "... and verifies" 0 $? '"ok":true' "$tmp/out"
kill "$pid"
wait "$pid"
start
if grep -q 'filling' "$tmp/serve.log"; then r=1; else r=0; fi
check "a second start leaves the filled store as it is" 0 "$r"
kill "$pid"
wait "$pid"
check "the server stops cleanly" 0 $?

finish serve_demo
