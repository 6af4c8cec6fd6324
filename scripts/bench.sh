#!/usr/bin/env bash
# `npm run bench`: starts a Kafka broker when none is given, runs bench/run.ts, stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
started=""
if [ -z "${LEADGATE_KAFKA_BROKERS:-}" ]; then
  bash scripts/kafka.sh start
  started=1
  export LEADGATE_KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-19092}"
fi
cleanup() { [ -n "$started" ] && bash scripts/kafka.sh stop || true; }
trap cleanup EXIT
node --import tsx bench/run.ts "$@"
