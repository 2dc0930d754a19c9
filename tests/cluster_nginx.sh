#!/usr/bin/env bash
# Three clearance nodes on one PostgreSQL, behind a real nginx that balances
# between them (docs/deployment.md), checked end to end:
#   - a licence drawn down through all three under concurrent load is never
#     overdrawn, and the store's drawdown equals the decisions it covered;
#   - a rulebook uploaded to one node is served by every node within a second;
#   - PostgreSQL stopped and started again under load: the sync nodes answer
#     deny (store-unavailable) while it is away, the async node keeps
#     answering, every node reconnects by itself, and nothing answered is
#     missing from the log afterwards;
#   - the three writers made one audit chain, which verifies.
# Runs its own cluster: scripts/pg.sh run (nothing is left running).
# Usage: tests/cluster_nginx.sh PATH/TO/clearance
set -u
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${CLR_TEST_STORE:-}" ]; then
    exec bash "$root/scripts/pg.sh" run bash "$0" "$bin"
fi
. "$root/tests/lib/check.sh"
url=$CLR_TEST_STORE
pgdir=$CLR_TEST_PG_DIR
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
export CLEARANCE_AUDIT_KEY=$tmp/audit.key
echo "cluster-admin-token-for-tests" >"$tmp/token"
auth=(-H "Authorization: Bearer cluster-admin-token-for-tests" -H "Content-Type: application/json")
pids=()
cleanup_nodes() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
}
trap 'cleanup_nodes; rm -rf "$tmp"' EXIT

# the signing key is made once and shared by the nodes (docs/deployment.md)
"$bin" check --audit "$url" "$root/examples/01-before-the-letter.json" >/dev/null 2>&1
check "the first decision makes the key and the schema" 0 $?

start_node() { # NAME MODE
    rm -f "$tmp/port-$1"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port-$1" --store "$url" --threads 2 \
        --audit-mode "$2" --admin-token-file "$tmp/token" >"$tmp/node-$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do [ -s "$tmp/port-$1" ] && break; sleep 0.1; done
    eval "port_$1=$(cat "$tmp/port-$1" 2>/dev/null)"
}
start_node a sync
start_node b sync
start_node c async
[ -n "$port_a" ] && [ -n "$port_b" ] && [ -n "$port_c" ]
check "three nodes start on one database" 0 $?

