#!/usr/bin/env bash
# `npm run bench`: every benchmark in bench/, one after another, each printing its own table.
#
#   npm run bench                                # all suites
#   BENCH_ONLY=pipeline,delivery npm run bench   # some of them
#
# Suites: pipeline (ingest ceiling/embedded/Kafka and end to end), logbus (embedded log publishes),
# identity (contacts/s, 1 and 2 normalizers), dedupe (precision/recall on a 20,000-request corpus),
# traffic (dedupe on realistic traffic through the webhooks and a private Dovecot, both back-ends),
# delivery (deliveries/s, rate limit, backlog drain), telephony (call storm → callback tasks),
# memory (RSS of one all-roles embedded process, idle and under load; builds dist/ first).
# A Kafka broker is started when LEADGATE_KAFKA_BROKERS is unset and none runs, and stopped at the end.
set -euo pipefail

main() {
  cd "$(dirname "$0")/.."
  local started=""
  if [ -z "${LEADGATE_KAFKA_BROKERS:-}" ]; then
    # A broker already running (a developer's, or the tests' shared one) is used and left running.
    if ! bash scripts/kafka.sh status >/dev/null 2>&1; then
      bash scripts/kafka.sh start
      started=1
    fi
    export LEADGATE_KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-19092}"
  fi
  # The tests' database defaults serve the suites that take a PostgreSQL URL.
  export LEADGATE_TEST_DATABASE_URL="${LEADGATE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  trap '[ -n "'"$started"'" ] && bash scripts/kafka.sh stop || true' EXIT

  local only=",${BENCH_ONLY:-pipeline,logbus,identity,dedupe,traffic,delivery,telephony,memory},"
  local failed=0 name file
  for entry in pipeline:bench/run.ts logbus:bench/log-bus-publish.bench.ts identity:bench/identity.bench.ts \
    dedupe:bench/dedupe-corpus.ts traffic:bench/dedupe-traffic.bench.ts delivery:bench/delivery.bench.ts telephony:bench/telephony.bench.ts \
    memory:bench/embedded-memory.bench.ts; do
    name="${entry%%:*}"
    file="${entry#*:}"
    [[ "$only" == *",$name,"* ]] || continue
    [ -f "$file" ] || { echo "[bench] $name: $file not present, skipped" >&2; continue; }
    [ "$name" != memory ] || npm run build >/dev/null
    echo
    echo "=== $name ($file) ==="
    node --import tsx "$file" || { echo "[bench] $name failed" >&2; failed=1; }
  done
  return "$failed"
}

main "$@"
