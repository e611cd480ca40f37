#!/usr/bin/env bash
# Build the ingest and stream images (single-platform) and report their sizes.
#   BASE_IMAGE    base to build FROM (default: python:3.13-slim, or the local stand-in
#                 when that cannot be pulled; see scripts/stand-in-base-image.sh)
#   IMAGE_PREFIX  image names are <prefix>-ingest and <prefix>-stream (default thermostat)
#   IMAGE_TAG     tag (default latest)
#   PLATFORM      e.g. linux/arm64 (default: the engine's own platform)
# Lambda rejects manifest lists, so buildx builds with --provenance=false and --load.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${IMAGE_PREFIX:-thermostat}
TAG=${IMAGE_TAG:-latest}
BASE_IMAGE=${BASE_IMAGE:-$(scripts/stand-in-base-image.sh)}

build() {
  local dockerfile=$1 image=$2
  local args=(--network host --build-arg "BASE_IMAGE=$BASE_IMAGE" -f "$dockerfile" -t "$image")
  [ -z "${PLATFORM:-}" ] || args+=(--platform "$PLATFORM")
  echo "building $image from $dockerfile (base $BASE_IMAGE)" >&2
  if docker buildx version >/dev/null 2>&1; then
    docker buildx build --provenance=false --load "${args[@]}" . >&2
  else
    docker build -q "${args[@]}" . >/dev/null
  fi
}

megabytes() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1000000 }'; }

build Dockerfile.ingest "$PREFIX-ingest:$TAG"
build Dockerfile.stream "$PREFIX-stream:$TAG"

printf '%-28s %16s %16s\n' image uncompressed gzip-compressed
for image in "$PREFIX-ingest:$TAG" "$PREFIX-stream:$TAG"; do
  raw=$(docker image inspect -f '{{.Size}}' "$image")
  packed=$(docker save "$image" | gzip -c | wc -c)
  printf '%-28s %13s MB %13s MB\n' "$image" "$(megabytes "$raw")" "$(megabytes "$packed")"
done
