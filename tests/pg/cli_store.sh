#!/usr/bin/env bash
# The store commands of the CLI on a PostgreSQL store, reading as well as
# writing: licences, rulebook and lists versions, the registry and usage.
# Usage: scripts/pg.sh env DIR tests/pg/cli_store.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/tests/lib/check.sh"
url=${CLR_TEST_STORE:?run me through scripts/pg.sh env}

"$bin" licence add --store "$url" --id L1 --rulebook us-ear --licensee org:acme --quantity 5 \
    --unit requests >"$tmp/out" 2>&1
check "licence add" 0 $? 'added L1' "$tmp/out"
"$bin" licence show --store "$url" L1 >"$tmp/out" 2>&1
check "licence show reads it back" 0 $? '"remaining":5' "$tmp/out"
"$bin" rules push --store "$url" --by ana --from 2026-06-01 "$root/rules" >"$tmp/out" 2>&1
check "rules push" 0 $? '^version 1 ' "$tmp/out"
"$bin" rules versions --store "$url" >"$tmp/out" 2>&1
check "rules versions" 0 $? ' 1  2026-06-01T00:00:00Z  ana ' "$tmp/out"
"$bin" lists push --store "$url" --from 2026-06-01 "$root/data/lists" >"$tmp/out" 2>&1
check "lists push" 0 $? '^version 1 ' "$tmp/out"
"$bin" lists versions --store "$url" >"$tmp/out" 2>&1
check "lists versions" 0 $? ' 1  2026-06-01T00:00:00Z ' "$tmp/out"
"$bin" org add --store "$url" --id acme --legal-name "Acme Widgets Limited" --hq DE >/dev/null 2>&1
"$bin" user add --store "$url" --id ana --org acme --nationality DE --country DE >/dev/null 2>&1
"$bin" user list --store "$url" >"$tmp/out" 2>&1
check "the registry" 0 $? 'ana' "$tmp/out"
echo '{"model":"small-1","principal":{"id":"ana"},"use":"research","integration":"api","units":7}' |
    "$bin" check --store "$url" --at 2026-06-20T12:00:00Z >"$tmp/out" 2>"$tmp/err"
check "check --store --at: filled from the registry, under the version then" 0 $? \
    '"decision":"allow"' "$tmp/out"
check "... named" 0 0 'rules version 1 ' "$tmp/err"
"$bin" usage --store "$url" --by org >"$tmp/out" 2>&1
check "usage reads what check metered" 0 $? 'acme +7 ' "$tmp/out"

finish "cli_store (postgresql)"
