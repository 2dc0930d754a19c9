#!/usr/bin/env bash
# Sets everything up on Debian 12 and runs clearance on its built-in rulebooks:
# decides the example requests in examples/ and prints each decision readably.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCLR_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target clearance >/dev/null
for f in examples/*.json; do
    echo "=== $f"
    build/clearance check --explain "$f"
done
