#!/usr/bin/env bash
# Runs the unit tests (the store's on SQLite and on PostgreSQL) and the CLI on
# the examples under valgrind's memcheck; any error or leak fails.
# Usage: scripts/valgrind.sh BUILD
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/.." && pwd)
# --fair-sched: threads take turns; without it a thread that never blocks can
# keep the processor from the others for minutes
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --track-origins=yes --fair-sched=yes)
status=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    if (cd "$root" && CMOCKA_MESSAGE_OUTPUT=stdout "${vg[@]}" "$t" >/tmp/vg.$$.log 2>&1); then
        echo "valgrind: $name clean"
    else
        echo "valgrind: $name FAILED"; tail -n 40 /tmp/vg.$$.log; status=1
    fi
done
# the store's tests once more on PostgreSQL (libpq's allocations included)
for name in test_store_audit test_store_query test_licence_store test_registry test_rule_versions \
    test_usage; do
    if "$root/scripts/pg.sh" run bash -c 'cd "$1" && shift && CMOCKA_MESSAGE_OUTPUT=stdout "$@"' _ \
        "$root" "${vg[@]}" "$build/tests/$name" >/tmp/vg.$$.log 2>&1; then
        echo "valgrind: $name on PostgreSQL clean"
    else
        echo "valgrind: $name on PostgreSQL FAILED"; tail -n 40 /tmp/vg.$$.log; status=1
    fi
done
for f in "$root"/examples/*.json; do
    if ! "${vg[@]}" "$build/clearance" check --explain "$f" >/dev/null 2>/tmp/vg.$$.log; then
        echo "valgrind: clearance check $f FAILED"; tail -n 40 /tmp/vg.$$.log; status=1
    fi
done
# screening inside decisions: the lists load, a hit and a possible match
if ! "${vg[@]}" "$build/clearance" check --explain "$root/tests/golden/lang/screening/requests.jsonl" \
    >/dev/null 2>/tmp/vg.$$.log; then
    echo "valgrind: clearance check with screening FAILED"; tail -n 40 /tmp/vg.$$.log; status=1
fi
if ! "${vg[@]}" "$build/clearance" lint "$root/rules" >/dev/null 2>/tmp/vg.$$.log; then
    echo "valgrind: clearance lint FAILED"; tail -n 40 /tmp/vg.$$.log; status=1
fi
rm -f /tmp/vg.$$.log
exit $status
