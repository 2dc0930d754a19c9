#!/usr/bin/env bash
# Formats the C sources with clang-format (.clang-format), or with --check
# fails listing the files that differ.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" = --check ]; then
    bad=0
    for f in $files; do
        if ! clang-format --style=file "$f" | cmp -s - "$f"; then
            echo "format: $f differs from clang-format (run scripts/format.sh)"
            bad=1
        fi
    done
    exit $bad
fi
clang-format --style=file -i $files
