#!/usr/bin/env bash
# Starts the real `clearance serve` on a free loopback port and exercises every
# endpoint, every error path, a reload under load and the SIGTERM drain.
# Usage: tests/serve_http.sh path/to/clearance
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
HELPER="$HERE/serve_helper.py"
for tool in curl python3; do
    command -v "$tool" >/dev/null || { echo "serve_http: FAIL: $tool is required" >&2; exit 1; }
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
# expect NAME WANT GOT
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want [$2], got [$3]"; fi; }
# contains NAME NEEDLE HAYSTACK
contains() {
    if grep -qF -- "$2" <<<"$3"; then pass "$1"; else fail "$1: [$2] not in [${3:0:400}]"; fi
}

TOKEN=serve-test-token-0123456789
printf '%s\n' "$TOKEN" >"$TMP/token"
mkdir "$TMP/rules"
cp "$ROOT"/rules/*.rules "$TMP/rules/"

start_server() {
    rm -f "$TMP/port"
    "$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/port" --threads 2 \
        --rules "$TMP/rules" --lists "$ROOT/data/lists" --admin-token-file "$TMP/token" --max-body 65536 \
        --idle-timeout 2 --request-timeout 2 --drain-timeout 10 "$@" 2>>"$TMP/server.log" &
    SERVER_PID=$!
    echo "$SERVER_PID" >"$TMP/pid"
    for _ in $(seq 100); do
        [ -s "$TMP/port" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -s "$TMP/port" ] || { echo "serve_http: FAIL: the server did not start" >&2; exit 1; }
    PORT=$(cat "$TMP/port")
    URL="http://127.0.0.1:$PORT"
}

# status METHOD PATH [curl args...]: prints the status code; the body goes to $TMP/body
status() {
    local m=$1 p=$2
    shift 2
    curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' -X "$m" "$@" "$URL$p"
}
body() { cat "$TMP/body"; }
header() { grep -i "^$1:" "$TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

ALLOW='{"model":"small-1","principal":{"id":"user:ana","org":"org:acme","nationality":"DE","country":"DE"},"use":"software-development","integration":"api","time":"2026-06-20T12:00:00Z"}'
EMBARGO='{"model":"mythos-5","principal":{"id":"user:kim","nationality":"KP","country":"KP"},"destination":"KP","use":"research","integration":"chat","time":"2026-06-20T12:00:00Z"}'
LETTER='{"model":"mythos-5","principal":{"id":"user:ana","nationality":"DE","country":"DE"},"use":"research","integration":"api","time":"2026-06-20T12:00:00Z"}'

start_server

# --- POST /v1/decide ---------------------------------------------------------
expect "decide: allow is 200" 200 "$(status POST /v1/decide -d "$ALLOW")"
contains "decide: allow decision" '"decision":"allow"' "$(body)"
expect "decide: embargo is 200" 200 "$(status POST /v1/decide -d "$EMBARGO")"
contains "decide: embargo is deny" '"decision":"deny"' "$(body)"
contains "decide: embargo reason" '"rule":"embargo"' "$(body)"
expect "decide: letter" 200 "$(status POST /v1/decide -d "$LETTER")"
contains "decide: letter is license_required" '"decision":"license_required"' "$(body)"
expect "decide: bad JSON is 400" 400 "$(status POST /v1/decide -d '{"model":')"
contains "decide: bad JSON path" '"path":"$"' "$(body)"
expect "decide: missing principal is 400" 400 "$(status POST /v1/decide \
    -d '{"model":"small-1","use":"research","integration":"api","destination":"DE"}')"
contains "decide: missing principal path" '"path":"$.principal"' "$(body)"
contains "decide: error message" '"error":' "$(body)"
expect "decide: bad country is 400" 400 "$(status POST /v1/decide \
    -d "${ALLOW/\"nationality\":\"DE\"/\"nationality\":\"XX\"}")"
contains "decide: bad country path" '"path":"$.principal.nationality"' "$(body)"
expect "decide: use outside the vocabulary is 400" 400 "$(status POST /v1/decide \
    -d "${ALLOW/software-development/juggling}")"
contains "decide: vocabulary path" '"path":"$.use"' "$(body)"
ENTITY='{"model":"small-1","principal":{"id":"user:ed","org_name":"Afghan-German Construction Company","country":"DE"},"use":"research","integration":"api"}'
expect "decide: a screened party" 200 "$(status POST /v1/decide -d "$ENTITY")"
contains "decide: Entity List hit" '"rule":"entity-list"' "$(body)"
contains "decide: the matched entry" '"match":{"list":"entity-list"' "$(body)"
expect "decide: GET is 405" 405 "$(status GET /v1/decide)"
expect "decide: 405 names the allowed method" POST "$(header Allow)"

# --- POST /v1/decide/batch -------------------------------------------------------
printf '%s\n\n%s\n{"model":\n%s\n' "$ALLOW" "$EMBARGO" "$LETTER" >"$TMP/batch.jsonl"
expect "batch: 200" 200 "$(status POST /v1/decide/batch --data-binary @"$TMP/batch.jsonl")"
expect "batch: one line out per request line" 4 "$(body | wc -l | tr -d ' ')"
expect "batch: line 1" allow "$(body | sed -n 1p | python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"])')"
expect "batch: line 2" deny "$(body | sed -n 2p | python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"])')"
contains "batch: bad line keeps its number" '"line":4' "$(body | sed -n 3p)"
contains "batch: bad line has a path" '"path":"$"' "$(body | sed -n 3p)"
expect "batch: line 4" license_required "$(body | sed -n 4p | python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"])')"
expect "batch: content type" application/x-ndjson "$(header Content-Type)"
seq 10001 | sed "s/.*/x/" >"$TMP/many.jsonl"
expect "batch: more than 10000 lines is 413" 413 "$(status POST /v1/decide/batch --data-binary @"$TMP/many.jsonl")"

