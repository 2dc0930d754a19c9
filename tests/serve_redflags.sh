#!/usr/bin/env bash
# clearance serve --geoip --usage-spike: red flags over HTTP. A source IP in
# another country than the destination is review, one in E:1 or E:2 deny,
# each reason with its evidence, on /v1/decide (source_ip) and /v1/authz
# (X-Clearance-Source-Ip); an organisation's sudden rise in usage is review.
# The country database is built for the test (tests/lib/make_mmdb.pl).
# Usage: tests/serve_redflags.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

perl "$root/tests/lib/make_mmdb.pl" "$tmp/countries.mmdb" 6
check "the test country database is built" 0 $?
cat >"$tmp/t.rules" <<'EOF'
group E:1 { IR, KP }
group E:2 { CU }
model m1 { provider org:p origin US }
rulebook t { }
rule embargo {
    effect deny
    when destination in E:1 or destination in E:2
    citation "test embargo"
}
EOF
export CLEARANCE_AUDIT_KEY="$tmp/audit.key"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --rules "$tmp/t.rules" \
    --store "$tmp/s.db" --geoip "$tmp/countries.mmdb" --usage-spike 5 >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port" 2>/dev/null)
[ -n "$port" ]
check "the server starts with --geoip and --usage-spike" 0 $?
url() { echo "127.0.0.1:$port$1"; }

decide() { # out-file org units source-ip [destination [time]]
    local ip="" t=""
    [ -n "$4" ] && ip=",\"source_ip\":\"$4\""
    [ -n "${6:-}" ] && t=",\"time\":\"$6\""
    curl -s -XPOST "$(url /v1/decide)" -d "{\"model\":\"m1\",\"principal\":{\"id\":\"user:a\",\
\"org\":\"$2\",\"country\":\"${5:-DE}\"},\"use\":\"research\",\"integration\":\"api\",\
\"units\":$3$ip$t}" >"$1"
}

# --- IP geolocation on /v1/decide ---------------------------------------------
decide "$tmp/d1" org:a 10 203.0.113.200
check "decide: a source IP in CN for destination DE is review" 0 $? \
    '^\{"decision":"review","reasons":\[\{"rulebook":"clearance","rule":"ip-country-mismatch","effect":"review"' \
    "$tmp/d1"
check "decide: the reason carries its evidence" 0 0 \
    '"evidence":"source IP 203.0.113.200 is in CN; the declared destination is DE"' "$tmp/d1"
check "decide: the rulebook's own result is unchanged" 0 0 '"rulebooks":\{"t":"allow"\}' "$tmp/d1"
decide "$tmp/d2" org:a 10 2001:db8:1a::5
check "decide: a source IP in IR is deny whatever the destination" 0 $? \
    '"decision":"deny".*"rule":"ip-embargoed-country".*"evidence":"source IP 2001:db8:1a::5 is in IR \(country group E:1\); the declared destination is DE"' \
    "$tmp/d2"
decide "$tmp/d3" org:a 10 198.51.100.20
check "decide: a source IP in the destination country is allow" 0 $? \
    '^\{"decision":"allow","reasons":\[\]' "$tmp/d3"
decide "$tmp/d4" org:a 10 10.0.0.7
check "decide: an address the database does not know raises nothing" 0 $? \
    '^\{"decision":"allow","reasons":\[\]' "$tmp/d4"
decide "$tmp/d5" org:a 10 ""
check "decide: no source_ip raises nothing" 0 $? '^\{"decision":"allow","reasons":\[\]' "$tmp/d5"
decide "$tmp/d6" org:a 10 203.0.113.9 CU
check "decide: declared CU from a US address: the rules' deny stays, the review is added" 0 $? \
    '"decision":"deny".*"rule":"embargo".*"rule":"ip-country-mismatch"' "$tmp/d6"
if grep -q evidence "$tmp/d5"; then
    check "decide: no evidence field without a red flag" 0 1
else
    check "decide: no evidence field without a red flag" 0 0
fi

