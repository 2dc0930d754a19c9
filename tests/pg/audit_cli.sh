#!/usr/bin/env bash
# The audit log's CLI on a PostgreSQL store: check --audit URL, audit verify /
# proof / export / pubkey --store URL, tampering through psql.
# Usage: scripts/pg.sh env DIR tests/pg/audit_cli.sh PATH/TO/clearance
# (CLR_TEST_STORE is the URL of an empty database).
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/check.sh"

url=${CLR_TEST_STORE:?run me through scripts/pg.sh env}
export CLEARANCE_AUDIT_KEY=$tmp/audit.key
psql_do() { psql -q -X -v ON_ERROR_STOP=1 "$url" -c "$1" >/dev/null; }

cat "$root"/examples/*.json | CLEARANCE_AUDIT_KEY= "$bin" check --audit "$url" >"$tmp/out" 2>&1
check "without a key file a PostgreSQL store is refused" 2 $? 'name the key file' "$tmp/out"

cat "$root"/examples/*.json | "$bin" check --audit "$url" >"$tmp/out" 2>&1
check "check --audit postgresql://" 0 $? '"decision":"deny"' "$tmp/out"
n=$(cat "$root"/examples/*.json | wc -l)
[ "$(stat -c %a "$CLEARANCE_AUDIT_KEY")" = 600 ]
check "the signing key is created with mode 0600" 0 $?

"$bin" audit verify --store "$url" --key "$CLEARANCE_AUDIT_KEY.pub" >"$tmp/out" 2>&1
check "verify --store URL" 0 $? "^ok: $n records, 1 signed checkpoints" "$tmp/out"

cat "$root"/examples/*.json | "$bin" check --audit "$url" >/dev/null 2>&1
CLEARANCE_DB=$url "$bin" audit verify >"$tmp/out" 2>&1
check "a second run continues the chain; \$CLEARANCE_DB" 0 $? "^ok: $((2 * n)) records, 2 signed" "$tmp/out"

"$bin" audit pubkey --db "$url" >"$tmp/pub" 2>&1
cmp -s "$tmp/pub" "$CLEARANCE_AUDIT_KEY.pub"
check "pubkey matches the .pub file beside the key" 0 $?

"$bin" audit export --db "$url" >"$tmp/export" 2>&1
check "export writes JSON Lines" 0 $? '^\{"seq":1,"decision_id":"' "$tmp/export"
[ "$(wc -l <"$tmp/export")" -eq $((2 * n)) ]
check "one line per record" 0 $?

id=$(sed -n 3p "$tmp/export" | python3 -c 'import json, sys; print(json.load(sys.stdin)["decision_id"])')
"$bin" audit proof --db "$url" "$id" >"$tmp/out" 2>&1
check "proof of a logged decision" 0 $? "\"checkpoint\":\\{\"seq\":$n,.*\"signature\":\"[0-9a-f]{128}\"" "$tmp/out"

# tampering
psql_do "UPDATE audit_log SET outcome = outcome || 'x' WHERE seq = 4"
"$bin" audit verify --db "$url" >"$tmp/out" 2>&1
check "an edited record is found" 1 $? "^FAILED at record 4 .*contents were changed" "$tmp/out"
"$bin" audit proof --db "$url" "$id" >"$tmp/out" 2>&1
check "no proof over a damaged log (record 3, damage at 4)" 1 $?

"$bin" audit verify --db "postgresql://clr@127.0.0.1:1/none" >"$tmp/out" 2>&1
check "an unreachable server is exit 2" 2 $? 'cannot connect to PostgreSQL' "$tmp/out"
psql_do "CREATE DATABASE ${url##*/}_empty"
"$bin" audit verify --db "${url}_empty" >"$tmp/out" 2>&1
check "an empty database is not a store" 2 $? 'is not a clearance store' "$tmp/out"
psql_do "DROP DATABASE ${url##*/}_empty"

finish "audit_cli (postgresql)"
