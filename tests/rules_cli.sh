#!/usr/bin/env bash
# clearance rules push / versions / show, and clearance check --store --at:
# the answer under the rulebook version that was in force at an instant.
# Usage: tests/rules_cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"
db="$tmp/store.db"

# the letter of 2026-06-12 as a provider might have written it before the
# exemption, then the rule set with the exemption, stored as history
mkdir "$tmp/before" "$tmp/after"
cp "$root/rules/"*.rules "$tmp/after/"
cp "$root/rules/"*.rules "$tmp/before/"
python3 - "$tmp/before/us-ear.rules" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
a = s.index("exemption trusted-partners-2026")
b = s.index("}", a) + 1
open(p, "w").write(s[:a] + s[b:])
PY

"$bin" rules versions --store "$db" >"$tmp/out" 2>&1
check "a store that does not exist is exit 2" 2 $? 'cannot open' "$tmp/out"
"$bin" rules push --store "$db" --by ana --reason "the letter, no exemption" \
    --from 2026-06-12 "$tmp/before" >"$tmp/out" 2>&1
check "push stores version 1" 0 $? '^version 1 ' "$tmp/out"
"$bin" rules push --store "$db" --by ana --from 2026-06-13 "$tmp/before" >"$tmp/out" 2>&1
check "the same rules again store nothing" 0 $? '^version 1 ' "$tmp/out"
"$bin" rules push --store "$db" --by bo --reason "annex of trusted partners" \
    --from 2026-06-26 "$tmp/after" >"$tmp/out" 2>&1
check "push stores version 2" 0 $? '^version 2 .*by bo' "$tmp/out"
"$bin" rules versions --store "$tmp/empty.db" >"$tmp/out" 2>&1 || true
"$bin" check --store "$tmp/empty.db" "$root/examples/01-before-the-letter.json" >/dev/null 2>&1
"$bin" rules versions --store "$tmp/empty.db" >"$tmp/out" 2>&1
check "an empty store lists no versions" 0 $? '^version  in force' "$tmp/out"
"$bin" rules push --store "$db" --from 2026-06-01 "$tmp/before" >"$tmp/out" 2>&1
check "a version may not start before the latest" 2 $? 'before the latest' "$tmp/out"
"$bin" rules versions --store "$db" >"$tmp/out" 2>&1
check "versions lists both" 0 $? '^ +2  2026-06-26T00:00:00Z  bo .*annex of trusted partners' "$tmp/out"
"$bin" rules show --store "$db" --at 2026-06-20 >"$tmp/out" 2>&1
check "show prints the sources in force then" 0 $? '^# version 1, in force from 2026-06-12' "$tmp/out"
if grep -q 'exemption trusted-partners-2026' "$tmp/out"; then r=1; else r=0; fi
check "... which lack the exemption" 0 "$r"
"$bin" rules show --store "$db" --version 9 >"$tmp/out" 2>&1
check "an unknown version is exit 2" 2 $? 'no such version' "$tmp/out"

# a trusted partner on Mythos on 2026-06-27, asked about under each version
req="$root/examples/04-trusted-partner-mythos.json"
"$bin" check --store "$db" --at 2026-06-27T09:00:00Z "$req" >"$tmp/out" 2>"$tmp/err"
check "at 06-27 version 2 is in force: the exemption applies" 0 $? '"decision":"allow"' "$tmp/out"
check "... and the version is named" 0 0 'rules version 2 ' "$tmp/err"
"$bin" check --store "$db" --at 2026-06-25T09:00:00Z "$req" >"$tmp/out" 2>"$tmp/err"
check "at 06-25 version 1: licence required" 0 $? '"decision":"license_required"' "$tmp/out"
"$bin" check --store "$db" --at 2026-06-01 "$req" >"$tmp/out" 2>"$tmp/err"
check "before the first version: the first, the earliest record" 0 $? '"decision":"allow"' "$tmp/out"
check "... named" 0 0 'rules version 1 ' "$tmp/err"
"$bin" check --store "$tmp/empty.db" --at 2026-06-27T09:00:00Z "$req" >"$tmp/out" 2>&1
check "a store without versions decides under the given rules" 0 $? '"decision":"allow"' "$tmp/out"

# lists versions: a party added to the Entity List on 2026-06-15
mkdir "$tmp/l1" "$tmp/l2"
cp -r "$root"/data/lists/* "$tmp/l1/"
cp -r "$root"/data/lists/* "$tmp/l2/"
{
    head -1 "$root/data/lists/csl.csv"
    printf '"Z1","Entity List (EL) - Bureau of Industry and Security","","Entity","P1","Zorblax Rocket Works"'
    for _ in $(seq 6 28); do printf ',""'; done
    printf '\n'
} >"$tmp/l2/added.csv"
"$bin" lists push --store "$db" --by ana --from 2026-06-01 "$tmp/l1" >"$tmp/out" 2>&1
check "lists push stores version 1" 0 $? '^version 1 .* files' "$tmp/out"
"$bin" lists push --store "$db" --by bo --reason "entity list addition" --from 2026-06-15 \
    "$tmp/l2" >"$tmp/out" 2>&1
check "lists push stores version 2" 0 $? '^version 2 ' "$tmp/out"
"$bin" lists push --store "$db" --from 2026-06-16 "$tmp/l2" >"$tmp/out" 2>&1
check "the same files again store nothing" 0 $? '^version 2 ' "$tmp/out"
mkdir "$tmp/bad" && printf 'nothing here\n' >"$tmp/bad/x.csv"
"$bin" lists push --store "$db" --from 2026-06-17 "$tmp/bad/x.csv" >"$tmp/out" 2>&1
check "files that do not load as lists are refused" 2 $? 'cannot be loaded' "$tmp/out"
"$bin" lists versions --store "$db" >"$tmp/out" 2>&1
check "lists versions shows both" 0 $? ' 2  2026-06-15T00:00:00Z  bo .*entity list addition' "$tmp/out"
zreq='{"model":"small-1","principal":{"id":"user:z","org":"org:zorb","org_name":"Zorblax Rocket Works","nationality":"US","country":"US"},"use":"research","integration":"api"}'
echo "$zreq" | "$bin" check --store "$db" --at 2026-06-10 >"$tmp/out" 2>"$tmp/err"
if grep -q '"rule":"entity-list"' "$tmp/out"; then r=1; else r=0; fi
check "on 06-10 the party was not listed yet" 0 "$r"
check "... screened against lists version 1" 0 0 'lists version 1 ' "$tmp/err"
echo "$zreq" | "$bin" check --store "$db" --at 2026-06-20 >"$tmp/out" 2>"$tmp/err"
check "on 06-20 it was: entity-list" 0 $? '"rule":"entity-list"' "$tmp/out"
check "... screened against lists version 2" 0 0 'lists version 2 ' "$tmp/err"

finish rules_cli
