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

# the read endpoints: admin token required; paging; one record; its proof; verify
db="$tmp/read.db"
rm -f "$tmp/port"
echo "s3cret-token-for-tests" >"$tmp/token"
"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$db" --audit-mode sync \
    --admin-token-file "$tmp/token" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
for f in "$root"/examples/*.json; do
    curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$f" >/dev/null
done
total=$(ls "$root"/examples/*.json | wc -l)
auth=(-H "Authorization: Bearer s3cret-token-for-tests")
curl -s -o "$tmp/out" -w '%{http_code}' "127.0.0.1:$port/v1/audit" >"$tmp/code"
check "GET /v1/audit without the token is 401" 0 $? '^401$' "$tmp/code"
curl -s -D "$tmp/hdrs" "${auth[@]}" "127.0.0.1:$port/v1/audit?limit=4" >"$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq 4 ]
check "a page holds limit records" 0 $?
check "... and names where the next page starts" 0 0 '^X-Clearance-Next-After: 4' "$tmp/hdrs"
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit?after=4&limit=1000" >"$tmp/out2"
[ "$(wc -l <"$tmp/out2")" -eq $((total - 4)) ]
check "the next page holds the rest" 0 $?
grep -q '"seq":5,' "$tmp/out2"
check "... starting after 4" 0 $?
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit?outcome=deny&limit=1000" >"$tmp/out"
ndeny=$(grep -c . "$tmp/out")
[ "$ndeny" -gt 0 ] && ! grep -v '"outcome":"deny"' "$tmp/out" | grep -q .
check "outcome= selects by outcome ($ndeny deny)" 0 $?
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit?org=org:helix-cyber" >"$tmp/out"
grep -q "\"org\":\"org:helix-cyber\"" "$tmp/out" && ! grep -v "org:helix-cyber" "$tmp/out" | grep -q .
check "org= selects by the request's organisation" 0 $?
id=$(sed -n 1p "$tmp/out2" | python3 -c 'import json, sys; print(json.load(sys.stdin)["decision_id"])')
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit/$id" >"$tmp/out"
check "GET /v1/audit/ID gives that record" 0 $? "\"decision_id\":\"$id\"" "$tmp/out"
curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "127.0.0.1:$port/v1/audit/no-such-id" >"$tmp/code"
check "an unknown decision is 404" 0 $? '^404$' "$tmp/code"
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit?from=nonsense" >"$tmp/out"
check "a bad time names the argument" 0 $? '"path":"\?from"' "$tmp/out"
kill "$pid"
wait "$pid"
"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$db" \
    --admin-token-file "$tmp/token" >"$tmp/serve.log" 2>&1 &
pid=$!
rm -f "$tmp/port"
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit/$id/proof" >"$tmp/out"
check "GET /v1/audit/ID/proof proves it under a signed checkpoint" 0 $? '"checkpoint"' "$tmp/out"
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit/verify" >"$tmp/out"
check "GET /v1/audit/verify reports the chain" 0 $? "^\{\"ok\":true,\"records\":$total," "$tmp/out"
kill "$pid"
wait "$pid"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE audit_log SET outcome = \x27allow\x27 WHERE seq = 3"); c.commit()' "$db"
"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$db" --audit-mode off \
    --admin-token-file "$tmp/token" >"$tmp/serve.log" 2>&1 &
pid=$!
rm -f "$tmp/port"
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
curl -s "${auth[@]}" "127.0.0.1:$port/v1/audit/verify" >"$tmp/out"
check "verify names the record changed in the file" 0 $? '"ok":false.*"bad_seq":3' "$tmp/out"
kill "$pid"
wait "$pid"

mkdir "$tmp/not-a-file.db"
"$bin" serve --listen 127.0.0.1:0 --audit "$tmp/not-a-file.db" >"$tmp/out" 2>&1
check "a store that cannot be opened is exit 2" 2 $? 'store' "$tmp/out"

finish serve_audit
