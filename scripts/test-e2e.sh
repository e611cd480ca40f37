#!/usr/bin/env bash
# `make test-e2e`: a Docker engine (started here if none answers), Compose v2, a base image (a
# local stand-in if python:3.13-slim cannot be pulled), both function images and LocalStack
# 4.14.0 (the stand-in where the official image cannot be pulled), then the Docker scenarios
# on both backends:
#   moto        pytest -m docker: moto_server + the data plane running the images
#   localstack  pytest -m localstack: `docker compose up` (LocalStack + the dataplane service)
#               through testcontainers
# E2E_BACKENDS="moto" (or "localstack") runs one of them. Whatever this script started
# (dockerd) is stopped when it ends, however it ends. Prints how long each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
BACKENDS=${E2E_BACKENDS:-moto localstack}

export DOCKER_ENGINE_STATE=${DOCKER_ENGINE_STATE:-$(mktemp -d "${TMPDIR:-/tmp}/thermostat-e2e.XXXXXX")}
started_engine=0
timings=()
cleanup() {
  if [ ${#timings[@]} -gt 0 ]; then printf 'test-e2e: %s\n' "${timings[@]}" >&2; fi
  if [ "$started_engine" = 1 ]; then scripts/docker-engine.sh stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mark=$SECONDS
took() { timings+=("$(printf '%-44s %4d s' "$1" $((SECONDS - mark)))"); mark=$SECONDS; }

if ! scripts/docker-engine.sh status; then
  started_engine=1
  scripts/docker-engine.sh start
fi
# The push tests need a registry; testcontainers and the LocalStack scenarios Compose v2.
if ! command -v docker-registry >/dev/null; then
  echo "test-e2e: installing docker-registry" >&2
  sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo -n)
  "${sudo_[@]}" apt-get update -qq
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    docker-registry >/dev/null
fi
scripts/compose-v2.sh
took "engine, registry, compose v2"
export BASE_IMAGE=${BASE_IMAGE:-$(scripts/stand-in-base-image.sh)}
took "base image ($BASE_IMAGE)"
scripts/build-images.sh
took "function images"
if [[ " $BACKENDS " == *" localstack "* ]]; then
  scripts/localstack-image.sh
  took "localstack/localstack:4.14.0"
fi

failed=()
for backend in $BACKENDS; do
  case "$backend" in
    moto)
      # The data plane's own Docker tests run the ingest image just built.
      DATAPLANE_TEST_IMAGE=${DATAPLANE_TEST_IMAGE:-${IMAGE_PREFIX:-thermostat}-ingest:${IMAGE_TAG:-latest}} \
        E2E_BACKEND=moto "$BIN/python" -m pytest -m docker tests/docker tests/dataplane "$@" ||
        failed+=(moto)
      ;;
    localstack)
      E2E_BACKEND=localstack "$BIN/python" -m pytest -m localstack tests/docker "$@" ||
        failed+=(localstack)
      ;;
    *) echo "test-e2e: unknown backend $backend (moto, localstack)" >&2; exit 2 ;;
  esac
  took "scenarios on $backend"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-e2e: scenarios failed on: ${failed[*]}" >&2
  exit 1
fi