# --- POST /v1/data/clearance/decision (OPA data API) -----------------------------
expect "opa: 200" 200 "$(status POST /v1/data/clearance/decision -d "{\"input\":$EMBARGO}")"
contains "opa: result wraps the decision" '{"result":{"decision":"deny"' "$(body)"
expect "opa: missing input is 400" 400 "$(status POST /v1/data/clearance/decision -d '{"x":1}')"
contains "opa: missing input path" '"path":"$.input"' "$(body)"
expect "opa: bad input is 400" 400 "$(status POST /v1/data/clearance/decision \
    -d '{"input":{"model":"small-1","principal":{"id":"u","country":"ZZ"},"use":"research","integration":"api"}}')"
contains "opa: path inside input" '"path":"$.input.principal.country"' "$(body)"
expect "opa: not an object is 400" 400 "$(status POST /v1/data/clearance/decision -d '[1]')"

# --- GET|POST /v1/authz --------------------------------------------------------
H=(-H 'X-Clearance-User: user:ana' -H 'X-Clearance-Use: research' -H 'X-Clearance-Integration: api'
   -H 'X-Clearance-Time: 2026-06-20T12:00:00Z')
expect "authz: allowed is 200" 200 "$(status GET /v1/authz "${H[@]}" -H 'X-Clearance-Model: small-1' \
    -H 'X-Clearance-Country: DE' -H 'X-Clearance-Nationality: DE')"
expect "authz: decision header" allow "$(header X-Clearance-Decision)"
[ -n "$(header X-Clearance-Decision-Id)" ] && pass "authz: decision id header" || fail "authz: no decision id"
expect "authz: denied is 403" 403 "$(status POST /v1/authz "${H[@]}" -H 'X-Clearance-Model: mythos-5' \
    -H 'X-Clearance-Country: KP' -H 'X-Clearance-Nationality: KP')"
expect "authz: deny header" deny "$(header X-Clearance-Decision)"
contains "authz: reasons header" "us-ear/embargo" "$(header X-Clearance-Reasons)"
expect "authz: license_required is 403" 403 "$(status GET /v1/authz/v1/chat "${H[@]}" \
    -H 'X-Clearance-Model: mythos-5' -H 'X-Clearance-Country: de' -H 'X-Clearance-Nationality: DE')"
