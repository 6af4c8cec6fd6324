#!/usr/bin/env bash
# The one test command (`npm test` runs it): brings up the services the tests need, runs jest with the
# given arguments, tears down what it started, and exits with jest's code.
#
#   bash scripts/test.sh                                   # whole suite, then the short fault run
#   bash scripts/test.sh tests/integration/kafka-bus.test.ts
#
# Services (each section: use what the environment provides, else start a local one):
#   Kafka       LEADGATE_KAFKA_BROKERS set → used as is; else a local broker via scripts/kafka.sh, shared by
#               concurrent runs and stopped by the last one (a broker you started yourself is left running)
#   PostgreSQL  127.0.0.1:5432, started with pg_ctlcluster when down; LEADGATE_TEST_DATABASE_URL overrides
set -euo pipefail
# Everything lives in functions and runs from the last line: bash reads a script as it goes, so a run in
# progress would otherwise execute whatever an engineer saves into this file meanwhile.

log() { echo "[test.sh] $*" >&2; }

# Teardown steps, run in reverse order on any exit (success, failure, Ctrl-C).
CLEANUPS=()
cleanup() {
  local i
  for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" || true; done
}

# --- Kafka -------------------------------------------------------------------------------------------
# Several test runs may share one local broker (engineers in one tree). Each run registers itself; the
# last run out stops the broker, but only one that a test run started (a developer's own broker stays).
kafka_lock() { exec 9>"$KAFKA_RUN_DIR/lock"; flock 9; }
kafka_unlock() { flock -u 9; exec 9>&-; }
live_kafka_users() {
  local f pid n=0
  for f in "$KAFKA_RUN_DIR/users"/*; do
    [[ -e "$f" ]] || continue
    pid="${f##*/}"
    if kill -0 "$pid" 2>/dev/null; then n=$((n + 1)); else rm -f "$f"; fi
  done
  echo "$n"
}
kafka_acquire() {
  mkdir -p "$KAFKA_RUN_DIR/users"
  kafka_lock
  if [[ "$(live_kafka_users)" == 0 ]] && ! bash scripts/kafka.sh status >/dev/null 2>&1; then
    bash scripts/kafka.sh start || { kafka_unlock; return 1; }
    touch "$KAFKA_RUN_DIR/started-by-test"
  else
    log "Kafka: sharing the broker already running on 127.0.0.1:$KAFKA_PORT"
  fi
  touch "$KAFKA_RUN_DIR/users/$$"
  kafka_unlock
}
kafka_release() {
  kafka_lock
  rm -f "$KAFKA_RUN_DIR/users/$$"
  if [[ "$(live_kafka_users)" == 0 && -f "$KAFKA_RUN_DIR/started-by-test" ]]; then
    bash scripts/kafka.sh stop
    rm -f "$KAFKA_RUN_DIR/started-by-test"
  fi
  kafka_unlock
}

kafka_up() {
  if [[ -n "${LEADGATE_KAFKA_BROKERS:-}" ]]; then
    export LEADGATE_TEST_KAFKA_BROKERS="$LEADGATE_KAFKA_BROKERS"
    log "Kafka: using $LEADGATE_TEST_KAFKA_BROKERS"
    return
  fi
  export KAFKA_PORT="${KAFKA_PORT:-19092}"
  export KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-/tmp/leadgate-kafka-$KAFKA_PORT}"
  # Registered first, so a start that fails half-way is cleaned up too.
  CLEANUPS+=("kafka_release")
  kafka_acquire
  export LEADGATE_TEST_KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
}

# --- PostgreSQL --------------------------------------------------------------------------------------
postgres_up() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
      log "PostgreSQL: starting the local cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || log "PostgreSQL: start failed"
      for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || log "PostgreSQL: not reachable on 127.0.0.1:5432; tests that need it will fail"
  fi
  export LEADGATE_TEST_DATABASE_URL="${LEADGATE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
}

# --- main --------------------------------------------------------------------------------------------
main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  kafka_up
  postgres_up

  local status=0
  NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--experimental-vm-modules" npx jest "$@" || status=$?
  # The whole suite also runs the short fault run (each fault once, a few thousand leads) on its own
  # private broker and PostgreSQL cluster; it fails when anything acknowledged is lost or doubled.
  # LEADGATE_TEST_FAULTS=0 skips it.
  if [[ $# -eq 0 && "${LEADGATE_TEST_FAULTS:-1}" != 0 ]]; then
    log "fault run (short): npm run faults:short"
    FAULTS_MODE=short bash scripts/faults.sh || status=$((status == 0 ? 1 : status))
  fi
  exit "$status"
}

main "$@"
