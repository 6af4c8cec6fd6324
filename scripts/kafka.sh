#!/usr/bin/env bash
# Dev/test Apache Kafka: one KRaft node (broker + controller) in a local JVM, no Docker.
#
# Usage: scripts/kafka.sh <command>
#   start              fetch the jars once (Maven Central, cached), format storage if needed, start, wait for the port
#   stop               TERM (then KILL after KAFKA_STOP_TIMEOUT s); removes the data dir unless KAFKA_DATA_DIR is set
#   kill               SIGKILL the broker, keep its data (simulates a crash / outage)
#   restart-keep-data  start again on the data left by `kill` (same cluster id, same topics and offsets)
#   status             "running <pid> <port>" (exit 0) or "stopped" (exit 1)
#   logs               tail of the broker log
#
# Environment:
#   LEADGATE_CACHE      cache root (default ~/.cache/leadgate); jars go to $LEADGATE_CACHE/kafka-3.9.1/libs
#   KAFKA_PORT          client port (default 19092); the controller uses KAFKA_CONTROLLER_PORT (default 19093)
#   KAFKA_DATA_DIR      keep the log dirs here instead of a fresh temp dir (survives stop/start)
#   KAFKA_RUN_DIR       pid file, config and log (default /tmp/leadgate-kafka-$KAFKA_PORT)
#   KAFKA_HEAP_OPTS     JVM heap (default -Xmx512m -Xms256m)
set -euo pipefail

KAFKA_VERSION=3.9.1
SLF4J_VERSION=1.7.36
CACHE_ROOT="${LEADGATE_CACHE:-$HOME/.cache/leadgate}"
HOME_DIR="$CACHE_ROOT/kafka-$KAFKA_VERSION"
LIBS="$HOME_DIR/libs"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
RUN_DIR="${KAFKA_RUN_DIR:-/tmp/leadgate-kafka-$PORT}"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROPS="$RUN_DIR/server.properties"
# Remembers the data dir of the last start, so `restart-keep-data` and `stop` find it without env.
DATA_DIR_FILE="$RUN_DIR/data-dir"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"

log() { echo "[kafka.sh] $*" >&2; }
die() { log "error: $*"; exit 1; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

fetch_jars() {
  if compgen -G "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS (once)"
  mkdir -p "$HOME_DIR"
  cat >"$HOME_DIR/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.leadgate</groupId>
  <artifactId>kafka-dev-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  # Download into a temp dir and rename, so an interrupted fetch never looks like a complete cache.
  rm -rf "$LIBS.partial"
  (cd "$HOME_DIR" && mvn -q -B dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS.partial") \
    || die "maven could not fetch the Kafka jars"
  rm -rf "$LIBS"
  mv "$LIBS.partial" "$LIBS"
}

kafka_java() { java -cp "$LIBS/*" "$@"; }

write_config() {
  local data_dir="$1"
  mkdir -p "$RUN_DIR"
  cat >"$PROPS" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data_dir
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
# After a kill the broker's old registration must expire before it may start again; the 9 s default
# would make every simulated outage in the fault suite 9 s longer.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
# Dev broker: small segments and a short retention keep the temp dir small.
log.retention.hours=24
log.segment.bytes=67108864
EOF
  cat >"$RUN_DIR/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$LOG_FILE
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# "Kafka Server started" is the one INFO line worth having when reading a failed start.
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.Kafka=INFO
EOF
}

format_storage() {
  local data_dir="$1"
  if [[ -f "$data_dir/meta.properties" ]]; then return 0; fi
  local cluster_id
  cluster_id="$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [[ -n "$cluster_id" ]] || die "StorageTool random-uuid gave no id"
  kafka_java -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" \
    kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >>"$RUN_DIR/format.log" 2>&1 \
    || { tail -n 20 "$RUN_DIR/format.log" >&2; die "storage format failed"; }
}

start() {
  local keep="${1:-fresh}" pid data_dir
  if pid="$(running_pid)"; then
    log "already running (pid $pid, 127.0.0.1:$PORT)"
    return 0
  fi
  command -v java >/dev/null || die "java not found (a JRE 17+ is needed)"
  fetch_jars
  port_open && die "127.0.0.1:$PORT is taken by another process"
  mkdir -p "$RUN_DIR"
  if [[ -n "${KAFKA_DATA_DIR:-}" ]]; then
    data_dir="$KAFKA_DATA_DIR"
  elif [[ "$keep" == keep && -f "$DATA_DIR_FILE" ]]; then
    data_dir="$(cat "$DATA_DIR_FILE")"
  else
    [[ -f "$DATA_DIR_FILE" ]] && rm -rf "$(cat "$DATA_DIR_FILE")"
    data_dir="$(mktemp -d /tmp/leadgate-kafka-data.XXXXXX)"
  fi
  mkdir -p "$data_dir"
  echo "$data_dir" >"$DATA_DIR_FILE"
  # scripts/test.sh marks brokers it started (it stops only those); a start from here is nobody's yet.
  rm -f "$RUN_DIR/started-by-test"
  write_config "$data_dir"
  format_storage "$data_dir"
  : >"$LOG_FILE"
  local started=$SECONDS
  # setsid: the broker must not die with the shell that started it (test.sh traps its own exit).
  KAFKA_HEAP="${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}"
  # shellcheck disable=SC2086
  setsid java $KAFKA_HEAP -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$RUN_DIR/log4j.properties" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$RUN_DIR/kafka.out" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  pid="$(cat "$PID_FILE")"
  while ! port_open; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG_FILE" "$RUN_DIR/kafka.out" >&2 || true
      rm -f "$PID_FILE"
      die "broker exited during start (logs above, full log: $LOG_FILE)"
    fi
    if (( SECONDS - started >= START_TIMEOUT )); then
      tail -n 30 "$LOG_FILE" "$RUN_DIR/kafka.out" >&2 || true
      # A half-started JVM would hold the ports and block the next attempt.
      STOP_TIMEOUT=5 stop_process TERM
      die "broker did not accept connections on 127.0.0.1:$PORT within ${START_TIMEOUT}s (full log: $LOG_FILE)"
    fi
    sleep 0.3
  done
  log "running (pid $pid, 127.0.0.1:$PORT, data $data_dir, ready in $((SECONDS - started))s)"
}

stop_process() {
  local signal="$1" pid
  pid="$(running_pid)" || { rm -f "$PID_FILE"; return 0; }
  kill "-$signal" "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if (( waited >= STOP_TIMEOUT * 10 )); then
      log "pid $pid ignored TERM for ${STOP_TIMEOUT}s, killing"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
}

stop() {
  stop_process TERM
  if [[ -z "${KAFKA_DATA_DIR:-}" && -f "$DATA_DIR_FILE" ]]; then
    rm -rf "$(cat "$DATA_DIR_FILE")"
    rm -f "$DATA_DIR_FILE"
  fi
  log "stopped"
}

case "${1:-}" in
  start) start fresh ;;
  restart-keep-data) stop_process TERM; start keep ;;
  stop) stop ;;
  kill) stop_process KILL; log "killed (data kept for restart-keep-data)" ;;
  status)
    if pid="$(running_pid)"; then echo "running $pid 127.0.0.1:$PORT"; else echo "stopped"; exit 1; fi ;;
  logs) tail -n "${2:-50}" "$LOG_FILE" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
