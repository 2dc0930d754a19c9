#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD for SECONDS over its corpus in
# fuzz/corpus/<target>/. New inputs go to a scratch folder, not the corpus.
# Usage: scripts/fuzz.sh BUILD SECONDS
set -euo pipefail
build=$1 seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for src in "$root"/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c)
    bin="$build/fuzz/$name"
    [ -x "$bin" ] || { echo "fuzz: $name was not built" >&2; exit 1; }
    scratch=$(mktemp -d)
    mkdir -p "$root/fuzz/artifacts"
    echo "fuzz: $name"
    if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$root/fuzz/artifacts/$name-" -print_final_stats=0 \
        "$scratch" "$root/fuzz/corpus/$name" >"$scratch.log" 2>&1; then
        tail -n 40 "$scratch.log"
        status=1
    else
        grep -E "^Done|#[0-9]+ *DONE" "$scratch.log" | tail -n 1 || true
    fi
    rm -rf "$scratch" "$scratch.log"
done
exit $status
