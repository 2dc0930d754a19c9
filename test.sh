#!/usr/bin/env bash
# Sets everything up on Debian 12 and runs the whole test suite: a -Werror build
# with every test, the same tests under ASan+UBSan, valgrind on the unit tests
# and the CLI, a short run of every libFuzzer target over its corpus, and the
# clang-format check.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh test
jobs=$(nproc)
fuzz_seconds=${CLR_FUZZ_SECONDS:-15}

echo "== build (warnings are errors)"
cmake -S . -B build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLR_WERROR=ON >/dev/null
cmake --build build/ci -j"$jobs"
echo "== tests"
ctest --test-dir build/ci --output-on-failure -j"$jobs"

echo "== tests under ASan+UBSan"
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DCLR_WERROR=ON -DCLR_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure -j"$jobs"

echo "== valgrind"
scripts/valgrind.sh build/ci

echo "== fuzzing (${fuzz_seconds}s per target)"
CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DCLR_FUZZ=ON -DCLR_SANITIZE=ON \
    -DCLR_TESTS=OFF -DCLR_UI=OFF >/dev/null
cmake --build build/fuzz -j"$jobs"
scripts/fuzz.sh build/fuzz "$fuzz_seconds"

echo "== format"
scripts/format.sh --check

echo "test.sh: all passed"
