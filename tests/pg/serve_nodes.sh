#!/usr/bin/env bash
# Two clearance serve nodes on one PostgreSQL store: decisions given by
# either node are in one audit chain that verifies, each node reads the
# records the other wrote (GET /v1/audit), and a node started while the
# database is unreachable does not start (exit 2).
# Usage: scripts/pg.sh env DIR tests/pg/serve_nodes.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/check.sh"

url=${CLR_TEST_STORE:?run me through scripts/pg.sh env}
export CLEARANCE_AUDIT_KEY=$tmp/audit.key
echo "s3cret-token-for-tests" >"$tmp/token"
auth=(-H "Authorization: Bearer s3cret-token-for-tests")

start_node() { # NAME MODE: starts a node; sets pid_NAME and port_NAME
    rm -f "$tmp/port-$1"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port-$1" --store "$url" \
        --audit-mode "$2" --admin-token-file "$tmp/token" >"$tmp/serve-$1.log" 2>&1 &
    eval "pid_$1=$!"
    for _ in $(seq 1 100); do [ -s "$tmp/port-$1" ] && break; sleep 0.1; done
    eval "port_$1=$(cat "$tmp/port-$1" 2>/dev/null)"
}

# the key is made once, then copied to every node (docs/deployment.md): here they share the file
"$bin" check --audit "$url" "$root/examples/$(ls "$root/examples" | grep json | head -1)" \
    >/dev/null 2>&1
check "the first decision makes the key" 0 $?

start_node a sync
start_node b async
[ -n "$port_a" ] && [ -n "$port_b" ]
check "two nodes start on one database" 0 $?
: >"$tmp/ids"
for round in 1 2 3; do
    for f in "$root"/examples/*.json; do
        for port in "$port_a" "$port_b"; do
            curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$f" |
                grep -o '"decision_id":"[^"]*"' | cut -d'"' -f4 >>"$tmp/ids" &
        done
    done
    wait_for=$(jobs -p | grep -v -e "^$pid_a\$" -e "^$pid_b\$")
    for j in $wait_for; do wait "$j"; done
done
given=$(grep -c . "$tmp/ids")
[ "$given" -eq $((3 * 2 * $(ls "$root"/examples/*.json | wc -l))) ]
check "both nodes answer every request ($given decisions)" 0 $?

# node a reads what node b wrote once b's async writer has committed it (b drains on SIGTERM)
kill "$pid_b"
wait "$pid_b"
check "node b drains and stops" 0 $?
curl -s "${auth[@]}" "127.0.0.1:$port_a/v1/audit?limit=1000" >"$tmp/records"
missing=0
while read -r id; do grep -q "\"decision_id\":\"$id\"" "$tmp/records" || missing=$((missing + 1)); done <"$tmp/ids"
check "node a serves every record, its own and node b's" 0 "$missing"
curl -s "${auth[@]}" "127.0.0.1:$port_a/v1/audit/verify" >"$tmp/out"
check "node a verifies the one chain" 0 $? "^\\{\"ok\":true,\"records\":$((given + 1))," "$tmp/out"
kill "$pid_a"
wait "$pid_a"
check "node a stops" 0 $?

"$bin" audit verify --store "$url" --key "$CLEARANCE_AUDIT_KEY.pub" >"$tmp/out" 2>&1
check "the CLI verifies it with the independent key" 0 $? "^ok: $((given + 1)) records" "$tmp/out"

"$bin" serve --listen 127.0.0.1:0 --store "postgresql://clr@127.0.0.1:1/none" >"$tmp/out" 2>&1
check "a node whose database is unreachable does not start (exit 2)" 2 $? \
    'cannot connect to PostgreSQL' "$tmp/out"

finish "serve_nodes (postgresql)"
