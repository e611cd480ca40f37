#!/usr/bin/env bash
# `make up`: build and start the compose stack, wait until the ready.d hook deployed the
# stack and the Function URL answers, then print how to use it (as `make dev` does).
# Fails at once, with LocalStack's init report and log, when the hook reports ERROR (compose
# itself would wait for the healthcheck's retries, minutes).
# Usage: scripts/compose-up.sh [compose command...]   (default: docker compose)
# Environment: UP_WAIT_SECONDS (default 600), LOCALSTACK_STATE_DIR (default .localstack),
#   DATAPLANE_URL_PORT (default 9000), BASE_IMAGE, IMAGE_PREFIX, IMAGE_TAG, STACK_NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- docker compose
COMPOSE=("$@")
STATE_DIR=${LOCALSTACK_STATE_DIR:-.localstack}
ENDPOINTS=$STATE_DIR/endpoints.json
WAIT_SECONDS=${UP_WAIT_SECONDS:-600}
GATEWAY=http://127.0.0.1:4566

log() { printf 'up: %s\n' "$*" >&2; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# LocalStack and the data plane use the host network: their ports must be free, unless this
# project's own containers hold them (then `up` only brings the stack up to date).
if [ -z "$("${COMPOSE[@]}" ps -q localstack 2>/dev/null)" ]; then
  for port in 4566 "${DATAPLANE_URL_PORT:-9000}"; do
    if listening "$port"; then
      log "127.0.0.1:$port is already in use (make dev's moto_server? another LocalStack?):" \
        "stop that first; LocalStack and the data plane listen there with host networking"
      exit 1
    fi
  done
fi

mkdir -p "$STATE_DIR" # before compose does, so it is not owned by root
rm -f "$ENDPOINTS"
export BASE_IMAGE=${BASE_IMAGE:-$(scripts/stand-in-base-image.sh)}
up_log=$(mktemp "${TMPDIR:-/tmp}/compose-up.XXXXXX")
trap 'rm -f "$up_log"' EXIT

fail() {
  log "$*"
  log "LocalStack's init scripts: $(curl -fsS --max-time 5 "$GATEWAY/_localstack/init/ready" || echo unreachable)"
  log "docker compose up said:"; tail -n 20 "$up_log" >&2
  log "LocalStack's log (last 40 lines):"; "${COMPOSE[@]}" logs --tail 40 localstack >&2 || true
  log "the containers are left as they are for a look; \`make down\` removes them"
  exit 1
}

start=$SECONDS
"${COMPOSE[@]}" up --build --detach >"$up_log" 2>&1 &
up_pid=$!
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
  if ! kill -0 "$up_pid" 2>/dev/null; then
    wait "$up_pid" || fail "docker compose up failed"
    [ -s "$ENDPOINTS" ] && break
  fi
  report=$(curl -fsS --max-time 2 "$GATEWAY/_localstack/init/ready" 2>/dev/null || true)
  if grep -q '"ERROR"' <<<"$report"; then
    kill "$up_pid" 2>/dev/null || true
    fail "the ready.d hook failed: the stack was not deployed"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    kill "$up_pid" 2>/dev/null || true
    fail "the stack was not up within ${WAIT_SECONDS}s"
  fi
  sleep 1
done

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$ENDPOINTS" "$1"; }
url=$(field ingest_url)
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" != 000 ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the Function URL $url does not answer"
  sleep 0.5
done
region=$(field region)
key=$(field access_key_id)
secret=$(field secret_access_key)
cat <<MSG

Ready in $((SECONDS - start)) s. AWS APIs (LocalStack): $(field aws_endpoint_url)
Function URL (AWS_IAM, run by the $(field functions_run_by)): $url
Table: $(field table_name)   Region: $region   Keys: $key / $secret (LocalStack's test keys)
Endpoints and keys: $ENDPOINTS (\`.venv/bin/thermostat status\` finds it with no flags)
Send a reading:
  curl --aws-sigv4 "aws:amz:$region:lambda" --user $key:$secret -H 'Content-Type: application/json' -d '{"device_id":"my-desk","recorded_at":"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)","temperature_c":19.5,"setpoint_c":20,"heating":true}' $url
The Pi client: endpoints_file = "$(cd "$STATE_DIR" && pwd)/endpoints.json" in its config.toml.
AWS CLI: AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret aws --endpoint-url $(field aws_endpoint_url) --region $region ...
Logs: make logs    Stop: make down
MSG
