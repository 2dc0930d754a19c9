# Shared by the CLI test scripts: a scratch folder removed on exit, and check()
# to compare an exit status and, optionally, grep the output.
# Source it after setting bin (the clearance binary) and root (the source tree).

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

check() { # name expected-exit actual-exit [grep-pattern file]
    local name=$1 want=$2 got=$3
    if [ "$want" != "$got" ]; then
        echo "FAIL $name: exit $got, expected $want"; failed=$((failed + 1)); return
    fi
    if [ $# -ge 5 ] && ! grep -qE -- "$4" "$5"; then
        echo "FAIL $name: output lacks /$4/"; sed 's/^/    /' "$5" | head -20; failed=$((failed + 1)); return
    fi
    passed=$((passed + 1))
}

# Prints the closing line ("N passed, M failed") and returns non-zero on a failure.
finish() {
    echo "${1:+$1: }$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
