#!/usr/bin/env bash
# Make localstack/localstack:4.14.0 available to the local Docker engine (idempotent), the way
# scripts/stand-in-base-image.sh does for python:3.13-slim:
#   1. the image is already here (the official one, or the stand-in built from this recipe):
#      nothing to do;
#   2. `docker pull localstack/localstack:4.14.0` works: the official image, nothing built;
#   3. otherwise the stand-in is built from localstack/image/ (PyPI, npm and Debian packages
#      only) on a Python 3.13 Debian trixie base: python:3.13-slim-trixie if it is here or can
#      be pulled, else the project's debootstrap stand-in (scripts/stand-in-base-image.sh).
# A stand-in built from another recipe (the label below holds a hash of localstack/image/) is
# rebuilt. Needs a running engine (`make localstack-image` starts one). See docs/docker.md.
# Environment: FORCE_BUILD=1 (build even if the image is here or can be pulled),
#   LOCALSTACK_BASE_IMAGE (base to build on), PULL_TIMEOUT (seconds, default 120),
#   LOCALSTACK_VERSION (only 4.14.0 has a stand-in; another version is left to compose's pull).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${LOCALSTACK_VERSION:-4.14.0}
IMAGE=localstack/localstack:$VERSION
CONTEXT=localstack/image
OFFICIAL_BASE=python:3.13-slim-trixie
PULL_TIMEOUT=${PULL_TIMEOUT:-120}
RECIPE_LABEL=org.thermostat.localstack-stand-in.recipe

log() { printf 'localstack-image: %s\n' "$*" >&2; }
present() { docker image inspect "$1" >/dev/null 2>&1; }
pull() { timeout "$PULL_TIMEOUT" docker pull -q "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || {
  log "no Docker engine answers; start one first (make localstack-image does)"
  exit 1
}
if [ "$VERSION" != 4.14.0 ]; then
  log "LOCALSTACK_VERSION=$VERSION: no stand-in for it; compose pulls $IMAGE itself"
  exit 0
fi

# A hash of the build context: a stand-in built from an older recipe is rebuilt.
recipe=$(cd "$CONTEXT" && LC_ALL=C ls | sort | xargs cat | sha256sum | cut -c1-16)

if [ "${FORCE_BUILD:-0}" != 1 ]; then
  if present "$IMAGE"; then
    have=$(docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$IMAGE")
    if [ -z "$have" ] || [ "$have" = "$recipe" ]; then
      log "$IMAGE is already here${have:+ (stand-in, recipe $have)}"
      exit 0
    fi
    log "$IMAGE is a stand-in from another recipe ($have, now $recipe); rebuilding"
  elif pull "$IMAGE"; then
    log "pulled the official $IMAGE"
    exit 0
  else
    log "$IMAGE cannot be pulled here; building the stand-in from $CONTEXT"
  fi
fi

base=${LOCALSTACK_BASE_IMAGE:-$(DEFAULT_BASE_IMAGE=$OFFICIAL_BASE PULL_TIMEOUT=$PULL_TIMEOUT \
  scripts/stand-in-base-image.sh)}
log "building $IMAGE on $base (about 2-3 minutes the first time)"
start=$SECONDS
build_log=$(mktemp "${TMPDIR:-/tmp}/localstack-image.XXXXXX")
trap 'rm -f "$build_log"' EXIT
# Classic builder syntax only; every step on the host network (no bridge on CI's engine).
if ! docker build --network host --build-arg BASE_IMAGE="$base" \
  --label "$RECIPE_LABEL=$recipe" -t "$IMAGE" "$CONTEXT" >"$build_log" 2>&1; then
  log "docker build failed; last lines of its output:"
  tail -n 40 "$build_log" >&2
  exit 1
fi
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
log "built $IMAGE in $((SECONDS - start)) s: $((size / 1000000)) MB (recipe $recipe)"
