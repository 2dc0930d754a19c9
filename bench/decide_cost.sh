#!/bin/sh
# decide_cost.sh: instructions and cache misses per decision, counted by
# valgrind's cachegrind, on the default rulebooks and on the generated
# 10,000-rule rulebook. Counts do not depend on the machine's load, so this is
# the figure to compare changes with on a shared machine.
#
# usage: bench/decide_cost.sh [BUILD_DIR] [N1] [N2]
#
# BUILD_DIR (default build) must hold decide_count, gen_rulebook and
# gen_requests. Each case runs decide_count twice, with N1 (default 20,000)
# and N2 (default 120,000) decisions; the difference divided by N2 - N1 is the
# cost of one decision without the set-up (loading, parsing).
set -eu

build=${1:-build}
n1=${2:-20000}
n2=${3:-120000}
for tool in decide_count gen_rulebook gen_requests; do
    if [ ! -x "$build/$tool" ]; then
        echo "decide_cost.sh: $build/$tool is missing; build it first" >&2
        exit 2
    fi
done
command -v valgrind >/dev/null || {
    echo "decide_cost.sh: valgrind is not installed" >&2
    exit 2
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$build/gen_rulebook" --rules 10000 --seed 1 >"$tmp/gen10k.rules"
"$build/gen_requests" --requests 10000 --seed 1 >"$tmp/default.jsonl"
"$build/gen_requests" --requests 10000 --seed 1 --generated >"$tmp/generated.jsonl"

# totals OUT N ARGS...: cachegrind's I refs, D1 misses and LL misses
totals() {
    out=$1
    n=$2
    shift 2
    valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null \
        "$build/decide_count" "$@" --decisions "$n" >/dev/null 2>"$out"
    ir=$(sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$out" | tr -d ,)
    d1=$(sed -n 's/.*D1  misses: *\([0-9,]*\).*/\1/p' "$out" | tr -d ,)
    ll=$(sed -n 's/.*LL misses: *\([0-9,]*\).*/\1/p' "$out" | tr -d ,)
    echo "$ir $d1 $ll"
}

row() {
    printf '%-26s %14s %14s %14s\n' "$1" "$2" "$3" "$4"
}

cost() {
    name=$1
    shift
    read -r i1 d1 l1 <<EOF
$(totals "$tmp/a.txt" "$n1" "$@")
EOF
    read -r i2 d2 l2 <<EOF
$(totals "$tmp/b.txt" "$n2" "$@")
EOF
    row "$name" \
        "$(awk -v a="$i1" -v b="$i2" -v n="$((n2 - n1))" 'BEGIN { printf "%.0f", (b - a) / n }')" \
        "$(awk -v a="$d1" -v b="$d2" -v n="$((n2 - n1))" 'BEGIN { printf "%.2f", (b - a) / n }')" \
        "$(awk -v a="$l1" -v b="$l2" -v n="$((n2 - n1))" 'BEGIN { printf "%.2f", (b - a) / n }')"
}

echo "per decision, counted by cachegrind over $((n2 - n1)) decisions"
echo
row "rulebooks" "instructions" "D1 misses" "LL misses"
row "----------" "------------" "---------" "---------"
cost "default (embedded)" --requests "$tmp/default.jsonl"
cost "generated, 10,000 rules" --rules "$tmp/gen10k.rules" --requests "$tmp/generated.jsonl"
