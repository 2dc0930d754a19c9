#!/usr/bin/env bash
# The dashboard end to end: fills a store with `clearance demo`, starts the
# real `clearance serve --store DB` on a free loopback port, checks the
# endpoints the dashboard reads (/v1/rules/timeline, /v1/audit/stats,
# /v1/admin/screening, /ui), then drives every view in headless Chromium
# (ui/e2e/dashboard.mjs, playwright-core with Debian's chromium) and saves a
# screenshot of each view under BUILD/ui-screenshots/.
# Needs chromium and the npm packages (scripts/deps.sh test; the build runs
# npm ci): without them the test fails rather than skips.
# Usage: tests/ui_e2e.sh path/to/clearance
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SHOTS=$(dirname "$BIN")/ui-screenshots
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
for tool in curl python3 node; do
    command -v "$tool" >/dev/null || { echo "ui_e2e: FAIL: $tool is required (scripts/deps.sh test)" >&2; exit 1; }
done
[ -n "$CHROMIUM" ] || { echo "ui_e2e: FAIL: chromium is required (scripts/deps.sh test)" >&2; exit 1; }
[ -d "$ROOT/ui/node_modules/playwright-core" ] ||
    { echo "ui_e2e: FAIL: ui/node_modules lacks playwright-core (the build runs npm ci)" >&2; exit 1; }

TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; FAILS=$((FAILS + 1)); }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want [$2], got [$3]"; fi; }

TOKEN=dashboard-test-token-0123456789
printf '%s\n' "$TOKEN" >"$TMP/token"
DB="$TMP/store.db"

# --- demo data through the decision path ---------------------------------------------
"$BIN" demo --store "$DB" --lists "$ROOT/data/lists" --days 21 --per-day 30 >"$TMP/demo.out" 2>"$TMP/demo.err" ||
    { cat "$TMP/demo.err" >&2; fail "demo: fills the store"; exit 1; }
grep -q 'decisions (allow' "$TMP/demo.out" && pass "demo: $(cat "$TMP/demo.out")" || fail "demo: summary"
expect "demo: a bad --days is refused" 2 "$("$BIN" demo --store "$TMP/other.db" --days 0 >/dev/null 2>&1; echo $?)"
expect "demo: the rulebook versions of the letter" 3 "$("$BIN" rules versions --store "$DB" 2>/dev/null | grep -c policy-team)"
expect "demo: the audit log verifies" 0 "$("$BIN" audit verify --db "$DB" >/dev/null 2>&1; echo $?)"

"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 2 \
    --lists "$ROOT/data/lists" --admin-token-file "$TMP/token" --store "$DB" \
    --drain-timeout 5 2>>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    [ -s "$TMP/port" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
    sleep 0.1
done
[ -s "$TMP/port" ] || { echo "ui_e2e: FAIL: the server did not start" >&2; exit 1; }
URL="http://127.0.0.1:$(cat "$TMP/port")"

status() {
    local p=$1
    shift
    curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@" "$URL$p"
}
admin() { status "$1" -H "Authorization: Bearer $TOKEN"; }
header() { grep -i "^$1:" "$TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }

# --- the page is served --------------------------------------------------------------
expect "ui: /ui redirects to /ui/" 308 "$(status /ui)"
expect "ui: ... by Location" /ui/ "$(header Location)"
expect "ui: the page" 200 "$(status /ui/)"
expect "ui: as HTML" "text/html; charset=utf-8" "$(header Content-Type)"
grep -q "default-src 'self'" <<<"$(header Content-Security-Policy)" && pass "ui: a content security policy" ||
    fail "ui: no content security policy"
ASSET=$(grep -o '/ui/assets/[^"]*\.js' "$TMP/body" | head -1)
expect "ui: its script" 200 "$(status "$ASSET")"
expect "ui: ... cached for good" "public, max-age=31536000, immutable" "$(header Cache-Control)"
expect "ui: an unknown file is 404" 404 "$(status /ui/nope.js)"

# --- the endpoints it reads -----------------------------------------------------------
expect "timeline: 200 without a token" 200 "$(status /v1/rules/timeline)"
expect "timeline: the letter's window" "2026-06-12T00:00:00Z 2026-06-30T00:00:00Z ['trusted-partners-2026']" \
    "$(json "' '.join(str(x) for r in d['rules'] if r['id']=='informed-letter-2026' for x in (r['from'], r['until'], r['exempted_by']))")"
expect "timeline: Cambodia leaves D:5" "None 2026-02-03T00:00:00Z" \
    "$(json "' '.join(str(x) for g in d['groups'] if g['name']=='D:5' for m in g['members'] if m['value']=='KH' for x in (m['from'], m['until']))")"
expect "stats: admin only" 401 "$(status /v1/audit/stats)"
expect "stats: a bad grouping is 400" 400 "$(admin '/v1/audit/stats?by=colour')"
expect "stats: by day" 200 "$(admin '/v1/audit/stats?by=day')"
TOTAL=$(json "d['total']")
expect "stats: the days add up" "$TOTAL" "$(json "sum(r['total'] for r in d['rows'])")"
expect "stats: 21 days" 21 "$(json "len(d['rows'])")"
expect "stats: by destination" 200 "$(admin '/v1/audit/stats?by=destination')"
expect "stats: ... the same total" "$TOTAL" "$(json "sum(r['total'] for r in d['rows'])")"
expect "stats: filtered by rule" 200 "$(admin '/v1/audit/stats?by=rule&rule=informed-letter-2026')"
expect "stats: ... every decision counted named the rule" True \
    "$(json "0 < d['total'] < $TOTAL and any(r['key']=='us-ear/informed-letter-2026' and r['total']==d['total'] for r in d['rows'])")"
expect "stats: a period" 200 "$(admin '/v1/audit/stats?by=day&from=2026-06-12&until=2026-06-14')"
expect "stats: ... two days" "2026-06-12 2026-06-13" "$(json "' '.join(r['key'] for r in d['rows'])")"
expect "screening: admin only" 401 "$(status /v1/admin/screening)"
expect "screening: the stored results" 200 "$(admin /v1/admin/screening)"
expect "screening: possible matches await review" True \
    "$(json "sum(1 for r in d['results'] if r['status']=='possible' and not r['adjudication']) >= 3")"
expect "screening: beside the entry's programmes" True \
    "$(json "any('RUSSIA-EO14024' in r['programs'] for r in d['results'])")"

# --- every view in headless Chromium --------------------------------------------------
rm -rf "$SHOTS"
if (cd "$ROOT/ui" && CHROMIUM="$CHROMIUM" node e2e/dashboard.mjs "$URL" "$TOKEN" "$SHOTS"); then
    pass "dashboard: every view in Chromium"
else
    fail "dashboard: the browser test (screenshots in $SHOTS)"
fi
for v in timeline timeline-letter decisions screening impact request audit; do
    [ -s "$SHOTS/$v.png" ] && pass "screenshot: $v" || fail "screenshot: $v missing"
done
expect "screening: the verdict went through the admin API" 1 \
    "$("$BIN" adjudicate --help >/dev/null 2>&1; admin /v1/admin/adjudications >/dev/null; json "len(d['adjudications'])")"

kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "serve: clean exit"
SERVER_PID=""
expect "audit: the chain still verifies" 0 "$("$BIN" audit verify --db "$DB" >/dev/null 2>&1; echo $?)"

if [ "$FAILS" -gt 0 ]; then
    echo "ui_e2e: $FAILS failed" >&2
    exit 1
fi
echo "ui_e2e: all passed"
