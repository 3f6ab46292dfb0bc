#!/usr/bin/env bash
# ctest fixture for the PostgreSQL hll tests (cmake/HashsketchPostgres.cmake).
#   pg_fixture.sh start <state dir> <postgres bin dir>
#       initdb in a fresh temporary directory, starts the server with pg_ctl
#       on 127.0.0.1 on a free port with a private Unix socket directory,
#       runs CREATE EXTENSION hll, and writes <state dir>/port and
#       <state dir>/datadir. Exits non-zero (printing the server log) when any
#       step fails, after removing what it made: a missing server or a missing
#       hll extension is a failure, never a skip.
#   pg_fixture.sh stop <state dir> <postgres bin dir>
#       pg_ctl stop -m immediate and removes the temporary directory.
#   pg_fixture.sh exec <state dir> <program> [args...]
#       runs the program with HASHSKETCH_PG_PORT set (for the example).
# initdb and pg_ctl refuse to run as root; as root they run as the `postgres`
# user (created by the postgresql-15 package) through runuser.
set -u
mode=${1:-}
state=${2:-}
[ -n "$mode" ] && [ -n "$state" ] || { echo "usage: $0 start|stop|exec <state dir> ..." >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -ne 0 ]; then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
  fi
}

cleanup_dir() {
  local dir=$1
  [ -n "$dir" ] && [ -d "$dir" ] && rm -rf -- "$dir"
}

case "$mode" in
start)
  bindir=${3:-}
  for tool in initdb pg_ctl psql; do
    if [ ! -x "$bindir/$tool" ]; then
      echo "FAIL: $bindir/$tool not found (scripts/install-deps.sh installs postgresql-15 postgresql-15-hll)" >&2
      exit 1
    fi
  done
  if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "FAIL: running as root and there is no 'postgres' user to run initdb as" >&2
    exit 1
  fi
  mkdir -p "$state"
  rm -f "$state/port" "$state/datadir"
  # If a previous run left a server behind (crash of ctest), stop it first.
  "$0" stop "$state" "$bindir" >/dev/null 2>&1 || true
  # As root the directory must be reachable by the postgres user: /tmp, not
  # a private $TMPDIR.
  base=${TMPDIR:-/tmp}
  [ "$(id -u)" -eq 0 ] && base=/tmp
  tmp=$(mktemp -d "$base/hashsketch-pg.XXXXXX") || { echo "FAIL: mktemp" >&2; exit 1; }
  chmod 755 "$tmp"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$tmp"
  echo "$tmp" > "$state/datadir"
  data="$tmp/data"
  sock="$tmp/socket"
  as_owner mkdir -p "$sock"
  if ! as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1; then
    echo "FAIL: initdb failed:" >&2; cat "$tmp/initdb.log" >&2
    cleanup_dir "$tmp"; rm -f "$state/datadir"; exit 1
  fi
  started=0
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    # A free port: a random one in 20000..59999 that nobody listens on; if
    # another process takes it between the check and the start, pg_ctl fails
    # and the next attempt picks another.
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if as_owner "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 \
         -o "-p $port -k $sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=20 -c shared_buffers=32MB" \
         start >"$tmp/pg_ctl.log" 2>&1; then
      started=1; break
    fi
  done
  if [ $started -ne 1 ]; then
    echo "FAIL: pg_ctl could not start the server:" >&2
    cat "$tmp/pg_ctl.log" "$tmp/server.log" >&2 2>/dev/null
    as_owner "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1
    cleanup_dir "$tmp"; rm -f "$state/datadir"; exit 1
  fi
  if ! "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres \
       -c "CREATE EXTENSION hll" >"$tmp/psql.log" 2>&1; then
    echo "FAIL: CREATE EXTENSION hll failed (is postgresql-15-hll installed?):" >&2
    cat "$tmp/psql.log" >&2
    as_owner "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1
    cleanup_dir "$tmp"; rm -f "$state/datadir"; exit 1
  fi
  echo "$port" > "$state/port"
  echo "postgres listening on 127.0.0.1:$port, data in $data, extension hll created"
  ;;
stop)
  bindir=${3:-}
  [ -f "$state/datadir" ] || { echo "no server recorded in $state: nothing to stop"; exit 0; }
  tmp=$(cat "$state/datadir")
  if [ -d "$tmp/data" ]; then
    as_owner "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$tmp" in
    */hashsketch-pg.*) cleanup_dir "$tmp" ;;
  esac
  rm -f "$state/datadir" "$state/port"
  echo "postgres stopped, $tmp removed"
  ;;
exec)
  [ -f "$state/port" ] || { echo "FAIL: no server port in $state/port (did the fixture start?)" >&2; exit 1; }
  HASHSKETCH_PG_PORT=$(cat "$state/port")
  export HASHSKETCH_PG_PORT
  shift 2
  exec "$@"
  ;;
*)
  echo "usage: $0 start|stop|exec <state dir> ..." >&2; exit 2 ;;
esac
