#!/usr/bin/env bash
# clearance licence add|list|show|revoke, clearance usage and check --store:
# licences in a store file drawn down by check, usage reported by day and
# model, exit codes for bad input.
# Usage: tests/licence_cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"
db="$tmp/s.db"
export CLEARANCE_AUDIT_KEY="$tmp/audit.key"
unset CLEARANCE_DB

"$bin" licence add --store "$db" "$root/examples/licences/licences.jsonl" >"$tmp/o" 2>&1
check "add a licence file" 0 $? 'added BIS-2026-0177' "$tmp/o"
"$bin" licence add --store "$db" --id L-F --rulebook us-ear --licensee org:x --model m1 \
    --model m2 --quantity 5 --unit requests >"$tmp/o" 2>&1
check "add a licence from flags" 0 $? 'added L-F' "$tmp/o"
"$bin" licence show --store "$db" L-F >"$tmp/o" 2>&1
check "show it" 0 $? '"models":\["m1","m2"\],"quantity":5,"unit":"requests","used":0,"remaining":5' "$tmp/o"
"$bin" licence add --store "$db" --id L-F --rulebook us-ear --licensee org:x >"$tmp/o" 2>&1
check "an id given twice is exit 2" 2 $? "licence 'L-F' exists already" "$tmp/o"
printf '{"id":"B","rulebook":"us-ear"}\n' | "$bin" licence add --store "$db" - >"$tmp/o" 2>&1
check "a malformed licence is exit 2 with its path" 2 $? '\$\.licensee: required field' "$tmp/o"

for i in 1 2; do
    "$bin" check --store "$db" "$root/examples/02-letter-imposed.json" >"$tmp/c$i" 2>&1
done
check "check --store: the store's licence covers" 0 0 '"decision":"allow".*"licence":"BIS-2026-0142"' "$tmp/c1"
check "check --store: then it is drawn down" 0 0 '"decision":"license_required"' "$tmp/c2"
"$bin" licence list --store "$db" >"$tmp/o" 2>&1
check "list: used and left, leases returned" 0 $? 'BIS-2026-0142 +us-ear +org:acme +2000 +1200 +800' "$tmp/o"
"$bin" usage --store "$db" --by model,day >"$tmp/o" 2>&1
check "usage by model and day" 0 $? 'mythos-5 +2026-06-20 +1200 +2' "$tmp/o"
"$bin" usage --store "$db" --org org:acme --from 2026-06-21 --json >"$tmp/o" 2>&1
check "usage filtered to nothing" 0 $? '^\[\{"units":0,"decisions":0\}\]$' "$tmp/o"
"$bin" usage --store "$db" --by colour >"$tmp/o" 2>&1
check "usage: a bad column is exit 2" 2 $? 'columns are' "$tmp/o"

"$bin" check --store "$tmp/other.db" --licences "$root/examples/licences/licences.jsonl" \
    "$root/examples/02-letter-imposed.json" >"$tmp/o" 2>&1
check "check --store --licences imports the file and applies it" 0 $? \
    '"licence":"BIS-2026-0142"' "$tmp/o"
"$bin" check --store "$tmp/other.db" --licences "$root/examples/licences/licences.jsonl" \
    "$root/examples/02-letter-imposed.json" >"$tmp/o" 2>&1
check "importing again keeps the stored drawdown" 0 $? '"decision":"license_required"' "$tmp/o"

"$bin" licence revoke --store "$db" L-F >"$tmp/o" 2>&1
check "revoke" 0 $? 'revoked L-F' "$tmp/o"
"$bin" licence revoke --store "$db" NOPE >"$tmp/o" 2>&1
check "revoke an unknown licence: exit 2" 2 $? "no licence 'NOPE'" "$tmp/o"
"$bin" licence list --store "$db" >"$tmp/o" 2>&1
check "list shows the revocation" 0 $? 'L-F .*revoked' "$tmp/o"
"$bin" licence list >"$tmp/o" 2>&1
check "no store: exit 2" 2 $? 'no store' "$tmp/o"

finish licence_cli