expect "authz: license_required header (subpath, lower-case country)" license_required \
    "$(header X-Clearance-Decision)"
expect "authz: missing model is 403 (fail closed)" 403 "$(status GET /v1/authz "${H[@]}" \
    -H 'X-Clearance-Country: DE')"
contains "authz: error names the header" "X-Clearance-Model" "$(header X-Clearance-Error)"
contains "authz: error body path" '"path":"X-Clearance-Model"' "$(body)"
expect "authz: a screened organisation is 403" 403 "$(status GET /v1/authz "${H[@]}" \
    -H 'X-Clearance-Model: small-1' -H 'X-Clearance-Country: DE' \
    -H 'X-Clearance-Org-Name: Afghan-German Construction Company')"
contains "authz: Entity List reason" "us-ear/entity-list" "$(header X-Clearance-Reasons)"
expect "authz: bad destination is 403" 403 "$(status GET /v1/authz "${H[@]}" \
    -H 'X-Clearance-Model: small-1' -H 'X-Clearance-Destination: Narnia')"
contains "authz: bad destination path" '"path":"X-Clearance-Destination"' "$(body)"

# --- POST /v1/classify -----------------------------------------------------------
expect "classify: 200" 200 "$(status POST /v1/classify -d '{"origin":"US","training_ops":3e26,"open_weights":false}')"
contains "classify: 4E091" '"classes":["4E091"]' "$(body)"
expect "classify: wrapped form" 200 "$(status POST /v1/classify -d '{"model_attributes":{"origin":"US","training_ops":1e20,"open_weights":false}}')"
contains "classify: no class" '"classes":[]' "$(body)"
expect "classify: bad origin is 400" 400 "$(status POST /v1/classify -d '{"origin":"XX"}')"
contains "classify: path" '"path":"$.origin"' "$(body)"

# --- POST /v1/screen -------------------------------------------------------------
expect "screen: 200" 200 "$(status POST /v1/screen -d '{"name":"Afghan-German Construction Co","limit":3}')"
contains "screen: the entry matches" '"matched_name":"Afghan-German Construction Company"' "$(body)"
expect "screen: missing name is 400" 400 "$(status POST /v1/screen -d '{"type":"org"}')"
contains "screen: path" '"path":"$.name"' "$(body)"
expect "screen: unknown list is 400" 400 "$(status POST /v1/screen -d '{"name":"x","lists":["nope"]}')"
contains "screen: list path" '"path":"$.lists"' "$(body)"

