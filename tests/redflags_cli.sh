#!/usr/bin/env bash
# clearance check --geoip and --usage-spike: the red flags of docs/redflags.md
# in the command line, with a country database built for the test.
# Usage: tests/redflags_cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

perl "$root/tests/lib/make_mmdb.pl" "$tmp/c.mmdb" 6 && perl "$root/tests/lib/make_mmdb.pl" "$tmp/c4.mmdb" 4
check "the test country databases are built" 0 $?
cat >"$tmp/t.rules" <<'EOF'
group E:1 { IR, KP }
group E:2 { CU }
model m1 { provider org:p origin US }
rulebook t { }
rule embargo { effect deny when destination in E:1 or destination in E:2 }
EOF
req() { # org units source-ip [time]
    local ip="" t=""
    [ -n "$3" ] && ip=",\"source_ip\":\"$3\""
    [ -n "${4:-}" ] && t=",\"time\":\"$4\""
    echo "{\"model\":\"m1\",\"principal\":{\"id\":\"user:a\",\"org\":\"$1\",\"country\":\"DE\"},\
\"use\":\"research\",\"integration\":\"api\",\"units\":$2$ip$t}"
}

req org:a 1 203.0.113.9 >"$tmp/us.json"
"$bin" check --rules "$tmp/t.rules" --geoip "$tmp/c.mmdb" "$tmp/us.json" >"$tmp/o1"
check "check --geoip: a US address for DE is review with evidence" 0 $? \
    '"decision":"review".*"rule":"ip-country-mismatch".*"evidence":"source IP 203.0.113.9 is in US; the declared destination is DE"' \
    "$tmp/o1"
"$bin" check --rules "$tmp/t.rules" "$tmp/us.json" >"$tmp/o2"
check "check without --geoip: no red flag" 0 $? '"decision":"allow","reasons":\[\]' "$tmp/o2"
"$bin" check --rules "$tmp/t.rules" --geoip "$tmp/c.mmdb" --explain "$tmp/us.json" >"$tmp/o3"
check "check --explain shows the red flag and its evidence" 0 $? \
    'evidence: source IP 203.0.113.9 is in US; the declared destination is DE' "$tmp/o3"

{ req org:a 1 192.0.2.3; req org:a 1 198.51.100.3; req org:a 1 fd00::1; } >"$tmp/lines.jsonl"
"$bin" check --rules "$tmp/t.rules" --geoip "$tmp/c.mmdb" "$tmp/lines.jsonl" >"$tmp/o4"
check "check --geoip, JSON Lines: an IR address is deny" 0 $? \
    '"decision":"deny".*"rule":"ip-embargoed-country"' "$tmp/o4"
[ "$(sed -n 2p "$tmp/o4" | grep -c '"decision":"allow","reasons":\[\]')" = 1 ]
check "check --geoip, JSON Lines: a DE address is allow" 0 $?
[ "$(sed -n 3p "$tmp/o4" | grep -c '"decision":"allow","reasons":\[\]')" = 1 ]
check "check --geoip, JSON Lines: a private address is allow" 0 $?

req org:a 1 2001:db8:de::1 >"$tmp/v6.json"
"$bin" check --rules "$tmp/t.rules" --geoip "$tmp/c4.mmdb" "$tmp/v6.json" >"$tmp/o5"
check "check --geoip: an IPv4-only database cannot place IPv6: deny (fail closed)" 0 $? \
    '"decision":"deny".*"rule":"geoip-unavailable"' "$tmp/o5"

"$bin" check --geoip "$tmp/none.mmdb" "$tmp/us.json" >/dev/null 2>"$tmp/e1"
check "check --geoip with a missing database is exit 2" 2 $? 'none.mmdb' "$tmp/e1"
"$bin" check --usage-spike 5 "$tmp/us.json" >/dev/null 2>"$tmp/e2"
check "check --usage-spike without --store is exit 2" 2 $? 'add --store' "$tmp/e2"
"$bin" check --usage-spike 1 --store "$tmp/s.db" "$tmp/us.json" >/dev/null 2>"$tmp/e3"
check "check --usage-spike 1 is refused" 2 $? 'not a factor above 1' "$tmp/e3"

# 900,000 units yesterday (a daily average of 30,000 over 30 days), then today's rise
yesterday=$(date -u -d '-1 day' +%Y-%m-%dT12:00:00Z)
{ req org:s 900000 "" "$yesterday"; req org:s 100000 ""; req org:s 60000 ""; req org:s 1 ""; } \
    >"$tmp/spike.jsonl"
"$bin" check --rules "$tmp/t.rules" --store "$tmp/s.db" --usage-spike 5 "$tmp/spike.jsonl" \
    >"$tmp/o6"
check "check --store --usage-spike runs" 0 $?
[ "$(grep -c '"decision":"allow","reasons":\[\]' "$tmp/o6")" = 3 ]
check "usage spike: the history and today's first requests are allow" 0 $?
sed -n 4p "$tmp/o6" >"$tmp/o6.4"
check "usage spike: 160,000 today against an average of 30,000 is review" 0 0 \
    '"decision":"review".*"rule":"usage-spike".*"evidence":"160,000 units today; 30-day average 30,000 \(a spike is above 5 times the average and at least 100,000 units\)"' \
    "$tmp/o6.4"
req org:s 1 "" >"$tmp/one.json"
"$bin" check --rules "$tmp/t.rules" --store "$tmp/s.db" --usage-spike 5 --spike-minimum 200000 \
    "$tmp/one.json" >"$tmp/o7"
check "usage spike: under a higher --spike-minimum: allow" 0 $? '"decision":"allow","reasons":\[\]' \
    "$tmp/o7"
"$bin" check --rules "$tmp/t.rules" --store "$tmp/s.db" "$tmp/one.json" >"$tmp/o8"
check "usage spike: not without --usage-spike" 0 $? '"decision":"allow","reasons":\[\]' "$tmp/o8"

finish redflags_cli
