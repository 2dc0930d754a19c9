#!/usr/bin/env bash
# clearance serve --audit-mode sync survives kill -9 under load: after the
# crash and a restart, every decision that was answered is in the audit log
# and the chain verifies. And a record that cannot be made durable (another
# process holds the store's write lock past the busy timeout) turns the
# answer into deny with reason store-unavailable, never into the decision.
# Usage: tests/serve_crash.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

start() { # db mode
    rm -f "$tmp/port"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --store "$1" --audit-mode "$2" \
        --threads 2 >>"$tmp/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    port=$(cat "$tmp/port" 2>/dev/null)
    [ -n "$port" ]
}

# 16 clients with keep-alive connections decide as fast as they can and
# write each answered decision id to a file the moment the answer arrives.
cat >"$tmp/load.py" <<'PY'
import http.client, json, sys, threading
port, out = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
lock = threading.Lock()
body = json.dumps({"model": "mythos-5", "principal": {"id": "user:ana", "org": "org:acme",
                   "nationality": "DE", "country": "DE"}, "use": "software-development",
                   "integration": "api", "time": "2026-06-20T12:00:00Z"})
def client():
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            c.request("POST", "/v1/decide", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            d = json.loads(r.read())
            with lock:
                out.write(d["decision_id"] + "\n")
    except Exception:
        pass  # the server was killed
ts = [threading.Thread(target=client) for _ in range(16)]
for t in ts: t.start()
for t in ts: t.join()
PY

db="$tmp/crash.db"
start "$db" sync
check "the server starts in sync mode" 0 $?
: >"$tmp/answered"
python3 "$tmp/load.py" "$port" "$tmp/answered" &
load=$!
sleep 3
kill -9 "$pid"
wait "$pid" 2>/dev/null
wait "$load"
n=$(wc -l <"$tmp/answered")
[ "$n" -gt 100 ]
check "decisions were answered before the crash ($n)" 0 $?

"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "after kill -9 the chain verifies" 0 $? "^ok: " "$tmp/out"
"$bin" audit export --db "$db" | python3 -c '
import json, sys
logged = {json.loads(l)["decision_id"] for l in sys.stdin}
answered = [l.strip() for l in open(sys.argv[1]) if l.strip()]
missing = [a for a in answered if a not in logged]
print(f"{len(answered)} answered, {len(logged)} logged, {len(missing)} missing")
sys.exit(1 if missing else 0)' "$tmp/answered" >"$tmp/out" 2>&1
check "every answered decision is in the log" 0 $? " 0 missing" "$tmp/out"

start "$db" sync
check "the server restarts on the crashed store" 0 $?
curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$root/examples/02-letter-imposed.json" >"$tmp/out"
check "the restarted server decides" 0 $? '"decision_id"' "$tmp/out"
kill "$pid"
wait "$pid"
check "the restarted server stops cleanly" 0 $?
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "the chain still verifies, now fully signed" 0 $? " 0 records not yet covered" "$tmp/out"

# fail closed: a record that cannot be committed is not an answer
db="$tmp/locked.db"
start "$db" sync
check "the server starts for the lock test" 0 $?
python3 - "$db" 13 <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[1] + ".locked", "w").close()
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
PY
locker=$!
for _ in $(seq 1 100); do [ -e "$db.locked" ] && break; sleep 0.1; done
curl -s -D "$tmp/hdrs" "127.0.0.1:$port/v1/authz" -H 'X-Clearance-Model: small-1' \
    -H 'X-Clearance-User: u' -H 'X-Clearance-Country: DE' -H 'X-Clearance-Use: research' \
    -H 'X-Clearance-Integration: api' >"$tmp/answers"
check "an allow that cannot be recorded is deny" 0 $? '"rule":"store-unavailable"' "$tmp/answers"
check "... and 403 to the gateway" 0 $? '^HTTP/1.1 403' "$tmp/hdrs"
printf '%s\n%s\n' "$(cat "$root/examples/01-before-the-letter.json" | tr -d '\n')" \
    "$(cat "$root/examples/01-before-the-letter.json" | tr -d '\n')" >"$tmp/batch"
curl -s -XPOST "127.0.0.1:$port/v1/decide/batch" --data-binary @"$tmp/batch" >"$tmp/out"
# while the lock lasts the batch cannot be recorded (503, or deny); on a slow
# machine its commit may wait past the lock's end and succeed: then it is allow
check "a batch gives no decision it cannot record" 0 $? \
    'could not be recorded|"rule":"store-unavailable"|"decision":"allow"' "$tmp/out"
grep '"decision_id"' "$tmp/out" >>"$tmp/answers"
wait "$locker"
curl -s -XPOST "127.0.0.1:$port/v1/decide" -d @"$root/examples/01-before-the-letter.json" >"$tmp/out"
check "once the lock is gone, decisions are recorded again (no restart)" 0 $? \
    '"decision":"allow"' "$tmp/out"
cat "$tmp/out" >>"$tmp/answers"
kill "$pid"
wait "$pid"
check "the server stops cleanly after the outage" 0 $?
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "the chain verifies after the outage" 0 $? "^ok: " "$tmp/out"
"$bin" audit export --db "$db" >"$tmp/export" 2>&1
python3 - "$tmp/answers" "$tmp/export" >"$tmp/out" 2>&1 <<'PY'
import json, sys
logged = {json.loads(l)["decision_id"] for l in open(sys.argv[2]) if l.strip()}
bad = 0
for line in open(sys.argv[1]):
    if '"decision_id"' not in line:
        continue
    d = json.loads(line)
    unrecorded = any(r["rule"] == "store-unavailable" for r in d["reasons"])
    if unrecorded == (d["decision_id"] in logged):
        bad += 1
        print("wrong:", d["decision"], d["decision_id"], "logged" if not unrecorded else "missing")
print(f"{bad} wrong")
sys.exit(1 if bad else 0)
PY
check "every answer given is in the log, every store-unavailable one is not" 0 $? '^0 wrong' "$tmp/out"

finish serve_crash
