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

finish rules_cli
