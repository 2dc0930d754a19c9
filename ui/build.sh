#!/usr/bin/env bash
# Builds the dashboard and writes the C file that embeds it into the server:
# npm ci (when package-lock.json is newer than the last install), npm run build
# into OUT_DIR, then embed.mjs. Run by CMake (cmake/ui.cmake).
# Usage: ui/build.sh OUT_DIR C_FILE
set -euo pipefail
out_dir=$1
c_file=$2
cd "$(dirname "$0")"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent -- --outDir "$out_dir" --emptyOutDir --logLevel warn
node embed.mjs "$out_dir" "$c_file"
