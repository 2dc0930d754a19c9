#!/usr/bin/env bash
# The CLI: exit codes, outputs and errors, on the built-in and on-disk rulebooks.
# Usage: tests/cli.sh PATH/TO/clearance
set -u
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib/check.sh"

"$bin" check "$root/examples/02-letter-imposed.json" >"$tmp/out" 2>&1
check "check one request" 0 $? '"decision":"license_required".*"rule":"informed-letter-2026"' "$tmp/out"

cat "$root"/examples/*.json | "$bin" check >"$tmp/out" 2>&1
check "check JSON Lines from stdin" 0 $? '"decision":"deny".*unknown-model' "$tmp/out"
[ "$(wc -l <"$tmp/out")" -eq "$(cat "$root"/examples/*.json | wc -l)" ]
check "one decision per line" 0 $?

"$bin" check --at 2026-07-01 "$root/examples/02-letter-imposed.json" >"$tmp/out" 2>&1
check "check --at moves the instant" 0 $? '"decision":"allow".*"at":"2026-07-01T00:00:00Z"' "$tmp/out"

"$bin" check --explain "$root/examples/04-trusted-partner-mythos.json" >"$tmp/out" 2>&1
check "check --explain" 0 $? 'switched off by exemption trusted-partners-2026' "$tmp/out"

printf '{"model":"mythos-5","principal":{"id":"u","country":"DE"},"use":"research","integration":"api"}\n{"model":"mythos-5","principal":{"id":"u","country":"DE"},"use":"gardening","integration":"api"}\nnot json\n' \
    | "$bin" check >"$tmp/out" 2>"$tmp/err"
check "a bad line is exit 2 and an error line" 2 $? '"path":"\$\.use","line":2' "$tmp/out"
grep -q '"error":"invalid JSON near byte 0","path":"\$","line":3' "$tmp/out"
check "invalid JSON names its line" 0 $?
grep -q '"decision"' "$tmp/out"
check "good lines are still decided" 0 $?

"$bin" check /nonexistent.json >"$tmp/out" 2>&1
check "unreadable input is exit 2" 2 $? 'cannot open' "$tmp/out"

"$bin" check --at yesterday "$root/examples/02-letter-imposed.json" >"$tmp/out" 2>&1
check "a bad --at is exit 2" 2 $? 'not an RFC 3339' "$tmp/out"

printf 'rulebook x {\n  scope destination = DE\n}\n' >"$tmp/bad.rules"
"$bin" check --rules "$tmp/bad.rules" "$root/examples/02-letter-imposed.json" >"$tmp/out" 2>&1
check "a broken rulebook is exit 3" 3 $? 'bad.rules:2:21: error' "$tmp/out"

"$bin" lint "$root/rules" >"$tmp/out" 2>&1
check "lint the default rulebooks" 0 $? '4 rulebooks, 13 rules: 0 errors, 0 warnings' "$tmp/out"

printf 'rulebook x { }\nrule r { effect deny when destination == UK }\n' >"$tmp/warn.rules"
"$bin" lint "$tmp/warn.rules" >"$tmp/out" 2>&1
check "lint warnings are exit 0" 0 $? 'warn.rules:2:42: warning: .UK. is not an ISO' "$tmp/out"

"$bin" lint "$tmp/bad.rules" >"$tmp/out" 2>&1
check "lint errors are exit 3" 3 $? '1 error' "$tmp/out"

"$bin" test "$root/tests/rules" >"$tmp/out" 2>&1
check "rulebook tests of the defaults" 0 $? '^[0-9]+ passed, 0 failed$' "$tmp/out"

mkdir "$tmp/suite"
cp "$root/rules/"*.rules "$tmp/suite/"
printf '{"name":"wrong on purpose","request":{"model":"small-1","principal":{"id":"u","country":"DE"},"use":"research","integration":"api"},"expect":{"decision":"deny"}}\n' \
    >"$tmp/suite/x.tests.jsonl"
"$bin" test "$tmp/suite" >"$tmp/out" 2>&1
check "a failing rulebook test is exit 1" 1 $? 'FAIL .*wrong on purpose: expected decision deny, got allow' "$tmp/out"

echo '{"origin":"US","training_ops":3e26,"open_weights":false}' | "$bin" classify >"$tmp/out" 2>&1
check "classify" 0 $? '^\{"classes":\["4E091"\]\}$' "$tmp/out"
echo '{"origin":"US","training_ops":"lots"}' | "$bin" classify >"$tmp/out" 2>&1
check "classify bad input" 2 $? 'model_attributes.training_ops' "$tmp/out"

"$bin" bench --requests "$root/examples/02-letter-imposed.json" --seconds 0.2 >"$tmp/out" 2>&1
check "bench prints its figures" 0 $? '"decisions_per_s":[0-9]+,"p50_ns":[0-9]+,"p99_ns":[0-9]+' "$tmp/out"

"$bin" frobnicate >"$tmp/out" 2>&1
check "an unknown command is exit 2" 2 $? 'unknown command' "$tmp/out"

cat "$root/examples/02-letter-imposed.json" "$root/examples/02-letter-imposed.json" \
    | "$bin" check --licences "$root/examples/licences/licences.jsonl" >"$tmp/out" 2>&1
check "a licence lifts license_required until it is drawn down" 0 $? \
    '"licence":"BIS-2026-0142"' "$tmp/out"
[ "$(sed -n 1p "$tmp/out" | grep -c '"decision":"allow"')" = 1 ] &&
    [ "$(sed -n 2p "$tmp/out" | grep -c '"decision":"license_required"')" = 1 ]
check "the second request finds the licence exhausted" 0 $?

printf '{"id":"x","rulebook":"us-ear"}\n' >"$tmp/bad-licences.jsonl"
"$bin" check --licences "$tmp/bad-licences.jsonl" "$root/examples/02-letter-imposed.json" \
    >"$tmp/out" 2>&1
check "a malformed licence file is exit 2 with its line and path" 2 $? \
    'bad-licences.jsonl:1: \$\.licensee: required field is missing' "$tmp/out"

finish
