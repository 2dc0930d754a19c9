#!/usr/bin/env bash
# A rule whose window opens or closes in the future takes or loses effect at
# that instant in a running server, with no reload: decisions read the clock.
# Usage: tests/serve_windows.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

opens=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
closes=$(date -u -d '+6 seconds' +%Y-%m-%dT%H:%M:%SZ)
cat >"$tmp/soon.rules" <<RULES
vocabulary use { research }
vocabulary integration { api }
model m1 { provider org:p origin US training_ops 1e20 open_weights false }
rulebook soon { title "A control imposed and lifted within seconds" jurisdiction US }
rule brief-control {
    effect deny
    when model == m1
    from $opens
    until $closes
    citation "a letter taking effect at $opens, lifted at $closes"
}
RULES
"$bin" serve --listen 127.0.0.1:0 --port-file "$tmp/port" --rules "$tmp/soon.rules" \
    >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
req='{"model":"m1","principal":{"id":"u1","country":"DE"},"use":"research","integration":"api"}'
decide() { curl -s -XPOST "127.0.0.1:$port/v1/decide" -d "$req" >"$tmp/out"; }

decide
check "before the window opens: allow" 0 $? '"decision":"allow"' "$tmp/out"
while [ "$(date -u +%s)" -lt "$(date -u -d "$opens" +%s)" ]; do sleep 0.2; done
decide
check "once it opens: deny, without a reload" 0 $? '"rule":"brief-control"' "$tmp/out"
while [ "$(date -u +%s)" -lt "$(date -u -d "$closes" +%s)" ]; do sleep 0.2; done
decide
check "once it closes: allow again" 0 $? '"decision":"allow"' "$tmp/out"
kill "$pid"
wait "$pid"
check "the server stops cleanly" 0 $?
grep -c "reload" "$tmp/serve.log" >"$tmp/reloads"
check "no reload happened" 0 0 '^0$' "$tmp/reloads"

finish serve_windows
