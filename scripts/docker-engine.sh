#!/usr/bin/env bash
# Make sure a Docker engine answers, starting one if needed (idempotent).
#   scripts/docker-engine.sh start   install docker.io if dockerd is missing, start dockerd, wait
#   scripts/docker-engine.sh stop    stop the dockerd this script started (no-op otherwise)
#   scripts/docker-engine.sh status  exit 0 when an engine answers
# The engine gets no bridge and no iptables rules: containers use the host network
# only, so every test address stays on 127.0.0.1 (see docs/docker.md).
set -euo pipefail

STATE_DIR=${DOCKER_ENGINE_STATE:-${TMPDIR:-/tmp}/thermostat-dockerd}
PIDFILE=$STATE_DIR/dockerd.pid
LOG=$STATE_DIR/dockerd.log
WAIT_SECONDS=${DOCKER_ENGINE_WAIT:-90}

log() { printf 'docker-engine: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

answers() { docker info >/dev/null 2>&1; }

install_engine() {
  log "dockerd not found: installing docker.io with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker.io >/dev/null
}

start() {
  if answers; then
    log "an engine already answers; leaving it alone"
    return 0
  fi
  command -v dockerd >/dev/null || install_engine
  command -v docker >/dev/null || { log "no docker CLI after installing docker.io"; exit 1; }
  mkdir -p "$STATE_DIR"
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    log "dockerd $(cat "$PIDFILE") is starting; waiting for it"
  else
    log "starting dockerd (log: $LOG)"
    # setsid: a session of its own, so Ctrl-C on `make` does not reach the daemon.
    # dockerd writes its own pid to $PIDFILE; `stop` signals exactly that process.
    local sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo -n)
    "${sudo_[@]}" setsid dockerd --bridge=none --iptables=false --ip6tables=false \
      --pidfile "$PIDFILE" >"$LOG" 2>&1 </dev/null &
    local launcher=$!
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until answers; do
    if [ -n "${launcher:-}" ] && ! kill -0 "$launcher" 2>/dev/null; then
      log "dockerd exited; last lines of $LOG:"; tail -n 20 "$LOG" >&2; exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not answer within ${WAIT_SECONDS}s; see $LOG"; exit 1
    fi
    sleep 0.5
  done
  log "engine ready ($(docker version --format '{{.Server.Version}}'))"
}

stop() {
  [ -s "$PIDFILE" ] || { log "no dockerd started by this script is running"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping dockerd $pid"
    as_root kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then as_root kill -KILL "$pid"; fi
  fi
  rm -f "$PIDFILE"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) answers ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
