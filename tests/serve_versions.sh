#!/usr/bin/env bash
# clearance serve --store keeps rulebook versions: the rules at start are
# version 1, PUT /v1/rules stores version 2 (who and why), a second server on
# the same store picks it up within seconds without a reload, and a request
# dated while version 1 was in force is decided under version 1.
# Usage: tests/serve_versions.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"
db="$tmp/store.db"
echo "admin-token-for-version-tests" >"$tmp/token"

start() { # name
    rm -f "$tmp/$1.port"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/$1.port" --store "$db" \
        --admin-token-file "$tmp/token" >"$tmp/$1.log" 2>&1 &
    eval "pid_$1=$!"
    for _ in $(seq 1 100); do [ -s "$tmp/$1.port" ] && break; sleep 0.1; done
    eval "port_$1=$(cat "$tmp/$1.port")"
}

start a
start b
check "two servers start on one store" 0 0
t1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 2
req() { # time
    printf '{"model":"mythos-5","principal":{"id":"user:ana","org":"org:acme","nationality":"US","country":"US"},"use":"software-development","integration":"api","time":"%s"}' "$1"
}
curl -s -XPOST "127.0.0.1:$port_a/v1/decide" -d "$(req "$t1")" >"$tmp/out"
check "under the built-in rules a US person may use Mythos" 0 $? '"decision":"allow"' "$tmp/out"

cat >"$tmp/new.rules" <<'RULES'
vocabulary use { software-development, research }
vocabulary integration { api }
model mythos-5 { provider org:anthropic origin US training_ops 3e26 open_weights false }
rulebook halt { title "Every use of Mythos 5 halted" jurisdiction US }
rule halt-mythos { effect deny when model == mythos-5 citation "order of the day" }
RULES
curl -s -XPUT "127.0.0.1:$port_a/v1/rules" -H "Authorization: Bearer admin-token-for-version-tests" \
    -H "X-Clearance-By: ana@compliance" -H "X-Clearance-Reason: halt order" \
    --data-binary @"$tmp/new.rules" >"$tmp/out"
check "PUT /v1/rules installs the new rules" 0 $? '"source":"PUT /v1/rules"' "$tmp/out"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -s -XPOST "127.0.0.1:$port_a/v1/decide" -d "$(req "$now")" >"$tmp/out"
check "now: the new rules deny" 0 $? '"rule":"halt-mythos"' "$tmp/out"
curl -s -XPOST "127.0.0.1:$port_a/v1/decide" -d "$(req "$t1")" >"$tmp/out"
check "dated while version 1 was in force: version 1 answers" 0 $? '"decision":"allow"' "$tmp/out"
curl -s -XPOST "127.0.0.1:$port_a/v1/decide" -d "$(req 2026-06-20T12:00:00Z)" >"$tmp/out"
check "dated before any version: the first answers" 0 $? '"decision":"allow"' "$tmp/out"

ok=1
for _ in $(seq 1 30); do
    curl -s -XPOST "127.0.0.1:$port_b/v1/decide" -d "$(req "$(date -u +%Y-%m-%dT%H:%M:%SZ)")" >"$tmp/out"
    grep -q '"rule":"halt-mythos"' "$tmp/out" && { ok=0; break; }
    sleep 0.2
done
check "the second server serves version 2 within seconds, without a reload" 0 "$ok"
curl -s "127.0.0.1:$port_b/v1/rules" >"$tmp/out"
check "... and says where it came from" 0 $? '"source":"store version 2"' "$tmp/out"

# the registry: a user registered on one server is known to the other
curl -s -XPOST "127.0.0.1:$port_a/v1/admin/users" -H "Authorization: Bearer admin-token-for-version-tests" \
    -d '{"id":"carol","nationality":"US","country":"US"}' >"$tmp/out"
check "a user registers on the first server" 0 $? '"id":"carol"' "$tmp/out"
ok=1
for _ in $(seq 1 30); do
    curl -s -XPOST "127.0.0.1:$port_b/v1/decide" \
        -d '{"model":"mythos-5","principal":{"id":"bo","nationality":"DE","country":"DE"},"use":"software-development","integration":"api"}' >"$tmp/out"
    grep -q '"rule":"unregistered-principal"' "$tmp/out" && { ok=0; break; }
    sleep 0.2
done
check "the second server reloads the registry within seconds" 0 "$ok"

kill "$pid_a" "$pid_b"
wait "$pid_a" "$pid_b"
"$bin" rules versions --store "$db" >"$tmp/out" 2>&1
check "the store lists both versions, who and why" 0 $? ' 2  .*ana@compliance .*halt order' "$tmp/out"
start c
curl -s "127.0.0.1:$port_c/v1/rules" >"$tmp/out"
check "a restarted server without --rules serves the store's latest version" 0 $? '"source":"store version 2"' "$tmp/out"
check "... and notes that the built-in rules differ" 0 0 'built-in rules differ' "$tmp/c.log"
kill "$pid_c"
wait "$pid_c"

finish serve_versions
