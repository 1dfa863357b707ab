#!/usr/bin/env bash
# What an idle Gatehouse costs (docs/benchmarks.md): one server on a fresh PostgreSQL database, left alone for
# BENCH_IDLE_SECONDS (60) after BENCH_IDLE_SETTLE (20) seconds past ready; prints its CPU time and the database's
# transactions (pg_stat_database) over that time.
#
#   bench/idle.sh                 # this checkout
#   bench/idle.sh /path/to/other  # another checkout (its bin/gatehouse, built as that launcher builds), for an A/B
#
# Needs curl, psql, createdb and dropdb reaching PostgreSQL (BENCH_PG_HOST, user postgres, trust auth).
set -euo pipefail
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
SECONDS_IDLE=${BENCH_IDLE_SECONDS:-60}
SETTLE=${BENCH_IDLE_SETTLE:-20}
PORT=${BENCH_IDLE_PORT:-8091}
DB=gatehouse_bench_idle
DATA=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-idle.XXXXXX")
PID=
cleanup() {
  if [ -n "$PID" ]; then pkill -P "$PID" 2>/dev/null || true; kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  dropdb -h "$PG_HOST" -U postgres --if-exists "$DB" 2>/dev/null || true
  rm -rf "$DATA"
}
trap cleanup EXIT
commits() { psql -h "$PG_HOST" -U postgres -tAc "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$DB'"; }

dropdb -h "$PG_HOST" -U postgres --if-exists "$DB" 2>/dev/null
createdb -h "$PG_HOST" -U postgres "$DB"
GATEHOUSE_DB_URL="jdbc:postgresql://$PG_HOST:5432/$DB" GATEHOUSE_DB_USER=postgres GATEHOUSE_DATA_DIR="$DATA" \
  GATEHOUSE_HTTP_PORT="$PORT" GATEHOUSE_ADMIN_EMAIL=admin@bench.test GATEHOUSE_ADMIN_PASSWORD='Bench-admin-9d7c1-Yw!' \
  "$ROOT/bin/gatehouse" >"$DATA/server.log" 2>&1 &
PID=$!
for _ in $(seq 240); do curl -sf "localhost:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "localhost:$PORT/health/ready" >/dev/null || { echo "idle: the server did not start (see $DATA/server.log)" >&2; exit 1; }
# bin/gatehouse ends in exec, so $PID is the JVM.
sleep "$SETTLE"
hz=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
c0=$(cpu); x0=$(commits)
sleep "$SECONDS_IDLE"
c1=$(cpu); x1=$(commits)
echo "RESULT idle seconds=$SECONDS_IDLE server_cpu_ms=$(( (c1 - c0) * 1000 / hz )) db_transactions=$(( x1 - x0 )) checkout=$ROOT"
