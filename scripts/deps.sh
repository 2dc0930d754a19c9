#!/usr/bin/env bash
# Installs the Debian packages clearance builds, tests and benchmarks with.
# Usage: scripts/deps.sh [build|test]   (test adds the tools the test suite runs)
set -euo pipefail
mode=${1:-build}
pkgs=(build-essential cmake pkg-config libcjson-dev libsodium-dev libutf8proc-dev libicu-dev
      libsqlite3-dev libmicrohttpd-dev libmaxminddb-dev libpq-dev libssl-dev)
if [ "$mode" = test ]; then
    # chromium: the dashboard's end-to-end test (tests/ui_e2e.sh)
    pkgs+=(libcmocka-dev clang clang-format valgrind libclang-rt-14-dev python3 curl nginx wrk
           libmaxmind-db-writer-perl postgresql chromium)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm build the dashboard (ui/); Debian's packages when there is no
# node or npm at all (a Node.js installed otherwise is used as it is)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
    echo "deps: installing ${missing[*]}" >&2
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