# --- rules ------------------------------------------------------------------------
expect "rules: GET" 200 "$(status GET /v1/rules)"
V1=$(body | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["version"], d["hash"])')
contains "rules: loaded_at" '"loaded_at":"' "$(body)"
HASH1=${V1#* }
expect "rules: version 1" 1 "${V1% *}"
status POST /v1/decide -d "$ALLOW" >/dev/null
contains "rules: decisions carry the hash" "\"rules_version\":\"$HASH1\"" "$(body)"
expect "rules: PUT without token is 401" 401 "$(status PUT /v1/rules --data-binary 'x')"
expect "rules: PUT with a wrong token is 401" 401 "$(status PUT /v1/rules \
    -H "Authorization: Bearer ${TOKEN}x" --data-binary 'x')"
expect "rules: PUT with a short wrong token is 401" 401 "$(status PUT /v1/rules \
    -H "Authorization: Bearer x" --data-binary 'x')"
expect "rules: PUT a broken rulebook is 400" 400 "$(status PUT /v1/rules \
    -H "Authorization: Bearer $TOKEN" --data-binary $'rulebook broken {\n  title "x"\n')"
contains "rules: diagnostics" '"diagnostics":[{"severity":"error"' "$(body)"
contains "rules: diagnostic line" '"line":' "$(body)"
status GET /v1/rules >/dev/null
contains "rules: old set still active after refusal" "\"hash\":\"$HASH1\"" "$(body)"
expect "rules: still deciding" 200 "$(status POST /v1/decide -d "$EMBARGO")"
sed '/^include/d' "$ROOT/rules/common.rules" "$ROOT/rules/us-ear.rules" >"$TMP/us-ear-only.rules"
expect "rules: PUT a valid rulebook" 200 "$(status PUT /v1/rules -H "Authorization: Bearer $TOKEN" \
    --data-binary @"$TMP/us-ear-only.rules")"
V2=$(body | python3 -c 'import json,sys; d=json.load(sys.stdin)["rules"]; print(d["version"], d["hash"])')
expect "rules: version 2" 2 "${V2% *}"
[ "${V2#* }" != "$HASH1" ] && pass "rules: new hash" || fail "rules: the hash did not change"
status POST /v1/decide -d "$ALLOW" >/dev/null
contains "rules: decisions use the new set" "\"rules_version\":\"${V2#* }\"" "$(body)"
contains "rules: only us-ear now" '"rulebooks":{"us-ear":' "$(body)"

# SIGHUP reloads from disk: a broken file is refused, a fixed one is taken
echo 'rule broken {' >"$TMP/rules/zz-broken.rules"
kill -HUP "$SERVER_PID"
sleep 0.5
status GET /v1/rules >/dev/null
contains "sighup: broken files refused, set kept" "\"hash\":\"${V2#* }\"" "$(body)"
rm "$TMP/rules/zz-broken.rules"
kill -HUP "$SERVER_PID"
for _ in $(seq 50); do
    status GET /v1/rules >/dev/null
    grep -q "\"hash\":\"$HASH1\"" "$TMP/body" && break
    sleep 0.1
done
contains "sighup: reloaded from disk" "\"hash\":\"$HASH1\"" "$(body)"
contains "sighup: version counts reloads" '"version":3' "$(body)"

# --- health and metrics ---------------------------------------------------------------
expect "healthz" 200 "$(status GET /healthz)"
expect "readyz" 200 "$(status GET /readyz)"
contains "readyz body" '"status":"ready"' "$(body)"
expect "metrics" 200 "$(status GET /metrics)"
M=$(body)
contains "metrics: decisions by outcome" 'clearance_decisions_total{outcome="deny"}' "$M"
contains "metrics: by rulebook" 'clearance_rulebook_results_total{rulebook="us-ear",result="deny"}' "$M"
contains "metrics: by rule" 'clearance_rule_fired_total{rulebook="us-ear",rule="embargo",effect="deny"}' "$M"
contains "metrics: histogram" 'clearance_decision_duration_seconds_bucket{le="+Inf"}' "$M"
contains "metrics: reloads ok" 'clearance_rules_reloads_total{result="ok"} 2' "$M"
contains "metrics: reloads refused" 'clearance_rules_reloads_total{result="refused"} 2' "$M"
contains "metrics: unauthorized" 'clearance_errors_total{kind="unauthorized"} 3' "$M"
deny_count=$(grep '^clearance_decisions_total{outcome="deny"}' <<<"$M" | awk '{print $2}')
[ "$deny_count" -ge 4 ] && pass "metrics: deny count $deny_count" || fail "metrics: deny count $deny_count"

# --- HTTP-level errors --------------------------------------------------------------
expect "404" 404 "$(status GET /nope)"
contains "404 body" '"error":' "$(body)"
head -c 70000 /dev/zero >"$TMP/big"
expect "413 with Content-Length" 413 "$(status POST /v1/decide --data-binary @"$TMP/big")"
expect "413 chunked" 413 "$(status POST /v1/decide -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/big")"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
expect "malformed header line is 400" "HTTP/1.1 400 Bad Request" \
    "$(python3 "$HELPER" raw "$PORT" "$(hex $'GET /healthz HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n')")"
expect "bad Content-Length is 400" "HTTP/1.1 400 Bad Request" \
    "$(python3 "$HELPER" raw "$PORT" "$(hex $'POST /v1/decide HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n')")"
