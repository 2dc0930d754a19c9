#!/usr/bin/env bash
# Starts the real `clearance serve --store DB` on a free loopback port, manages
# the customer registry through the admin endpoints, decides with an API key
# through /v1/authz, flags a contradiction, suppresses an adjudicated possible
# match, and checks the CLI sees the same store.
# Usage: tests/serve_registry.sh path/to/clearance
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "serve_registry: FAIL: $tool is required" >&2; exit 1; }
done

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
contains() {
    if grep -qF -- "$2" <<<"$3"; then pass "$1"; else fail "$1: [$2] not in [${3:0:600}]"; fi
}
lacks() {
    if grep -qF -- "$2" <<<"$3"; then fail "$1: [$2] in [${3:0:600}]"; else pass "$1"; fi
}

TOKEN=registry-test-token-0123456789
printf '%s\n' "$TOKEN" >"$TMP/token"
DB="$TMP/store.db"

start_server() {
    rm -f "$TMP/port"
    "$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 2 \
        --lists "$ROOT/data/lists" --admin-token-file "$TMP/token" --store "$DB" \
        --audit-mode off --drain-timeout 5 2>>"$TMP/server.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        [ -s "$TMP/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -s "$TMP/port" ] || { echo "serve_registry: FAIL: the server did not start" >&2; exit 1; }
    URL="http://127.0.0.1:$(cat "$TMP/port")"
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
}

# status METHOD PATH [curl args...]: prints the status; the body goes to $TMP/body
status() {
    local m=$1 p=$2
    shift 2
    curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
admin() {
    local m=$1 p=$2
    shift 2
    status "$m" "$p" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$@"
}
body() { cat "$TMP/body"; }
header() { grep -i "^$1:" "$TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
json() { python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)"; }

start_server

# --- the admin endpoints need the token -----------------------------------------
expect "admin: no token is 401" 401 "$(status GET /v1/admin/orgs)"
expect "admin: wrong token is 401" 401 "$(status GET /v1/admin/orgs -H 'Authorization: Bearer nope')"

# --- organisations -----------------------------------------------------------------
expect "orgs: create" 201 "$(admin POST /v1/admin/orgs \
    -d '{"id":"acme","legal_name":"Acme Widgets Limited","aliases":["Acme"],"country":"DE","hq":"DE"}')"
contains "orgs: created record" '"legal_name":"Acme Widgets Limited"' "$(body)"
contains "orgs: screened on registration, nothing found" '"screening":[]' "$(body)"
expect "orgs: create twice is 409" 409 "$(admin POST /v1/admin/orgs \
    -d '{"id":"acme","legal_name":"Acme Widgets Limited"}')"
expect "orgs: a bad country is 400" 400 "$(admin POST /v1/admin/orgs \
    -d '{"id":"bad","legal_name":"Bad","hq":"ZZ"}')"
expect "orgs: the error names the field" '$.hq' "$(json 'd["path"]')"
expect "orgs: a missing legal name is 400" 400 "$(admin POST /v1/admin/orgs -d '{"id":"x"}')"
expect "orgs: ... naming it" '$.legal_name' "$(json 'd["path"]')"
expect "orgs: a listed company" 201 "$(admin POST /v1/admin/orgs \
    -d '{"id":"ct","legal_name":"China Telecom Corporation Limited","hq":"CN"}')"
contains "orgs: its screening hit" '"list":"cmic","entry":"30882"' "$(body)"
expect "orgs: get" 200 "$(admin GET /v1/admin/orgs/acme)"
expect "orgs: get's hq" DE "$(json 'd["hq"]')"
expect "orgs: replace" 200 "$(admin PUT /v1/admin/orgs/acme \
    -d '{"id":"acme","legal_name":"Acme Widgets Limited","aliases":["Acme"],"country":"DE","hq":"FR"}')"
expect "orgs: replaced hq" FR "$(json 'd["hq"]')"
expect "orgs: list" 200 "$(admin GET /v1/admin/orgs)"
expect "orgs: two listed" 2 "$(json 'len(d["orgs"])')"
expect "orgs: unknown is 404" 404 "$(admin GET /v1/admin/orgs/nobody)"
expect "orgs: remove" 200 "$(admin DELETE /v1/admin/orgs/ct)"
expect "orgs: removed" 404 "$(admin GET /v1/admin/orgs/ct)"

# --- users and keys ------------------------------------------------------------------
expect "users: an unknown org is 400" 400 "$(admin POST /v1/admin/users \
    -d '{"id":"alice","org":"nowhere"}')"
expect "users: ... naming the field" '$.org' "$(json 'd["path"]')"
expect "users: create" 201 "$(admin POST /v1/admin/users \
    -d '{"id":"alice","name":"Alice Example","org":"acme","nationality":"DE","country":"DE"}')"
expect "users: create a person with possible matches" 201 "$(admin POST /v1/admin/users \
    -d '{"id":"u4","name":"Abdul Satar","nationality":"DE","country":"DE"}')"
contains "users: possible match stored" '"entry":"15007"' "$(body)"
expect "orgs: a referenced org stays" 409 "$(admin DELETE /v1/admin/orgs/acme)"
expect "keys: for an unknown user is 400" 400 "$(admin POST /v1/admin/keys -d '{"user":"nobody"}')"
expect "keys: create" 201 "$(admin POST /v1/admin/keys -d '{"user":"alice"}')"
KEY=$(json 'd["secret"]')
KEY_ID=$(json 'd["id"]')
expect "keys: not cached" no-store "$(header Cache-Control)"
expect "keys: list" 200 "$(admin GET /v1/admin/keys)"
lacks "keys: the list holds no secret" "$KEY" "$(body)"

# --- deciding with the registry --------------------------------------------------------
A=(-H 'X-Clearance-Model: small-1' -H 'X-Clearance-Use: research' -H 'X-Clearance-Integration: api')
expect "authz: the key alone is allowed" 200 "$(status GET /v1/authz "${A[@]}" -H "X-Clearance-Key: $KEY")"
expect "authz: allow header" allow "$(header X-Clearance-Decision)"
expect "authz: an unknown key is 403" 403 "$(status GET /v1/authz "${A[@]}" \
    -H "X-Clearance-Key: clr_0000000000000000_${KEY:21}")"
expect "authz: ... with a reason" clearance/unknown-key "$(header X-Clearance-Reasons)"
expect "authz: the key of another user is 403" 403 "$(status GET /v1/authz "${A[@]}" \
    -H "X-Clearance-Key: $KEY" -H 'X-Clearance-User: u4')"
expect "authz: ... with a reason" clearance/key-user-mismatch "$(header X-Clearance-Reasons)"
expect "authz: a contradicted nationality is review" 403 "$(status GET /v1/authz "${A[@]}" \
    -H "X-Clearance-Key: $KEY" -H 'X-Clearance-Nationality: FR')"
expect "authz: review header" review "$(header X-Clearance-Decision)"
contains "authz: registry-mismatch reason" clearance/registry-mismatch "$(header X-Clearance-Reasons)"
contains "authz: message names both values" 'principal.nationality \"FR\" but the registry records \"DE\"' "$(body)"

REQ='{"model":"small-1","principal":{"id":"alice"},"use":"research","integration":"api"}'
expect "decide: filled from the registry" 200 "$(status POST /v1/decide -d "$REQ")"
expect "decide: allow" allow "$(json 'd["decision"]')"
printf '%s\n%s\n' "$REQ" "$REQ" >"$TMP/batch.jsonl"
expect "batch: filled too" 200 "$(status POST /v1/decide/batch --data-binary @"$TMP/batch.jsonl")"
expect "batch: two allows" 2 "$(grep -c '"decision":"allow"' "$TMP/body")"
STRANGER='{"model":"small-1","principal":{"id":"mallory","country":"DE"},"use":"research","integration":"api"}'
expect "decide: an unregistered principal" 200 "$(status POST /v1/decide -d "$STRANGER")"
expect "decide: ... is review" review "$(json 'd["decision"]')"
contains "decide: ... saying why" '"rule":"unregistered-principal"' "$(body)"

U4='{"model":"small-1","principal":{"id":"u4"},"use":"research","integration":"api"}'
expect "decide: possible matches" 200 "$(status POST /v1/decide -d "$U4")"
expect "decide: ... are review" review "$(json 'd["decision"]')"
python3 -c "
import json
d = json.load(open('$TMP/body'))
for r in d['reasons']:
    m = r.get('match')
    if m and m['status'] == 'possible':
        print(m['list'], m['id'])
" | sort -u >"$TMP/possible"
[ -s "$TMP/possible" ] && pass "decide: possible matches named" || fail "decide: no possible match"

# --- adjudication ---------------------------------------------------------------------------
expect "adjudications: an unknown entry is 404" 404 "$(admin POST /v1/admin/adjudications \
    -d '{"party":"user:u4","list":"sdn","entry":"nope","verdict":"false_positive","reviewer":"rita","reason":"other person","expires":"2099-01-01"}')"
expect "adjudications: a past expiry is 400" 400 "$(admin POST /v1/admin/adjudications \
    -d '{"party":"user:u4","list":"sdn","entry":"15007","verdict":"false_positive","reviewer":"rita","reason":"other person","expires":"2001-01-01"}')"
expect "adjudications: ... naming the field" '$.expires' "$(json 'd["path"]')"
while read -r list entry; do
    expect "adjudications: $list/$entry" 201 "$(admin POST /v1/admin/adjudications \
        -d "{\"party\":\"user:u4\",\"list\":\"$list\",\"entry\":\"$entry\",\"verdict\":\"false_positive\",\"reviewer\":\"rita\",\"reason\":\"date of birth differs\",\"expires\":\"2099-01-01\"}")"
done <"$TMP/possible"
expect "decide: adjudicated matches" 200 "$(status POST /v1/decide -d "$U4")"
expect "decide: ... are suppressed" allow "$(json 'd["decision"]')"
U4_LATER='{"model":"small-1","principal":{"id":"u4"},"destination":"DE","use":"research","integration":"api","time":"2099-06-01T00:00:00Z"}'
expect "decide: after the expiry" 200 "$(status POST /v1/decide -d "$U4_LATER")"
expect "decide: ... review again" review "$(json 'd["decision"]')"
expect "adjudications: list" 200 "$(admin GET /v1/admin/adjudications)"
expect "adjudications: listed" "$(wc -l <"$TMP/possible" | tr -d ' ')" "$(json 'len(d["adjudications"])')"
read -r list entry <"$TMP/possible"
expect "adjudications: remove" 200 "$(admin DELETE "/v1/admin/adjudications/user:u4/$list/$entry")"
expect "decide: without the verdict" 200 "$(status POST /v1/decide -d "$U4")"
expect "decide: ... review again" review "$(json 'd["decision"]')"

# --- rescreen, revoke ---------------------------------------------------------------------------
expect "rescreen: 200" 200 "$(admin POST /v1/admin/rescreen)"
expect "rescreen: every party" 3 "$(json 'd["parties"]')"
expect "rescreen: nothing changed" 0 "$(json 'len(d["changes"])')"
expect "keys: revoke" 200 "$(admin DELETE "/v1/admin/keys/$KEY_ID")"
expect "authz: a revoked key is 403" 403 "$(status GET /v1/authz "${A[@]}" -H "X-Clearance-Key: $KEY")"
expect "authz: ... deny" deny "$(header X-Clearance-Decision)"
expect "users: remove" 200 "$(admin DELETE /v1/admin/users/alice)"
expect "decide: a removed user without a destination" 400 "$(status POST /v1/decide -d "$REQ")"
expect "decide: ... is malformed" '$.destination' "$(json 'd["path"]')"
REQ_DE='{"model":"small-1","principal":{"id":"alice"},"destination":"DE","use":"research","integration":"api"}'
expect "decide: a removed user" 200 "$(status POST /v1/decide -d "$REQ_DE")"
expect "decide: ... is unregistered" review "$(json 'd["decision"]')"
expect "admin: unknown noun is 404" 404 "$(admin GET /v1/admin/things)"
expect "admin: PATCH is 405" 405 "$(admin PATCH /v1/admin/orgs)"

stop_server

# --- the CLI reads the same store -------------------------------------------------------------
"$BIN" org get --store "$DB" acme >"$TMP/out" 2>"$TMP/err" && pass "cli: org get" || fail "cli: org get"
contains "cli: the server's record" '"hq":"FR"' "$(cat "$TMP/out")"
set +e
"$BIN" org get --store "$DB" nobody >/dev/null 2>&1
expect "cli: unknown org exits 1" 1 "$?"
"$BIN" org add --store "$DB" --id bad --legal-name Bad --hq ZZ >/dev/null 2>"$TMP/err"
expect "cli: invalid org exits 2" 2 "$?"
contains "cli: ... naming the field" "hq" "$(cat "$TMP/err")"
"$BIN" user add --store "$DB" --id bob --name "Bob Example" --org acme --nationality FR --country FR \
    --no-screen >/dev/null 2>&1
expect "cli: user add" 0 "$?"
"$BIN" key create --store "$DB" --user bob >"$TMP/key" 2>/dev/null
expect "cli: key create" 0 "$?"
echo '{"model":"small-1","principal":{"id":"bob","nationality":"DE"},"destination":"FR","use":"research","integration":"api"}' |
    "$BIN" check --store "$DB" >"$TMP/out" 2>/dev/null
expect "cli: check --store decides" 0 "$?"
contains "cli: check --store flags the contradiction" '"rule":"registry-mismatch"' "$(cat "$TMP/out")"
"$BIN" rescreen --store "$DB" >"$TMP/out" 2>"$TMP/err"
expect "cli: rescreen" 0 "$?"
contains "cli: rescreen summary" "3 parties" "$(cat "$TMP/err")"
set -e

if [ "$FAILS" -gt 0 ]; then
    echo "serve_registry: $FAILS failed" >&2
    exit 1
fi
echo "serve_registry: all passed"
