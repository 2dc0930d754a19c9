#!/bin/sh
# core_bench.sh: the core engine's figures against the targets of issue 2,
# section 6. Builds nothing: give it a build directory where clearance,
# gen_rulebook, gen_requests and compile_bench are built (default: build).
#
# usage: bench/core_bench.sh [BUILD_DIR] [RUNS] [SECONDS]
#
# Generates into a temporary directory a 10,000-rule rulebook and two request
# files (10,000 each: for the default rulebooks, and for the generated one),
# then runs `clearance bench` RUNS times (default 5) for SECONDS each (default
# 3), one thread, pre-parsed and --with-parse, on the default rulebooks and on
# the generated rulebook, and compile_bench on the generated rulebook. Prints
# the medians. The machine is shared: read medians, not single runs.
set -eu

build=${1:-build}
runs=${2:-5}
seconds=${3:-3}
for tool in clearance gen_rulebook gen_requests compile_bench; do
    if [ ! -x "$build/$tool" ]; then
        echo "core_bench.sh: $build/$tool is missing; build it first:" >&2
        echo "  cmake --build $build --target clearance gen_rulebook gen_requests compile_bench" >&2
        exit 2
    fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$build/gen_rulebook" --rules 10000 --seed 1 >"$tmp/gen10k.rules"
"$build/gen_requests" --requests 10000 --seed 1 >"$tmp/default.jsonl"
"$build/gen_requests" --requests 10000 --seed 1 --generated >"$tmp/generated.jsonl"
"$build/clearance" lint "$tmp/gen10k.rules" | tail -n 1 >"$tmp/lint.txt"

# median of the numbers on stdin
median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
                                        else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench NAME ARGS...: RUNS runs of clearance bench; writes the median rate
# and p50 latency to $tmp/NAME.result
bench() {
    name=$1
    shift
    : >"$tmp/$name.out"
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$build/clearance" bench --threads 1 --seconds "$seconds" "$@" >>"$tmp/$name.out"
        i=$((i + 1))
    done
    rate=$(sed 's/.*"decisions_per_s":\([0-9]*\).*/\1/' "$tmp/$name.out" | median)
    p50=$(sed 's/.*"p50_ns":\([0-9]*\).*/\1/' "$tmp/$name.out" | median)
    echo "$rate $p50" >"$tmp/$name.result"
}

row() {
    printf '%-34s %-12s %14s %10s %14s\n' "$1" "$2" "$3" "$4" "$5"
}

echo "generated rulebook: $(cat "$tmp/lint.txt")"
echo "runs: $runs x ${seconds}s, 1 thread, medians"
echo
row "rulebooks" "requests" "decisions/s" "p50 ns" "target"
row "----------" "--------" "-----------" "------" "------"
bench d-pre --requests "$tmp/default.jsonl"
read -r rate p50 <"$tmp/d-pre.result"
row "default (embedded)" "pre-parsed" "$rate" "$p50" ">= 5000000"
bench d-parse --requests "$tmp/default.jsonl" --with-parse
read -r rate p50 <"$tmp/d-parse.result"
row "default (embedded)" "with parse" "$rate" "$p50" ">= 1000000"
bench g-pre --rules "$tmp/gen10k.rules" --requests "$tmp/generated.jsonl"
read -r rate p50 <"$tmp/g-pre.result"
row "generated, 10,000 rules" "pre-parsed" "$rate" "$p50" ">= 5000000"
bench g-parse --rules "$tmp/gen10k.rules" --requests "$tmp/generated.jsonl" --with-parse
read -r rate p50 <"$tmp/g-parse.result"
row "generated, 10,000 rules" "with parse" "$rate" "$p50" ">= 1000000"

compile=$("$build/compile_bench" --runs 21 "$tmp/gen10k.rules")
median_ms=$(echo "$compile" | sed 's/.*"median_ms":\([0-9.]*\).*/\1/')
min_ms=$(echo "$compile" | sed 's/.*"min_ms":\([0-9.]*\).*/\1/')
bytes=$(echo "$compile" | sed 's/.*"compiled_bytes":\([0-9]*\).*/\1/')
echo
printf 'compile 10,000 rules: median %s ms, min %s ms (target < 100 ms); compiled set %s MB\n' \
    "$median_ms" "$min_ms" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
