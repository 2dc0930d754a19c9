#!/usr/bin/env bash
# POST /v1/admin/lists: the restricted-party lists imported again while the
# server runs. The new lists are swapped in, every registered party is
# screened again, the new and cleared hits come back, and decisions screen
# against the new lists at once.
# Usage: tests/serve_lists.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

el='"Entity List (EL) - Bureau of Industry and Security"'
write_list() { # rows...
    head -1 "$root/data/lists/csl.csv" >"$tmp/lists/csl.csv"
    for row in "$@"; do
        printf '%s' "$row" >>"$tmp/lists/csl.csv"
        for _ in $(seq 6 28); do printf ',""' >>"$tmp/lists/csl.csv"; done
        printf '\n' >>"$tmp/lists/csl.csv"
    done
}
mkdir "$tmp/lists"
cp -r "$root"/data/lists/* "$tmp/lists/"
write_list "\"E1\",$el,\"\",\"Entity\",\"P1\",\"Quuxly Orbital Systems\""
echo "admin-token-for-list-tests" >"$tmp/token"
auth=(-H "Authorization: Bearer admin-token-for-list-tests" -H "Content-Type: application/json")

"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$tmp/store.db" \
    --lists "$tmp/lists" --admin-token-file "$tmp/token" --audit-mode off >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
url="127.0.0.1:$port"

curl -s "${auth[@]}" -XPOST "$url/v1/admin/orgs" \
    -d '{"id":"zorb","legal_name":"Zorblax Rocket Works","country":"US","hq":"US"}' >"$tmp/out"
check "an organisation registers, no match" 0 $? '"screening":\[\]' "$tmp/out"
req='{"model":"mythos-5","principal":{"id":"user:z","org":"org:zorb","org_name":"Zorblax Rocket Works","nationality":"US","country":"US"},"use":"software-development","integration":"api"}'
curl -s -XPOST "$url/v1/decide" -d "$req" >"$tmp/out"
check "before the import its decisions do not hit" 0 $? '"decision":"(allow|review)"' "$tmp/out"

before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1.2
write_list "\"E1\",$el,\"\",\"Entity\",\"P1\",\"Quuxly Orbital Systems\"" \
    "\"E2\",$el,\"\",\"Entity\",\"P1\",\"Zorblax Rocket Works\""
curl -s -XPOST "$url/v1/admin/lists" >"$tmp/out"
check "the import needs the admin token" 0 $? 'admin bearer token' "$tmp/out"
curl -s "${auth[@]}" -XPOST "$url/v1/admin/lists" >"$tmp/out"
check "the import screens every party again and reports the new hit" 0 $? \
    '"changes":\[\{.*Zorblax Rocket Works.*\}\],"parties":1' "$tmp/out"
curl -s -XPOST "$url/v1/decide" -d "$req" >"$tmp/out"
check "decisions screen against the new lists at once" 0 $? '"rule":"entity-list"' "$tmp/out"
check "... naming the new entry" 0 0 '"id":"E2"' "$tmp/out"
dated=$(printf '%s' "$req" | sed "s/}$/,\"time\":\"$before\"}/")
curl -s -XPOST "$url/v1/decide" -d "$dated" >"$tmp/out"
if grep -q '"rule":"entity-list"' "$tmp/out"; then r=1; else r=0; fi
check "a request dated before the import screens against the lists in force then" 0 "$r"
"$bin" lists versions --store "$tmp/store.db" >"$tmp/out" 2>&1
check "both lists versions are in the store" 0 $? ' 2  .*admin .*imported again' "$tmp/out"

write_list "\"E1\",$el,\"\",\"Entity\",\"P1\",\"Quuxly Orbital Systems\""
curl -s "${auth[@]}" -XPOST "$url/v1/admin/lists" >"$tmp/out"
check "delisted: the cleared hit is reported" 0 $? 'cleared' "$tmp/out"
mv "$tmp/lists" "$tmp/gone"
curl -s -o "$tmp/out" -w '%{http_code}' "${auth[@]}" -XPOST "$url/v1/admin/lists" >"$tmp/code"
check "lists that cannot be read are refused" 0 $? '^500$' "$tmp/code"
check "... saying why" 0 0 'cannot load the lists' "$tmp/out"
curl -s -XPOST "$url/v1/decide" -d "$req" >"$tmp/out"
check "... and the lists in force stay" 0 $? '"decision"' "$tmp/out"
kill "$pid"
wait "$pid"
check "the server stops cleanly" 0 $?

finish serve_lists