got=$(python3 "$HELPER" raw "$PORT" "$(hex $'GARBAGE\r\n\r\n')")
case "$got" in "HTTP/1.1 400"* | "<closed>") pass "garbage request line refused ($got)" ;;
*) fail "garbage request line: $got" ;; esac
got=$(python3 "$HELPER" raw "$PORT" "$(hex $'GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n')")
case "$got" in "HTTP/1.1 505"* | "HTTP/1.1 400"* | "<closed>") pass "bad HTTP version refused ($got)" ;;
*) fail "bad HTTP version: $got" ;; esac
t=$(python3 "$HELPER" idle "$PORT" 8)
python3 -c "import sys; t=float('$t'); sys.exit(0 if 0 < t < 6 else 1)" &&
    pass "idle client closed after ${t}s" || fail "idle client not closed ($t)"
t=$(python3 "$HELPER" slowbody "$PORT" 10)
python3 -c "import sys; t=float('$t'); sys.exit(0 if 0 < t < 6 else 1)" &&
    pass "slow body cut off after ${t}s" || fail "slow body not cut off ($t)"
expect "still healthy after the abuse" 200 "$(status GET /healthz)"

# --- reload under load: zero failed requests ------------------------------------
printf '%s\n%s\n%s\n' "$ALLOW" "$EMBARGO" "$LETTER" >"$TMP/load.jsonl"
python3 "$HELPER" load "$PORT" 4 4 "$TMP/load.jsonl" "$TMP/load.out" &
LOAD_PID=$!
sleep 0.5
for i in 1 2 3; do
    status PUT /v1/rules -H "Authorization: Bearer $TOKEN" --data-binary @"$TMP/us-ear-only.rules" >/dev/null
    sleep 0.3
    kill -HUP "$SERVER_PID"
    sleep 0.3
    status PUT /v1/rules -H "Authorization: Bearer $TOKEN" --data-binary 'rule broken {' >/dev/null
    sleep 0.3
done
wait "$LOAD_PID"
read -r nreq nfail nversions <"$TMP/load.out"
[ "$nreq" -gt 100 ] && pass "load: $nreq requests" || fail "load: only $nreq requests"
expect "load: zero failed requests across reloads" 0 "$nfail"
[ "$nversions" -ge 2 ] && pass "load: responses from $nversions rule sets" ||
    fail "load: only $nversions rule set seen"

# --- SIGTERM drains the request in flight, refuses new ones, exits 0 -----------------
printf '%s' "$ALLOW" >"$TMP/drain.json"
got=$(python3 "$HELPER" drain "$PORT" "$TMP/pid" "$TMP/drain.json")
expect "drain: the request in flight completes" "HTTP/1.1 200 OK|close=1|decided=1|new_refused=1" "$got"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
expect "drain: exit status 0" 0 "$rc"
contains "drain: logged" "SIGTERM: draining" "$(cat "$TMP/server.log")"

# --- a config file; SIGTERM with nothing in flight ----------------------------------
printf 'listen = 127.0.0.1:0   # any free port\nport-file = %s\nthreads = 1\nmax-body = 1k\n' \
    "$TMP/port2" >"$TMP/good.conf"
"$BIN" serve --config "$TMP/good.conf" 2>>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port2" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$TMP/port2")"
expect "config file: serving" 200 "$(status GET /healthz)"
expect "config file: max-body 1k applies" 413 "$(status POST /v1/decide --data-binary @"$TMP/big")"
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
expect "idle server: SIGTERM exits 0" 0 "$rc"

# --- start-up errors ------------------------------------------------------------------
rc=0
"$BIN" serve --listen 127.0.0.1:0 --rules "$TMP/nonexistent" 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] && pass "a missing rulebook stops start-up ($rc)" || fail "started without rules"
rc=0
"$BIN" serve --listen nonsense 2>/dev/null || rc=$?
expect "a bad --listen is exit 2" 2 "$rc"
printf 'listen = 127.0.0.1:0\nbogus = 1\n' >"$TMP/bad.conf"
rc=0
"$BIN" serve --config "$TMP/bad.conf" 2>/dev/null || rc=$?
expect "an unknown config key is exit 2" 2 "$rc"

if [ "$FAILS" -ne 0 ]; then
    echo "serve_http: $FAILS checks failed; server log:" >&2
    cat "$TMP/server.log" >&2
    exit 1
fi
echo "serve_http: all checks passed"