# --- IP geolocation on /v1/authz ------------------------------------------------
H=(-H 'X-Clearance-Model: m1' -H 'X-Clearance-User: user:a' -H 'X-Clearance-Use: research'
   -H 'X-Clearance-Integration: api' -H 'X-Clearance-Destination: DE')
curl -s -D "$tmp/h1" -o "$tmp/a1" -w '%{http_code}\n' "${H[@]}" \
    -H 'X-Clearance-Source-Ip: 203.0.113.130' "$(url /v1/authz)" >"$tmp/code1"
check "authz: a source IP in CN is 403" 0 $? '^403$' "$tmp/code1"
check "authz: decision header review" 0 0 '^X-Clearance-Decision: review' "$tmp/h1"
check "authz: reasons header names the red flag" 0 0 \
    '^X-Clearance-Reasons: clearance/ip-country-mismatch' "$tmp/h1"
check "authz: the body carries the evidence" 0 0 '"evidence":"source IP 203.0.113.130 is in CN' \
    "$tmp/a1"
curl -s -D "$tmp/h2" -o "$tmp/a2" -w '%{http_code}\n' "${H[@]}" \
    -H 'X-Clearance-Source-Ip: 192.0.2.201' "$(url /v1/authz)" >"$tmp/code2"
check "authz: a source IP in KP is 403 deny" 0 $? '^403$' "$tmp/code2"
check "authz: deny with the embargo red flag" 0 0 \
    '^X-Clearance-Reasons: clearance/ip-embargoed-country' "$tmp/h2"
curl -s -o /dev/null -w '%{http_code}\n' "${H[@]}" -H 'X-Clearance-Source-Ip: 198.51.100.1' \
    "$(url /v1/authz)" >"$tmp/code3"
check "authz: a source IP in DE is 200" 0 $? '^200$' "$tmp/code3"
curl -s -D "$tmp/h4" -o /dev/null -w '%{http_code}\n' "${H[@]}" \
    -H 'X-Clearance-Source-Ip: 198.51.100.999' "$(url /v1/authz)" >"$tmp/code4"
check "authz: a malformed source IP is 403" 0 $? '^403$' "$tmp/code4"
check "authz: ... naming the header" 0 0 '^X-Clearance-Error: X-Clearance-Source-Ip' "$tmp/h4"

# --- the usage spike -------------------------------------------------------------
# org:b used 300,000 units yesterday: a daily average of 10,000 over 30 days
yesterday=$(date -u -d '-1 day' +%Y-%m-%dT12:00:00Z)
decide "$tmp/u1" org:b 300000 "" DE "$yesterday"
check "usage: yesterday's 300,000 units are allowed" 0 $? '"decision":"allow"' "$tmp/u1"
decide "$tmp/u2" org:b 40000 ""
check "usage: nothing yet today: allow" 0 $? '"decision":"allow","reasons":\[\]' "$tmp/u2"
decide "$tmp/u3" org:b 70000 ""
check "usage: 40,000 today, under the minimum: allow" 0 $? '"decision":"allow","reasons":\[\]' \
    "$tmp/u3"
decide "$tmp/u4" org:b 1000 ""
check "usage: 110,000 today, eleven times the average: review" 0 $? \
    '"decision":"review".*"rule":"usage-spike".*"evidence":"110,000 units today; 30-day average 10,000' \
    "$tmp/u4"
decide "$tmp/u5" org:c 1000 ""
check "usage: another organisation is not affected" 0 $? '"decision":"allow","reasons":\[\]' \
    "$tmp/u5"

kill "$pid" && wait "$pid"
check "SIGTERM stops it cleanly" 0 $?
pid=

"$bin" serve --listen 127.0.0.1:0 --geoip "$tmp/missing.mmdb" >"$tmp/out" 2>&1
check "a database that cannot be opened is exit 2" 2 $? 'geoip.*missing.mmdb' "$tmp/out"
"$bin" serve --listen 127.0.0.1:0 --usage-spike 5 >"$tmp/out" 2>&1
check "--usage-spike without --store is exit 2" 2 $? 'add --store' "$tmp/out"

finish serve_redflags
