#!/usr/bin/env bash
# Sets everything up on Debian 12 and runs clearance on its built-in rulebooks
# and lists: decides the example requests in examples/ and explains each, then
# serves decisions on http://127.0.0.1:8181 until interrupted, with demo data in
# build/demo.db so that the dashboard at /ui shows every view populated.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh build
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DCLR_TESTS=OFF >/dev/null
cmake --build build/release -j"$(nproc)" --target clearance >/dev/null
for f in examples/*.json; do
    echo "=== $f"
    build/release/clearance check --explain "$f"
done
echo "=== clearance serve --demo: the dashboard is at http://127.0.0.1:8181/ui (the admin token is"
echo "    printed below); try: curl -s -XPOST 127.0.0.1:8181/v1/decide -d @examples/02-letter-imposed.json"
exec build/release/clearance serve --demo --store build/demo.db
