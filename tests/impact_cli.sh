#!/usr/bin/env bash
# clearance impact and clearance diff on the default rulebooks: the movers at
# each dated change, the JSON and the table, and the errors.
# Usage: tests/impact_cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"
combos=$root/tests/impact/combinations.jsonl

# refs of the combinations that changed, from the JSON: "1,2,5"
movers() {
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(",".join(str(r) for r in sorted(c["ref"] for g in d["groups"] for c in g["combinations"])))' <"$1"
}

"$bin" impact --at 2026-06-11 --then 2026-06-13 --combinations "$combos" >"$tmp/out" 2>&1
check "the letter takes effect: table" 0 $? '^allow -> license_required: 8 combinations' "$tmp/out"
grep -q 'because us-ear/informed-letter-2026 now fires (license_required)' "$tmp/out"
check "the table names the rule responsible" 0 $?

"$bin" impact --at 2026-06-11 --then 2026-06-13 --combinations "$combos" --json >"$tmp/out" 2>&1
check "the letter takes effect: JSON" 0 $? '"transitions":\[\{"before":"allow","after":"license_required","count":8\}\]' "$tmp/out"
[ "$(movers "$tmp/out")" = "1,2,3,4,5,6,7,18" ]
check "who is cut off when the letter takes effect" 0 $?

"$bin" impact --at 2026-06-25 --then 2026-06-27 --combinations "$combos" --json >"$tmp/out" 2>&1
check "the trusted partners' exemption" 0 $? '"change":"exempts","rulebook":"us-ear","rule":"informed-letter-2026","exemption":"trusted-partners-2026"' "$tmp/out"
[ "$(movers "$tmp/out")" = "4,5,7" ]
check "who may restart Mythos 5 (not Fable 5) on 06-26" 0 $?

"$bin" impact --at 2026-06-29 --then 2026-07-01 --combinations "$combos" --json >"$tmp/out" 2>&1
check "the letter lifted" 0 $? '"change":"stops","rulebook":"us-ear","rule":"informed-letter-2026"' "$tmp/out"
[ "$(movers "$tmp/out")" = "1,2,3,6,18" ]
check "who may restart when the letter is lifted" 0 $?

"$bin" impact --at 2025-05-12 --then 2025-05-14 --combinations "$combos" --json >"$tmp/out" 2>&1
check "the Diffusion rule's lapse" 0 $? '"rule":"weights-to-tier3-headquarters"' "$tmp/out"
[ "$(movers "$tmp/out")" = "10,12" ]
check "the weights customers the lapse frees" 0 $?

"$bin" impact --at 2026-02-02 --then 2026-02-04 --combinations "$combos" --json >"$tmp/out" 2>&1
check "Cambodia leaves D:5" 0 $? '"rule":"military-intelligence-end-use"' "$tmp/out"
[ "$(movers "$tmp/out")" = "13" ]
check "only the military-intelligence customer in KH moves" 0 $?

cat >"$tmp/proposal.rules" <<RULES
include "$root/rules/common.rules"
include "$root/rules/us-ear.rules"
rulebook us-proposal { scope model.origin == US }
rule military-denied { effect deny when use == military and destination in us-744-21 }
RULES
"$bin" impact --rules "$root/rules/common.rules" --rules "$root/rules/us-ear.rules" \
    --proposed "$tmp/proposal.rules" --at 2026-07-01 --combinations "$combos" >"$tmp/out" 2>&1
check "a proposed rulebook against the active one" 0 $? '^license_required -> deny: 1 combination$' "$tmp/out"
grep -q 'us-proposal/military-denied now fires (deny)' "$tmp/out"
check "the proposal's rule is responsible" 0 $?

"$bin" impact --at 2026-06-11 --then 2026-06-13 --combinations "$combos" --examples 2 >"$tmp/out" 2>&1
check "--examples caps the combinations shown" 0 $? '\.\.\. and 6 more' "$tmp/out"

"$bin" impact --combinations "$combos" >"$tmp/out" 2>&1
check "impact needs --proposed or --then" 2 $? 'give one of them' "$tmp/out"

"$bin" impact --at 2026-06-11 --then 2026-06-13 >"$tmp/out" 2>&1
check "impact needs --combinations" 2 $? 'needs --combinations' "$tmp/out"

"$bin" impact --at soon --then 2026-06-13 --combinations "$combos" >"$tmp/out" 2>&1
check "a bad --at is exit 2" 2 $? 'not an RFC 3339' "$tmp/out"

{ head -2 "$combos"; echo 'not json'; } >"$tmp/bad.jsonl"
"$bin" impact --at 2026-06-11 --then 2026-06-13 --combinations "$tmp/bad.jsonl" >"$tmp/out" 2>"$tmp/err"
check "a malformed combination is exit 2" 2 $? 'line 3' "$tmp/err"
grep -q '2 combinations, 2 change outcome' "$tmp/out"
check "the good combinations are still compared" 0 $?

# ---- the store: rulebook versions as the sides, audit traffic as the combinations

db=$tmp/store.db
"$bin" rules push --store "$db" --by alice --reason defaults --from 2026-01-01 >/dev/null 2>&1
check "store: the defaults as version 1" 0 $?
"$bin" rules push --store "$db" --by bob --reason "deny military" --from 2026-08-01 \
    "$tmp/proposal.rules" >/dev/null 2>&1
check "store: the proposal as version 2" 0 $?

"$bin" impact --store "$db" --at 2026-07-15 --then 2026-08-15 --combinations "$combos" \
    >"$tmp/out" 2>"$tmp/err"
check "impact across two stored versions" 0 $? '^license_required -> deny: 1 combination$' "$tmp/out"
grep -q 'after: rules version 2 (.*by bob: deny military)' "$tmp/err"
check "impact names the stored versions" 0 $?

