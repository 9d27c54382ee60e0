#!/usr/bin/env bash
# A throw-away PostgreSQL for the `PgStore` tests and bench.
#
# Sourced (what `.ci/run` does):   source .ci/postgres.sh
#   installs Debian's `postgresql` package if no server binaries are found, makes a cluster in
#   a temporary directory owned by an unprivileged user, starts it on a free local port,
#   creates the database, exports SHAREGUARD_PG_URL, and stops the server and removes the
#   directory when the sourcing shell exits (a trap on EXIT, chained after any trap already set).
#
# By hand:
#   eval "$(bash .ci/postgres.sh start)"   # prints the exports, leaves the server running
#   bash .ci/postgres.sh stop              # stops it (reads SHAREGUARD_PG_DIR)
#
# Settings (optional): SHAREGUARD_PG_USER (default `postgres`, created if missing),
# SHAREGUARD_PG_PORT (default: the first free port from 54329).

shareguard_pg_bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            printf '%s\n' "$dir"
        fi
    done | sort -V | tail -n 1
}

shareguard_pg_free_port() {
    local port=${SHAREGUARD_PG_PORT:-54329}
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        port=$((port + 1))
    done
    printf '%s\n' "$port"
}

# Starts the server; prints the variables to export on stdout, everything else on stderr.
shareguard_pg_start() {
    local bin user port dir
    bin=$(shareguard_pg_bindir)
    if [ -z "$bin" ]; then
        echo "postgres.sh: installing Debian's postgresql package" >&2
        if [ "$(id -u)" -ne 0 ]; then
            echo "postgres.sh: no PostgreSQL server found, and installing one needs root" >&2
            return 1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || return 1
        # The package starts its own cluster on 5432; ours is separate, so leave that one off.
        command -v pg_ctlcluster >/dev/null && pg_lsclusters -h 2>/dev/null |
            while read -r ver name _; do pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true; done
        bin=$(shareguard_pg_bindir)
        [ -n "$bin" ] || { echo "postgres.sh: postgresql installed, but no initdb found" >&2; return 1; }
    fi
    user=${SHAREGUARD_PG_USER:-postgres}
    if [ "$(id -u)" -eq 0 ]; then
        id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user" >&2 || return 1
        as_user() { runuser -u "$user" -- "$@"; }
    else
        user=$(id -un)
        as_user() { "$@"; }
    fi
    port=$(shareguard_pg_free_port)
    dir=$(mktemp -d /tmp/shareguard-pg.XXXXXX) || return 1
    chown "$user" "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    as_user "$bin/initdb" -D "$dir/data" -U shareguard --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
    # Tuned for a short-lived test server: no fsync (nothing here outlives the run).
    as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
        start >&2 || { cat "$dir/server.log" >&2; return 1; }
    as_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U shareguard shareguard >&2 || return 1
    printf 'export SHAREGUARD_PG_URL=%q\n' "postgres://shareguard@127.0.0.1:$port/shareguard"
    printf 'export SHAREGUARD_PG_DIR=%q\n' "$dir"
    printf 'export SHAREGUARD_PG_BIN=%q\n' "$bin"
    printf 'export SHAREGUARD_PG_OWNER=%q\n' "$user"
}

shareguard_pg_stop() {
    local dir=${SHAREGUARD_PG_DIR:-} bin=${SHAREGUARD_PG_BIN:-} user=${SHAREGUARD_PG_OWNER:-}
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    [ -n "$bin" ] || bin=$(shareguard_pg_bindir)
    if [ "$(id -u)" -eq 0 ] && [ -n "$user" ]; then
        runuser -u "$user" -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    else
        "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    # Sourced: start now, stop when the sourcing shell exits.
    eval "$(shareguard_pg_start)" || { echo "postgres.sh: could not start PostgreSQL" >&2; return 1; }
    shareguard_pg_previous_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
    # shellcheck disable=SC2064
    trap "shareguard_pg_stop; ${shareguard_pg_previous_trap:-:}" EXIT
    echo "postgres.sh: PostgreSQL at $SHAREGUARD_PG_URL (stopped on exit)" >&2
else
    set -euo pipefail
    case "${1:-}" in
        start) shareguard_pg_start ;;
        stop) shareguard_pg_stop ;;
        *) echo "usage: bash .ci/postgres.sh start|stop   (or: source .ci/postgres.sh)" >&2; exit 2 ;;
    esac
fi
