#!/usr/bin/env bash
# `make up`: build and start the compose stack, wait until the ready.d hook deployed the
# stack (LocalStack healthy) and the Function URL answers, then print how to use it.
# Usage: scripts/compose-up.sh [compose command...]   (default: docker compose)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- docker compose
ENDPOINTS=.localstack/endpoints.json
WAIT_SECONDS=${UP_WAIT_SECONDS:-300}

mkdir -p .localstack  # before compose does, so it is not owned by root
rm -f "$ENDPOINTS"
export BASE_IMAGE=${BASE_IMAGE:-$(scripts/stand-in-base-image.sh)}
"$@" up --build --detach

deadline=$((SECONDS + WAIT_SECONDS))
until [ -s "$ENDPOINTS" ]; do
  id=$("$@" ps -q localstack)
  health=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id" 2>/dev/null || true)
  if [ "$health" = unhealthy ] || [ "$SECONDS" -ge "$deadline" ]; then
    echo "up: the stack was not deployed (LocalStack: ${health:-not running}); init scripts:" >&2
    curl -fsS http://127.0.0.1:4566/_localstack/init/ready >&2 || true
    "$@" logs --tail 40 localstack >&2
    exit 1
  fi
  sleep 2
done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ingest_url"])' "$ENDPOINTS")
region=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["region"])' "$ENDPOINTS")
cat <<MSG

Stack deployed on LocalStack (http://127.0.0.1:4566). Function URL:
  $url
Try it (AWS_IAM auth, LocalStack's test keys):
  curl --aws-sigv4 "aws:amz:$region:lambda" --user test:test -H 'Content-Type: application/json' \\
    -d '{"device_id":"demo","recorded_at":"2026-11-21T20:00:00.000Z","temperature_c":19.5,"setpoint_c":20,"heating":true}' $url
Point the Pi client at it: endpoints_file = "$(pwd)/$ENDPOINTS" in its config.toml.
Logs: make logs    Stop: make down
MSG