front=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx/tmp"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 512; }
http {
    client_body_temp_path $tmp/nginx/tmp/body;
    proxy_temp_path $tmp/nginx/tmp/proxy;
    fastcgi_temp_path $tmp/nginx/tmp/fastcgi;
    uwsgi_temp_path $tmp/nginx/tmp/uwsgi;
    scgi_temp_path $tmp/nginx/tmp/scgi;
    access_log $tmp/nginx/access.log;
    upstream clearance {
        server 127.0.0.1:$port_a;
        server 127.0.0.1:$port_b;
        server 127.0.0.1:$port_c;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$front;
        location / {
            proxy_pass http://clearance;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
CONF
"$NGINX" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx/stderr" &
pids+=($!)
for _ in $(seq 1 50); do curl -s -o /dev/null "127.0.0.1:$front/healthz" && break; sleep 0.1; done
lb="127.0.0.1:$front"
curl -s "$lb/healthz" >"$tmp/out"
check "nginx balances over the three nodes" 0 $? '"ok"' "$tmp/out"

# load: N requests over C connections through nginx; each answer is written
# to a file as it arrives (decision, id, the node that answered)
cat >"$tmp/load.py" <<'PY'
import http.client, json, sys, threading, time
host, port = sys.argv[1].split(":")
n, conns, seconds, out = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
body = open(sys.argv[6]).read()
lock, done, f = threading.Lock(), [0], open(out, "a", buffering=1)
deadline = time.time() + seconds
def client():
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    while True:
        with lock:
            if done[0] >= n or time.time() > deadline:
                return
            done[0] += 1
        try:
            c.request("POST", "/v1/decide", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            text = r.read()
            d = json.loads(text)
            reasons = ",".join(x["rule"] for x in d.get("reasons", []))
            with lock:
                f.write(f'{d["decision"]} {d["decision_id"]} {reasons or "-"}\n')
        except Exception as e:
            with lock:
                f.write(f"error - {type(e).__name__}\n")
            c = http.client.HTTPConnection(host, int(port), timeout=30)
ts = [threading.Thread(target=client) for _ in range(conns)]
for t in ts: t.start()
for t in ts: t.join()
PY

# --- a licence drawn down through three nodes at once ---------------------------------
curl -s "${auth[@]}" -XPOST "$lb/v1/admin/licences" -d '{"id": "L-CLUSTER", "rulebook": "us-ear",
    "licensee": "org:acme", "models": ["mythos-5"], "uses": ["software-development"],
    "quantity": 300, "unit": "requests"}' >"$tmp/out"
check "a licence is added through any node" 0 $? '"id":"L-CLUSTER"' "$tmp/out"
cat >"$tmp/letter.json" <<'JSON'
{"model": "mythos-5", "principal": {"id": "user:ana", "org": "org:acme", "nationality": "DE", "country": "DE", "hq": "DE"}, "use": "software-development", "integration": "api", "time": "2026-06-20T12:00:00Z"}
JSON
sleep 1.2 # every node syncs its licences within a second
: >"$tmp/answers"
python3 "$tmp/load.py" "$lb" 600 12 60 "$tmp/answers" "$tmp/letter.json"
allowed=$(grep -c '^allow ' "$tmp/answers")
required=$(grep -c '^license_required ' "$tmp/answers")
[ "$allowed" -le 300 ] && [ "$allowed" -gt 0 ] && [ $((allowed + required)) -eq 600 ]
check "600 requests through three nodes: $allowed covered, never more than 300" 0 $?
echo "licence: $allowed of 600 covered, $required license_required"
grep -o 'upstream: "[^"]*"' "$tmp/nginx/error.log" | head -3

# --- a rulebook uploaded to one node reaches every node ---------------------------------
cat >"$tmp/halt.rules" <<'RULES'
vocabulary use { software-development, research }
vocabulary integration { api }
model mythos-5 { provider org:anthropic origin US training_ops 3e26 open_weights false }
rulebook halt { title "Every use of Mythos 5 halted" jurisdiction US }
rule halt-mythos { effect deny when model == mythos-5 citation "order of the day" }
RULES
t0=$(date +%s.%N)
curl -s -XPUT "127.0.0.1:$port_a/v1/rules" "${auth[@]}" -H "X-Clearance-Reason: halt" \
    --data-binary @"$tmp/halt.rules" >"$tmp/out"
check "a rulebook is uploaded to node a" 0 $? '"source":"PUT /v1/rules"' "$tmp/out"
reached=""
for _ in $(seq 1 50); do
    all=1
    for p in "$port_a" "$port_b" "$port_c"; do
        curl -s "127.0.0.1:$p/v1/rules" | grep -q '"halt"' || all=0
    done
    [ "$all" = 1 ] && { reached=$(python3 -c "import time; print(f'{time.time() - $t0:.2f}')"); break; }
    sleep 0.05
done
[ -n "$reached" ] && python3 -c "import sys; sys.exit(0 if $reached < 1.5 else 1)"
check "every node serves it within a second or so (${reached:-never} s)" 0 $?
echo "rules: every node served the upload ${reached:-never} s after it was accepted"
curl -s -XPUT "127.0.0.1:$port_b/v1/rules" "${auth[@]}" --data-binary @"$root/rules/us-ear.rules" \
    >/dev/null # includes do not resolve from a PUT: keep the halt rules in force

# --- PostgreSQL stopped and started again under load ------------------------------------
: >"$tmp/outage"
cat >"$tmp/small.json" <<'JSON'
{"model": "small-1", "principal": {"id": "user:ana", "org": "org:acme", "nationality": "DE", "country": "DE"}, "use": "research", "integration": "api", "time": "2026-06-20T12:00:00Z"}
JSON
python3 "$tmp/load.py" "$lb" 100000 8 7 "$tmp/outage" "$tmp/small.json" &
load=$!
sleep 1.5
bash "$root/scripts/pg.sh" pause "$pgdir"
check "PostgreSQL is stopped under load" 0 $?
sleep 2
bash "$root/scripts/pg.sh" resume "$pgdir"
check "... and started again" 0 $?
wait "$load"
during=$(grep -c 'store-unavailable' "$tmp/outage")
answered=$(grep -vc -e 'store-unavailable' -e '^error' "$tmp/outage")
errors=$(grep -c '^error' "$tmp/outage")
[ "$during" -gt 0 ]
check "while it was away, sync nodes answered deny (store-unavailable: $during)" 0 $?
[ "$errors" -eq 0 ]
check "no request failed at the HTTP level ($errors)" 0 $?
echo "outage: $during answered deny (store-unavailable), $answered answered and recorded, $errors errors"
sleep 3
: >"$tmp/after"
python3 "$tmp/load.py" "$lb" 60 3 30 "$tmp/after" "$tmp/small.json"
bad_after=$(grep -c -e 'store-unavailable' -e '^error' "$tmp/after")
[ "$bad_after" -eq 0 ] && [ "$(grep -c . "$tmp/after")" -eq 60 ]
check "afterwards every node records again, having reconnected by itself" 0 $?

# --- one chain: every answer given is in it; nothing unrecorded is -------------------
cleanup_nodes
cat "$tmp/answers" "$tmp/outage" "$tmp/after" >"$tmp/all"
"$bin" audit export --store "$url" >"$tmp/export" 2>"$tmp/export.err"
python3 - "$tmp/all" "$tmp/export" >"$tmp/out" <<'PY'
import json, sys
logged = {json.loads(l)["decision_id"] for l in open(sys.argv[2]) if l.strip()}
given = missing = wrongly = 0
for line in open(sys.argv[1]):
    decision, did, reasons = line.split()
    if decision == "error":
        continue
    unrecorded = "store-unavailable" in reasons
    given += not unrecorded
    if unrecorded and did in logged:
        wrongly += 1
    if not unrecorded and did not in logged:
        missing += 1
print(f"{given} answers, {len(logged)} records, {missing} missing, {wrongly} wrongly logged")
sys.exit(1 if missing or wrongly else 0)
PY
check "every decision answered by any node is in the one log" 0 $? ' 0 missing, 0 wrongly' "$tmp/out"
cat "$tmp/out"
"$bin" audit verify --store "$url" --key "$CLEARANCE_AUDIT_KEY.pub" >"$tmp/out" 2>&1
check "three writers and an outage made one chain, which verifies" 0 $? '^ok: ' "$tmp/out"
"$bin" licence show --store "$url" L-CLUSTER >"$tmp/out" 2>&1
python3 - "$tmp/out" "$allowed" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
used = json.loads(text[text.index("{"):])["used"]
print("used", used, "covered", sys.argv[2])
sys.exit(0 if used == int(sys.argv[2]) else 1)
PY
check "with the nodes stopped, the store's drawdown equals the decisions covered" 0 $?

finish "cluster_nginx (postgresql)"
