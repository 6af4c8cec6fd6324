#!/usr/bin/env bash
# The fault-injection run (`npm run faults`): starts a PRIVATE Kafka broker and a PRIVATE PostgreSQL
# cluster (never the shared broker on 19092 nor the machine's cluster on 5432, which other runs use), runs
# tests/faults/faults.harness.ts against them, stops both, and exits with the harness's code
# (1 = loss or duplicate, 2 = the run itself failed).
#
#   bash scripts/faults.sh                      # long mode (minutes per scenario)
#   FAULTS_MODE=short bash scripts/faults.sh    # CI-sized: a few thousand leads
#   FAULTS_ONLY=broker-stop,gateway-kill bash scripts/faults.sh
#   FAULTS_SKIP=postgres-restart bash scripts/faults.sh
#
# Environment: FAULTS_KAFKA_PORT (default 29092) and FAULTS_KAFKA_CONTROLLER_PORT (default port+1) for
# the private broker; FAULTS_PG_PORT (default 25432) for the private cluster; FAULTS_REPORT (Markdown
# file for the tables); see the harness for the rest.
set -euo pipefail
# Everything runs from the last line (bash reads a script as it goes; an edit must not hit a running run).

log() { echo "[faults.sh] $*" >&2; }

# --- private PostgreSQL ------------------------------------------------------------------------------
# initdb into a temp dir, trust auth, 127.0.0.1:$FAULTS_PG_PORT and a socket in the same dir. PostgreSQL
# refuses to run as root, so as root every pg_ctl/initdb runs as the `postgres` OS user. The harness
# restarts this cluster (FAULTS_PG_* below) for the postgres-restart scenario.
pg_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [[ -x "$dir/pg_ctl" ]] || { command -v pg_ctl >/dev/null && dir="$(dirname "$(command -v pg_ctl)")"; }
  [[ -x "$dir/pg_ctl" ]] || { log "no PostgreSQL server binaries (pg_ctl, initdb) found"; return 1; }
  echo "$dir"
}

as_pg() {
  if [[ -n "$FAULTS_PG_RUNAS" ]]; then runuser -u "$FAULTS_PG_RUNAS" -- "$@"; else "$@"; fi
}

pg_start_private() {
  export FAULTS_PG_PORT="${FAULTS_PG_PORT:-25432}"
  if [[ "$FAULTS_PG_PORT" == 5432 ]]; then
    log "refusing: 5432 is the machine's shared PostgreSQL; the fault run restarts its cluster"
    return 2
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$FAULTS_PG_PORT") 2>/dev/null; then
    log "127.0.0.1:$FAULTS_PG_PORT is taken (another fault run?); set FAULTS_PG_PORT"
    return 2
  fi
  FAULTS_PG_BIN="$(pg_bin_dir)"
  FAULTS_PG_RUNAS=""
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || { log "running as root and no 'postgres' user to run PostgreSQL as"; return 2; }
    FAULTS_PG_RUNAS=postgres
  fi
  pg_root="$(mktemp -d /tmp/leadgate-faults-pg.XXXXXX)"
  chmod 755 "$pg_root"
  mkdir -p "$pg_root/sock"
  [[ -n "$FAULTS_PG_RUNAS" ]] && chown -R "$FAULTS_PG_RUNAS" "$pg_root"
  export FAULTS_PG_BIN FAULTS_PG_RUNAS FAULTS_PG_DATA="$pg_root/data" FAULTS_PG_LOG="$pg_root/postgres.log"
  as_pg "$FAULTS_PG_BIN/initdb" -D "$FAULTS_PG_DATA" -U postgres -A trust -E UTF8 --locale=C >"$pg_root/initdb.log" 2>&1 \
    || { tail -n 20 "$pg_root/initdb.log" >&2; log "initdb failed"; return 1; }
  # In the config file (not pg_ctl -o), so `pg_ctl restart` from the harness brings back the same settings.
  cat >>"$FAULTS_PG_DATA/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $FAULTS_PG_PORT
unix_socket_directories = '$pg_root/sock'
max_connections = 200
EOF
  as_pg "$FAULTS_PG_BIN/pg_ctl" -D "$FAULTS_PG_DATA" -l "$FAULTS_PG_LOG" -w -t 120 start >/dev/null \
    || { tail -n 20 "$FAULTS_PG_LOG" >&2; log "private PostgreSQL did not start"; return 1; }
  log "private PostgreSQL on 127.0.0.1:$FAULTS_PG_PORT (data $FAULTS_PG_DATA)"
  export LEADGATE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$FAULTS_PG_PORT/postgres"
}

pg_stop_private() {
  [[ -n "${pg_root:-}" ]] || return 0
  if [[ -f "$pg_root/data/postmaster.pid" ]]; then
    as_pg "$FAULTS_PG_BIN/pg_ctl" -D "$FAULTS_PG_DATA" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$pg_root"
}

# --- private Kafka -----------------------------------------------------------------------------------
# Only ever this broker: its own port, controller port, run dir and data dir.
kafka() {
  KAFKA_PORT="$FAULTS_KAFKA_PORT" KAFKA_CONTROLLER_PORT="$FAULTS_KAFKA_CONTROLLER_PORT" KAFKA_DATA_DIR="$kafka_data_dir" \
    KAFKA_RUN_DIR="/tmp/leadgate-kafka-$FAULTS_KAFKA_PORT" bash scripts/kafka.sh "$@"
}

cleanup() {
  if [[ -n "${kafka_data_dir:-}" ]]; then
    kafka stop || true
    rm -rf "$kafka_data_dir"
  fi
  if [[ "${FAULTS_KEEP:-}" == 1 && -n "${pg_root:-}" ]]; then
    log "FAULTS_KEEP=1: private PostgreSQL left running on 127.0.0.1:$FAULTS_PG_PORT (data $FAULTS_PG_DATA)"
  else
    pg_stop_private
  fi
}

main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  export FAULTS_KAFKA_PORT="${FAULTS_KAFKA_PORT:-29092}"
  export FAULTS_KAFKA_CONTROLLER_PORT="${FAULTS_KAFKA_CONTROLLER_PORT:-$((FAULTS_KAFKA_PORT + 1))}"
  if [[ "$FAULTS_KAFKA_PORT" == 19092 || "$FAULTS_KAFKA_CONTROLLER_PORT" == 19093 ]]; then
    log "refusing: 19092/19093 belong to the shared development broker; the fault run kills its broker"
    exit 2
  fi
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  pg_start_private
  kafka_data_dir="$(mktemp -d /tmp/leadgate-faults-kafka.XXXXXX)"
  kafka start

  # The harness calls scripts/kafka.sh kill / restart-keep-data with the same variables.
  export KAFKA_DATA_DIR="$kafka_data_dir" KAFKA_RUN_DIR="/tmp/leadgate-kafka-$FAULTS_KAFKA_PORT"
  local status=0
  node --import tsx tests/faults/faults.harness.ts || status=$?
  exit "$status"
}

main "$@"
