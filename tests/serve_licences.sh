#!/usr/bin/env bash
# clearance serve --licences: a covered license_required decision is allow and
# names its licence until the licence is drawn down; a bad licence file stops
# the server from starting (exit 2).
# Usage: tests/serve_licences.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" \
    --licences "$root/examples/licences/licences.jsonl" >"$tmp/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ]
check "the server starts with licences" 0 $?

curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$root/examples/02-letter-imposed.json" >"$tmp/a"
check "a covered request is allow, naming the licence" 0 $? \
    '"decision":"allow".*"licence":"BIS-2026-0142"' "$tmp/a"
curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$root/examples/02-letter-imposed.json" >"$tmp/b"
check "the drawn-down licence no longer covers" 0 $? '"decision":"license_required"' "$tmp/b"
curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$root/examples/07-embargoed-destination.json" >"$tmp/c"
check "a deny stays a deny" 0 $? '"decision":"deny"' "$tmp/c"

kill "$pid"
wait "$pid"
check "SIGTERM stops it cleanly" 0 $?

printf '{"id":"x","rulebook":"us-ear"}\n' >"$tmp/bad.jsonl"
"$bin" serve --listen 127.0.0.1:0 --licences "$tmp/bad.jsonl" >"$tmp/out" 2>&1
check "a bad licence file is exit 2 with its line and path" 2 $? \
    'bad.jsonl:1: \$\.licensee: required field is missing' "$tmp/out"

finish serve_licences
