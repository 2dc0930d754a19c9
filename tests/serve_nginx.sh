#!/usr/bin/env bash
# A real nginx (Debian's) with auth_request in front of a small upstream, asking
# a real `clearance serve` at /v1/authz: an allowed request reaches the
# upstream, a denied one gets 403 without the upstream seeing it, and the
# decision and reasons headers reach the client.
# Usage: tests/serve_nginx.sh path/to/clearance
set -euo pipefail
BIN=$(realpath "$1")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for tool in curl python3 "$NGINX"; do
    command -v "$tool" >/dev/null || { echo "serve_nginx: FAIL: $tool is required" >&2; exit 1; }
done

TMP=$(mktemp -d)
chmod 755 "$TMP"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*" >&2; FAILS=$((FAILS + 1)); }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: want [$2], got [$3]"; fi; }
contains() {
    if grep -qF -- "$2" <<<"$3"; then pass "$1"; else fail "$1: [$2] not in [${3:0:300}]"; fi
}

# two free loopback ports for nginx (clearance picks its own)
read -r FRONT UP < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')

"$BIN" serve --listen 127.0.0.1:0 --port-file "$TMP/clr.port" --threads 1 2>"$TMP/clr.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$TMP/clr.port" ] && break; sleep 0.1; done
[ -s "$TMP/clr.port" ] || { cat "$TMP/clr.log" >&2; echo "serve_nginx: FAIL: clearance did not start" >&2; exit 1; }
CLR=$(cat "$TMP/clr.port")

mkdir -p "$TMP/logs" "$TMP/tmp"
cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log info;
events { worker_connections 256; }
http {
    client_body_temp_path $TMP/tmp/body;
    proxy_temp_path $TMP/tmp/proxy;
    fastcgi_temp_path $TMP/tmp/fastcgi;
    uwsgi_temp_path $TMP/tmp/uwsgi;
    scgi_temp_path $TMP/tmp/scgi;
    access_log off;

    # the protected model API
    server {
        listen 127.0.0.1:$UP;
        access_log $TMP/logs/upstream.log;
        location / { default_type text/plain; return 200 "upstream reached \$uri\n"; }
    }

    # the gateway: every request is checked by clearance first
    server {
        listen 127.0.0.1:$FRONT;
        location = /_clearance {
            internal;
            proxy_pass http://127.0.0.1:$CLR/v1/authz;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI \$request_uri;
        }
        location / {
            auth_request /_clearance;
            auth_request_set \$clr_decision \$upstream_http_x_clearance_decision;
            auth_request_set \$clr_reasons \$upstream_http_x_clearance_reasons;
            auth_request_set \$clr_id \$upstream_http_x_clearance_decision_id;
            add_header X-Clearance-Decision \$clr_decision always;
            add_header X-Clearance-Reasons \$clr_reasons always;
            add_header X-Clearance-Decision-Id \$clr_id always;
            proxy_pass http://127.0.0.1:$UP;
        }
    }
}
CONF
"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/logs/error.log" &
PIDS+=($!)
for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$UP/ready" && break
    sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$UP/ready" || { cat "$TMP/logs/error.log" >&2; echo "serve_nginx: FAIL: nginx did not start" >&2; exit 1; }

H=(-H 'X-Clearance-User: user:ana' -H 'X-Clearance-Use: research' -H 'X-Clearance-Integration: api'
   -H 'X-Clearance-Time: 2026-06-20T12:00:00Z')
req() { # PATH curl-args...: status code; body to $TMP/body, headers to $TMP/headers
    local p=$1
    shift
    curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code}' "$@" "http://127.0.0.1:$FRONT$p"
}
header() { grep -i "^$1:" "$TMP/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

expect "allowed: 200" 200 "$(req /v1/chat/allowed-1 "${H[@]}" -H 'X-Clearance-Model: small-1' \
    -H 'X-Clearance-Country: DE' -H 'X-Clearance-Nationality: DE')"
contains "allowed: the upstream answered" "upstream reached /v1/chat/allowed-1" "$(cat "$TMP/body")"
expect "allowed: decision header reaches the client" allow "$(header X-Clearance-Decision)"

expect "denied: 403" 403 "$(req /v1/chat/denied-1 "${H[@]}" -H 'X-Clearance-Model: mythos-5' \
    -H 'X-Clearance-Country: KP' -H 'X-Clearance-Nationality: KP')"
expect "denied: decision header" deny "$(header X-Clearance-Decision)"
contains "denied: reasons header reaches the client" "us-ear/embargo" "$(header X-Clearance-Reasons)"
[ -n "$(header X-Clearance-Decision-Id)" ] && pass "denied: decision id header" || fail "denied: no decision id"

expect "licence required: 403" 403 "$(req /v1/chat/denied-2 "${H[@]}" -H 'X-Clearance-Model: mythos-5' \
    -H 'X-Clearance-Country: DE' -H 'X-Clearance-Nationality: DE')"
contains "licence required: reasons" "us-ear/informed-letter-2026" "$(header X-Clearance-Reasons)"

expect "malformed check: 403 (fail closed)" 403 "$(req /v1/chat/denied-3 "${H[@]}" -H 'X-Clearance-Country: DE')"
contains "malformed check: reason" "clearance/invalid-request" "$(header X-Clearance-Reasons)"

# nginx writes its access log when each request ends; the last request is done
UPLOG=$(cat "$TMP/logs/upstream.log")
contains "upstream saw the allowed request" "/v1/chat/allowed-1" "$UPLOG"
for p in denied-1 denied-2 denied-3; do
    if grep -qF "/v1/chat/$p" <<<"$UPLOG"; then fail "upstream saw $p"; else pass "upstream never saw $p"; fi
done
expect "upstream saw exactly one request besides the readiness probe" 1 \
    "$(grep -c '/v1/chat/' <<<"$UPLOG")"

M=$(curl -s "http://127.0.0.1:$CLR/metrics")
contains "clearance counted the denials" 'clearance_rule_fired_total{rulebook="us-ear",rule="embargo",effect="deny"} 1' "$M"

if [ "$FAILS" -ne 0 ]; then
    echo "serve_nginx: $FAILS checks failed" >&2
    cat "$TMP/clr.log" "$TMP/logs/error.log" >&2
    exit 1
fi
echo "serve_nginx: all checks passed"
