#!/usr/bin/env bash
# The audit log's CLI: check --audit, audit verify / proof / export / pubkey,
# their exit codes (0 ok, 1 verification failed, 2 bad input) and tampering.
# Usage: tests/audit_cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

db=$tmp/audit.db
sqlite() { # runs SQL against the store with python's sqlite3 (no sqlite3 CLI needed)
    python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' "$db" "$1"
}

cat "$root"/examples/*.json | "$bin" check --audit "$db" >"$tmp/out" 2>&1
check "check --audit decides as before" 0 $? '"decision":"deny"' "$tmp/out"
n=$(cat "$root"/examples/*.json | wc -l)
[ -f "$db.key" ] && [ "$(stat -c %a "$db.key")" = 600 ]
check "the signing key is created with mode 0600" 0 $?

"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "verify a fresh log" 0 $? "^ok: $n records, 1 signed checkpoints" "$tmp/out"
check "a new log hashes with SHA-256" 0 $? "hashed with SHA-256 \(record scheme 2\)" "$tmp/out"

"$bin" audit pubkey --db "$db" >"$tmp/pub" 2>&1
check "pubkey prints the key" 0 $? '^[0-9a-f]{64}$' "$tmp/pub"
cmp -s "$tmp/pub" "$db.key.pub"
check "pubkey matches the .pub file beside the key" 0 $?

"$bin" audit verify --db "$db" --key "$tmp/pub" >"$tmp/out" 2>&1
check "verify with an independent key" 0 $? "^ok: $n records" "$tmp/out"

cat "$root"/examples/*.json | CLEARANCE_DB=$db "$bin" check --audit "$db" >/dev/null 2>&1
CLEARANCE_DB=$db "$bin" audit verify >"$tmp/out" 2>&1
check "a second run continues the chain; \$CLEARANCE_DB" 0 $? "^ok: $((2 * n)) records, 2 signed" "$tmp/out"

"$bin" audit export --db "$db" >"$tmp/export" 2>&1
check "export writes JSON Lines" 0 $? '^\{"seq":1,"decision_id":"' "$tmp/export"
[ "$(wc -l <"$tmp/export")" -eq $((2 * n)) ]
check "one line per record" 0 $?
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/export"
check "every exported line is JSON" 0 $?
"$bin" audit export --db "$db" --from 2000-01-01 --until 2001-01-01 >"$tmp/out" 2>&1
check "export --from --until filters by time" 0 $?
[ ! -s "$tmp/out" ]
check "nothing in an empty range" 0 $?

id=$(sed -n 3p "$tmp/export" | python3 -c 'import json, sys; print(json.load(sys.stdin)["decision_id"])')
"$bin" audit proof --db "$db" "$id" >"$tmp/out" 2>&1
check "proof of a logged decision" 0 $? "\"checkpoint\":\\{\"seq\":$n,.*\"signature\":\"[0-9a-f]{128}\"" "$tmp/out"
"$bin" audit proof --db "$db" no-such-id >"$tmp/out" 2>&1
check "proof of an unknown decision is exit 2" 2 $? 'not in the audit log' "$tmp/out"

# bad input
"$bin" audit verify --db "$tmp/none.db" >"$tmp/out" 2>&1
check "a missing store is exit 2" 2 $? 'cannot open' "$tmp/out"
echo nonsense >"$tmp/bad.pub"
"$bin" audit verify --db "$db" --key "$tmp/bad.pub" >"$tmp/out" 2>&1
check "a malformed key file is exit 2" 2 $? '64 hex digits' "$tmp/out"
"$bin" audit frobnicate --db "$db" >"$tmp/out" 2>&1
check "an unknown subcommand is exit 2" 2 $? 'usage' "$tmp/out"
"$bin" audit export --db "$db" --from yesterday >"$tmp/out" 2>&1
check "a bad --from is exit 2" 2 $? 'not an RFC 3339' "$tmp/out"
python3 -c 'print("0" * 64)' >"$tmp/wrong.pub"
"$bin" audit verify --db "$db" --key "$tmp/wrong.pub" >"$tmp/out" 2>&1
check "a wrong key fails verification (exit 1)" 1 $? 'signature of the checkpoint' "$tmp/out"

# tampering with the file directly
cp "$db" "$tmp/clean.db"
restore() { cp "$tmp/clean.db" "$db"; rm -f "$db-wal" "$db-shm"; }
rec4=$(sed -n 4p "$tmp/export" | python3 -c 'import json, sys; print(json.load(sys.stdin)["decision_id"])')
rec5=$(sed -n 5p "$tmp/export" | python3 -c 'import json, sys; print(json.load(sys.stdin)["decision_id"])')

sqlite "UPDATE audit_log SET outcome = outcome || 'x' WHERE seq = 4"
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "an edited record is exit 1 and named" 1 $? "^FAILED at record 4 \\(decision $rec4\\): .*changed" "$tmp/out"
restore
sqlite "DELETE FROM audit_log WHERE seq = 4"
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "a deleted record is named" 1 $? "^FAILED at record 4 .*record 4 is missing" "$tmp/out"
restore
sqlite "UPDATE audit_log SET seq = -seq WHERE seq IN (4, 5); UPDATE audit_log SET seq = 9 + seq WHERE seq IN (-4, -5)"
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "swapped records are named" 1 $? "^FAILED at record 4 \\(decision $rec5\\)" "$tmp/out"
restore
sqlite "INSERT INTO audit_log SELECT 0, decision_id, time, outcome, rules_version, request, decision, hash FROM audit_log WHERE seq = 1"
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "an inserted record is named" 1 $? "^FAILED at record 0 .*inserted" "$tmp/out"
restore
sqlite "UPDATE audit_checkpoint SET time = time + 1"
"$bin" audit verify --db "$db" >"$tmp/out" 2>&1
check "a changed checkpoint fails its signature" 1 $? "signature of the checkpoint at record $n" "$tmp/out"
"$bin" audit proof --db "$db" "$id" >"$tmp/out" 2>&1
check "no proof from a damaged log (exit 1)" 1 $? 'damaged' "$tmp/out"
restore
"$bin" audit verify --db "$db" >/dev/null 2>&1
check "the restored copy verifies" 0 $?

# two processes appending to one store at once: one chain, no fork
for i in $(seq 1 50); do cat "$root"/examples/*.json; done >"$tmp/many.jsonl"
"$bin" check --audit "$tmp/two.db" "$tmp/many.jsonl" >/dev/null 2>&1 &
p1=$!
"$bin" check --audit "$tmp/two.db" "$tmp/many.jsonl" >/dev/null 2>&1
s2=$?
wait $p1
s1=$?
"$bin" audit verify --db "$tmp/two.db" >"$tmp/out" 2>&1
check "two writers at once make one verified chain" "0 0 0" "$s1 $s2 $?" "^ok: $((2 * 50 * n)) records" "$tmp/out"

"$bin" check --audit /nonexistent/dir/a.db "$root/examples/02-letter-imposed.json" >"$tmp/out" 2>&1
check "check --audit with a store it cannot create is exit 2" 2 $? 'cannot open' "$tmp/out"

finish audit_cli
