#!/usr/bin/env bash
# POST /v1/impact on the real server: the registered users and the recent
# audit traffic as combinations, the 2026 letter's imposition and lifting as
# the two sides, a proposed rulebook, and bad bodies.
# Usage: tests/serve_impact.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"
echo "admin-token-for-impact-tests" >"$tmp/token"
auth=(-H "Authorization: Bearer admin-token-for-impact-tests" -H "Content-Type: application/json")

"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$tmp/store.db" \
    --admin-token-file "$tmp/token" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url="127.0.0.1:$(cat "$tmp/port")"

curl -s "${auth[@]}" -XPOST "$url/v1/admin/orgs" \
    -d '{"id":"acme","legal_name":"Acme Widgets Limited","country":"DE","hq":"DE"}' >/dev/null
curl -s "${auth[@]}" -XPOST "$url/v1/admin/users" \
    -d '{"id":"ana","org":"acme","nationality":"DE","country":"DE"}' >/dev/null
curl -s "${auth[@]}" -XPOST "$url/v1/admin/users" \
    -d '{"id":"bo","org":"acme","nationality":"US","country":"US"}' >/dev/null
for f in "$root"/examples/*.json; do curl -s -XPOST "$url/v1/decide" -d @"$f" >/dev/null; done

curl -s -o /dev/null -w '%{http_code}' -XPOST "$url/v1/impact" -d '{}' >"$tmp/code"
check "impact needs the admin token" 0 $? '^401$' "$tmp/code"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" -d '{"at":"2026-06-11","then":"2026-06-13"}' >"$tmp/out"
check "the letter takes effect: allow -> license_required" 0 $? \
    '"before":"allow","after":"license_required"' "$tmp/out"
check "... over the registry and the audit traffic" 0 0 \
    '"registry":[1-9][0-9]*,"audit_records":[1-9][0-9]*,"audit_combinations":[1-9]' "$tmp/out"
check "... naming the rule" 0 0 '"rule":"informed-letter-2026"' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" -d '{"at":"2026-06-29","then":"2026-07-01"}' >"$tmp/out"
check "the letter is lifted: who may restart" 0 $? \
    '"before":"license_required","after":"allow"' "$tmp/out"
cat >"$tmp/proposed.json" <<'JSON'
{"at": "2026-11-01", "combinations": [
  {"model": "small-1", "principal": {"id": "x", "country": "DE"}, "use": "research", "integration": "api"}],
 "proposed": "vocabulary use { research }\nvocabulary integration { api }\nmodel small-1 { provider org:p origin US training_ops 1e23 open_weights false }\nrulebook stop { title \"Stop\" jurisdiction US }\nrule stop-small { effect deny when model == small-1 }\n"}
JSON
curl -s "${auth[@]}" -XPOST "$url/v1/impact" --data-binary @"$tmp/proposed.json" >"$tmp/out"
check "a proposed rulebook against the active one" 0 $? '"rule":"stop-small"' "$tmp/out"
check "... with the body's combination counted" 0 0 '"body":1,' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" -d '{"at":"yesterday-ish"}' >"$tmp/out"
check "a bad time names the member" 0 $? '"path":"\$.at"' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" \
    -d '{"combinations":[{"model":"small-1","principal":{"id":"x","country":"XX"},"use":"research","integration":"api"}]}' >"$tmp/out"
check "a bad combination names its path" 0 $? '"path":"\$.combinations\[0\]\.principal\.country"' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" -d '{"proposed":"rule { broken"}' >"$tmp/out"
check "a proposed rulebook with errors is 400" 0 $? '"path":"\$.proposed"' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/impact" -d '{"version":99}' >"$tmp/out"
check "an unknown stored version is 404" 0 $? 'no such rules version' "$tmp/out"
kill "$pid"
wait "$pid"
check "the server stops cleanly" 0 $?

finish serve_impact
