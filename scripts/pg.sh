#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback, for the tests (docs/store.md).
#
#   scripts/pg.sh start DIR       initdb a new cluster (stopping DIR's old one) and start it on a
#                                 free port of 127.0.0.1; DIR/url holds the server's URL
#   scripts/pg.sh stop DIR        stop DIR's server and remove DIR
#   scripts/pg.sh env DIR CMD...  run CMD with CLR_TEST_STORE set to the URL of a new database on
#                                 DIR's server; the database is dropped afterwards
#   scripts/pg.sh run CMD...      start a cluster in a temporary folder, run CMD as `env` does, stop
#                                 the cluster and remove the folder: nothing is left running
#   scripts/pg.sh pause DIR       stop DIR's server, keeping its data (a database outage)
#   scripts/pg.sh resume DIR      start it again on the same port
# CMD gets CLR_TEST_PG_DIR, the DIR of its cluster, to pause and resume it.
#
# PostgreSQL is installed from Debian (scripts/deps.sh test) when it is missing. The server runs as
# an unprivileged user: as root, as the postgres user the Debian package creates. Its files and
# socket live in a folder of their own under /tmp (named in DIR/cluster), which that user can reach
# wherever DIR is. It trusts connections on loopback (it listens on nothing else) and its superuser
# is "clr".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

pgbin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

bindir=$(pgbin || true)
if [ -z "$bindir" ] || ! command -v psql >/dev/null; then
    "$root/scripts/deps.sh" test
    bindir=$(pgbin)
fi

as_owner() { # runs a server binary as the cluster's owner
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop() {
    local dir=$1 cluster
    cluster=$(cat "$dir/cluster" 2>/dev/null || true)
    if [ -n "$cluster" ] && [ -f "$cluster/data/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null 2>&1 ||
            as_owner "$bindir/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 ||
            true
    fi
    [ -z "$cluster" ] || rm -rf "$cluster"
    rm -rf "$dir"
}

start() {
    local dir=$1 port tries cluster
    stop "$dir"
    mkdir -p "$dir"
    cluster=$(mktemp -d /tmp/clr-pg-XXXXXX)
    echo "$cluster" >"$dir/cluster"
    mkdir "$cluster/data"
    [ "$(id -u)" -ne 0 ] || chown -R postgres: "$cluster"
    as_owner "$bindir/initdb" -D "$cluster/data" -U clr --auth=trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    for tries in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 30000))
        # in use already: try another
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        if as_owner "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
            -o "-k $cluster -p $port -c listen_addresses=127.0.0.1 -c shared_buffers=32MB \
                -c max_connections=40" start >/dev/null; then
            echo "postgresql://clr@127.0.0.1:$port" >"$dir/url"
            return 0
        fi
    done
    echo "pg.sh: cannot start PostgreSQL in $dir" >&2
    tail -n 20 "$cluster/server.log" >&2 || true
    return 1
}

pause() {
    local cluster
    cluster=$(cat "$1/cluster")
    as_owner "$bindir/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null
}

resume() {
    local cluster port
    cluster=$(cat "$1/cluster")
    port=$(sed 's/.*://' "$1/url")
    as_owner "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
        -o "-k $cluster -p $port -c listen_addresses=127.0.0.1 -c shared_buffers=32MB \
            -c max_connections=40" start >/dev/null
}

with_db() { # DIR CMD...: a new database for CMD
    local dir=$1 url db status
    shift
    url=$(cat "$dir/url")
    db="clr_$$_${RANDOM}"
    psql -q -X "$url/postgres" -c "CREATE DATABASE $db" >/dev/null
    set +e
    CLR_TEST_STORE="$url/$db" CLR_TEST_PG_DIR="$dir" "$@"
    status=$?
    set -e
    psql -q -X "$url/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
    return $status
}

cmd=${1:-}
shift || true
case "$cmd" in
start) start "$1" ;;
stop) stop "$1" ;;
pause) pause "$1" ;;
resume) resume "$1" ;;
env)
    dir=$1
    shift
    with_db "$dir" "$@"
    ;;
run)
    tmpdir=$(mktemp -d /tmp/clr-pgrun-XXXXXX)
    trap 'stop "$tmpdir"' EXIT
    start "$tmpdir"
    with_db "$tmpdir" "$@"
    ;;
*)
    echo "usage: scripts/pg.sh start DIR | stop DIR | env DIR CMD... | run CMD... | pause DIR |" \
        "resume DIR" >&2
    exit 2
    ;;
esac