"$bin" impact --store "$db" --version 1 --then-version 2 --at 2026-07-15 --combinations "$combos" \
    --json >"$tmp/out" 2>/dev/null
check "impact --version --then-version" 0 $? '"rule":"military-denied","after":"deny"' "$tmp/out"

"$bin" check --audit "$db" --at 2026-06-11 "$combos" >/dev/null 2>&1 &&
    "$bin" check --audit "$db" --at 2026-06-20 "$combos" >/dev/null 2>&1
check "store: two days of audit traffic" 0 $?
"$bin" impact --store "$db" --version 1 --at 2026-06-29 --then 2026-07-01 --then-version 1 \
    --audit-since 2000-01-01 --json >"$tmp/out" 2>"$tmp/err"
check "impact over the audit traffic" 0 $? 'audit log: 36 records, 18 distinct combinations' "$tmp/err"
[ "$(movers "$tmp/out")" = "1,2,3,6,18" ]
check "who may restart, among the customers seen in the audit log" 0 $?

"$bin" impact --audit-since 2000-01-01 --at 2026-06-29 --then 2026-07-01 >"$tmp/out" 2>&1
check "--audit-since needs --store" 2 $? 'need --store' "$tmp/out"

"$bin" impact --store "$db" --version 9 --then 2026-07-01 --combinations "$combos" >"$tmp/out" 2>&1
check "an unknown stored version is exit 2" 2 $? 'no such rules version' "$tmp/out"

# ---- clearance diff

"$bin" diff --store "$db" --version 1 --then-version 2 --at 2026-07-15 >"$tmp/out" 2>/dev/null
check "diff of two stored versions" 0 $? 'rule +added +us-proposal/military-denied' "$tmp/out"
grep -q 'destination in {BY, CN, MM, RU, VE, KH, NI} × model not in {lumen-3} × use in {military}' "$tmp/out"
check "diff of two stored versions: where military use is now denied" 0 $?

"$bin" diff --at 2026-02-02 --then 2026-02-04 >"$tmp/out" 2>&1
check "diff: Cambodia leaves D:5" 0 $? 'group +membership D:5: members at a only: KH \(until 2026-02-03\)' "$tmp/out"
grep -q '^  destination in {KH} × model not in {lumen-3} × use in {military-intelligence}$' "$tmp/out"
check "diff: the one region that moves" 0 $?
grep -q 'because us-ear/military-intelligence-end-use no longer fires (was license_required)' "$tmp/out"
check "diff: the rule responsible" 0 $?

"$bin" diff --at 2026-06-11 --then 2026-06-13 --json >"$tmp/out" 2>&1
check "diff --json: the letter takes effect" 0 $? '"change":"in-force","rulebook":"us-ear","id":"informed-letter-2026"' "$tmp/out"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["regions"], "no regions"
for r in d["regions"]:
    assert (r["before"], r["after"]) == ("allow", "license_required"), r
    assert r["model"] == {"in": ["mythos-5", "fable-5"]}, r["model"]
    assert r["nationality"] == {"not_in": ["US"]}, r["nationality"]
    assert r["org"] == "any", r["org"]
assert sum(r["points"] for r in d["regions"]) == d["differing"]
' "$tmp/out"
check "diff --json: regions of the letter" 0 $?

"$bin" diff "$root/rules/us-ear.rules" "$root/rules/eu-dual-use.rules" --at 2026-07-01 \
    --ignore-scope --agreement >"$tmp/out" 2>&1
check "diff: two jurisdictions diverge" 0 $? 'destination in \{KH, NI\} × use in \{military\}' "$tmp/out"
grep -A3 '^both license_required' "$tmp/out" | grep -q 'b: eu-dual-use/wmd-catch-all'
check "diff: and harmonise" 0 $?

"$bin" diff "$root/rules/us-ear.rules" >"$tmp/out" 2>&1
check "diff needs two sets" 2 $? 'usage' "$tmp/out"

"$bin" diff >"$tmp/out" 2>&1
check "diff needs sets or instants" 2 $? 'give one of them' "$tmp/out"

"$bin" diff /nonexistent.rules "$root/rules/us-ear.rules" >"$tmp/out" 2>&1
check "diff: an unreadable set is exit 2" 2 $? 'nonexistent' "$tmp/out"

# the registry as a source: who among the registered customers is cut off
# when the letter takes effect (a German national is, a US national is not)
rdb="$tmp/registry.db"
"$bin" org add --store "$rdb" --id acme --legal-name "Acme Widgets Limited" --hq DE >/dev/null 2>&1
"$bin" user add --store "$rdb" --id ana --org acme --nationality DE --country DE >/dev/null 2>&1
"$bin" user add --store "$rdb" --id bo --org acme --nationality US --country US >/dev/null 2>&1
"$bin" impact --store "$rdb" --rules "$root/rules" --registry --at 2026-06-11 --then 2026-06-13 \
    --json >"$tmp/out" 2>"$tmp/err"
check "registry: the letter's movers are found among the registered users" 0 $? \
    '"before":"allow","after":"license_required"' "$tmp/out"
check "... and the source is named" 0 0 'registry: 2 users' "$tmp/err"
python3 - "$tmp/out" >"$tmp/who" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
who = set()
for g in d["groups"]:
    for e in g["combinations"]:
        who.add(e["request"]["principal"]["id"])
print(" ".join(sorted(who)))
PY
check "... the German national, not the US one" 0 $? '^ana$' "$tmp/who"
"$bin" impact --registry --at 2026-06-11 --then 2026-06-13 >"$tmp/out" 2>&1
check "registry: needs --store" 2 $? 'need --store' "$tmp/out"

finish impact_cli
