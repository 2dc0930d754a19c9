#!/usr/bin/env bash
# clearance serve --store: licences added over the admin API lift the
# license_required they cover until drawn down; GET /v1/usage reports what
# was metered; a restart keeps the drawdown; the admin endpoints need the token.
# Usage: tests/serve_usage.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

token=usage-test-token-0123456789
printf '%s\n' "$token" >"$tmp/token"
export CLEARANCE_AUDIT_KEY="$tmp/audit.key"
pid=
start() {
    rm -f "$tmp/port"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$tmp/s.db" \
        --admin-token-file "$tmp/token" >>"$tmp/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    port=$(cat "$tmp/port" 2>/dev/null)
    [ -n "$port" ]
}
stop() {
    kill "$pid" && wait "$pid"
}
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
auth=(-H "Authorization: Bearer $token")
url() { echo "127.0.0.1:$port$1"; }

start
check "the server starts with a store" 0 $?

# the admin endpoints need the token
curl -s -o "$tmp/o" -w '%{http_code}' "$(url /v1/admin/licences)" >"$tmp/code"
check "licences without the token: 401" 0 $? '^401$' "$tmp/code"
curl -s -o "$tmp/o" -w '%{http_code}' "$(url /v1/usage)" >"$tmp/code"
check "usage without the token: 401" 0 $? '^401$' "$tmp/code"

# 2,500 units: two requests of 1,200 and then not a third
lic='{"id":"BIS-1","rulebook":"us-ear","licensee":"org:acme","models":["mythos-5"],"quantity":2500}'
curl -s "${auth[@]}" -w '\n%{http_code}' -XPOST "$(url /v1/admin/licences)" -d "$lic" >"$tmp/add"
check "POST a licence: 201 with what is left" 0 $? '"remaining":2500' "$tmp/add"
grep -q '^201$' "$tmp/add"
check "POST a licence: status 201" 0 $?
curl -s "${auth[@]}" -w '\n%{http_code}' -XPOST "$(url /v1/admin/licences)" -d "$lic" >"$tmp/dup"
check "the same id again: 409" 0 $? '^409$' "$tmp/dup"
curl -s "${auth[@]}" -w '\n%{http_code}' -XPOST "$(url /v1/admin/licences)" \
    -d '{"id":"X","rulebook":"us-ear"}' >"$tmp/bad"
check "a malformed licence: 400 with its path" 0 $? '"path":"\$\.licensee"' "$tmp/bad"

req="$root/examples/02-letter-imposed.json"
for i in 1 2 3; do
    curl -s -XPOST "$(url /v1/decide)" -d @"$req" >"$tmp/d$i"
done
check "first decision: allow under the licence" 0 $? '"decision":"allow".*"licence":"BIS-1"' "$tmp/d1"
check "second decision: allow" 0 0 '"decision":"allow"' "$tmp/d2"
check "third decision: exhausted, license_required" 0 0 '"decision":"license_required"' "$tmp/d3"

curl -s "${auth[@]}" "$(url /v1/admin/licences/BIS-1)" >"$tmp/show"
check "GET the licence: 2,400 used, 100 left" 0 $? '"used":2400,"remaining":100' "$tmp/show"
curl -s "${auth[@]}" "$(url /v1/admin/licences)" >"$tmp/list"
check "GET the licences" 0 $? '^\{"licences":\[\{"id":"BIS-1"' "$tmp/list"
curl -s "${auth[@]}" -o /dev/null -w '%{http_code}' "$(url /v1/admin/licences/NOPE)" >"$tmp/code"
check "an unknown licence: 404" 0 $? '^404$' "$tmp/code"

curl -s "${auth[@]}" "$(url '/v1/usage?org=org:acme&by=org,model,day')" >"$tmp/usage"
check "GET /v1/usage: units of allowed decisions, every decision counted" 0 $? \
    '^\{"usage":\[\{"org":"org:acme","model":"mythos-5","day":"2026-06-20","units":2400,"decisions":3\}\]\}$' \
    "$tmp/usage"
curl -s "${auth[@]}" "$(url '/v1/usage?from=2026-06-21')" >"$tmp/usage2"
check "GET /v1/usage: the period filters days" 0 $? '"units":0,"decisions":0' "$tmp/usage2"
curl -s "${auth[@]}" -w '\n%{http_code}' "$(url '/v1/usage?by=colour')" >"$tmp/usage3"
check "GET /v1/usage: a bad column is 400" 0 $? '^400$' "$tmp/usage3"

stop
check "SIGTERM stops it cleanly" 0 $?
"$bin" licence show --store "$tmp/s.db" BIS-1 >"$tmp/cli"
check "after the stop, the store holds the exact drawdown" 0 $? '"used":2400,"remaining":100' "$tmp/cli"
"$bin" usage --store "$tmp/s.db" --by user >"$tmp/cliu"
check "clearance usage reads what the server metered" 0 $? 'user:ana +2400 +3' "$tmp/cliu"

start
check "the server starts again" 0 $?
curl -s -XPOST "$(url /v1/decide)" -d @"$req" >"$tmp/d4"
check "after a restart the licence is still exhausted" 0 $? '"decision":"license_required"' "$tmp/d4"
curl -s "${auth[@]}" -w '\n%{http_code}' -XDELETE "$(url /v1/admin/licences/BIS-1)" >"$tmp/rev"
check "DELETE revokes" 0 $? '"revoked":"20' "$tmp/rev"
curl -s "${auth[@]}" -XPOST "$(url /v1/admin/licences)" \
    -d '{"id":"BIS-2","rulebook":"us-ear","licensee":"user:ana"}' >/dev/null
curl -s -XPOST "$(url /v1/decide)" -d @"$req" >"$tmp/d5"
check "a licence added while serving covers at once" 0 $? '"licence":"BIS-2"' "$tmp/d5"
curl -s "${auth[@]}" "$(url '/v1/usage?by=day')" >"$tmp/usage4"
check "usage carries on after the restart" 0 $? '"units":3600,"decisions":5' "$tmp/usage4"
stop
check "SIGTERM stops it cleanly again" 0 $?

"$bin" serve --listen 127.0.0.1:0 --store "$tmp/nodir/s.db" >"$tmp/out" 2>&1
check "an unusable store is exit 2" 2 $? 'store' "$tmp/out"

finish serve_usage
