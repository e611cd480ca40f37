#!/usr/bin/env bash
# `make test-e2e`: a Docker engine (started here if none answers), a base image (a local
# stand-in if python:3.13-slim cannot be pulled), both images, then `pytest -m docker`.
# Whatever this script started (dockerd) is stopped when it ends, however it ends.
# E2E_BACKEND=localstack runs the same scenarios against docker compose (testcontainers).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}

export DOCKER_ENGINE_STATE=${DOCKER_ENGINE_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/thermostat-e2e.XXXXXX")}
started_engine=0
cleanup() {
  if [ "$started_engine" = 1 ]; then scripts/docker-engine.sh stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! scripts/docker-engine.sh status; then
  started_engine=1
  scripts/docker-engine.sh start
fi
# The push tests need a registry, the compose tests a compose (Debian's v1 if no plugin).
need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  echo "test-e2e: installing ${need[*]}" >&2
  sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" apt-get update -qq
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${need[@]}" >/dev/null
fi
start=$SECONDS
export BASE_IMAGE=${BASE_IMAGE:-$(scripts/stand-in-base-image.sh)}
scripts/build-images.sh
echo "test-e2e: base image and images ready in $((SECONDS - start))s" >&2
# The data plane's own Docker tests run the ingest image just built.
export DATAPLANE_TEST_IMAGE=${DATAPLANE_TEST_IMAGE:-${IMAGE_PREFIX:-thermostat}-ingest:${IMAGE_TAG:-latest}}
"$BIN/python" -m pytest -m docker tests/docker tests/dataplane "$@"
