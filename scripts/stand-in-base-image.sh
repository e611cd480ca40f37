#!/usr/bin/env bash
# Print the name of a Python 3.13 base image the Dockerfiles can build FROM (idempotent).
# 1. the official image (python:3.13-slim) if it is present or can be pulled;
# 2. otherwise a stand-in built locally: Debian trixie (Python 3.13) from debootstrap,
#    with the host's CA bundle so TLS through the host's network path verifies.
#    python3-venv is enough for pip: its ensurepip wheel puts pip in each venv.
# Only the base image is swapped (BASE_IMAGE build argument); the Dockerfiles stay standard.
# Progress goes to stderr; stdout is only the image name, for BASE_IMAGE=$(...).
set -euo pipefail

DEFAULT_IMAGE=${DEFAULT_BASE_IMAGE:-python:3.13-slim}
STAND_IN=${STAND_IN_IMAGE:-thermostat-base:trixie}
SUITE=${STAND_IN_SUITE:-trixie}
PULL_TIMEOUT=${PULL_TIMEOUT:-300}  # a failed pull (no registry) fails in seconds
HOST_CA=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

log() { printf 'base-image: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
present() { docker image inspect "$1" >/dev/null 2>&1; }

# shellcheck source=scripts/lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"

if present "$DEFAULT_IMAGE"; then echo "$DEFAULT_IMAGE"; exit 0; fi
if [ "${FORCE_STAND_IN:-0}" != 1 ]; then
  log "pulling $DEFAULT_IMAGE (up to ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q "$DEFAULT_IMAGE" >/dev/null 2>&1; then
    echo "$DEFAULT_IMAGE"; exit 0
  fi
  log "$DEFAULT_IMAGE cannot be pulled here; using a stand-in"
fi
if present "$STAND_IN"; then echo "$STAND_IN"; exit 0; fi

command -v debootstrap >/dev/null || {
  log "installing debootstrap"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/thermostat-rootfs.XXXXXX")
trap 'as_root rm -rf "$ROOT"' EXIT
MIRROR=$(debian_mirror)
log "debootstrap $SUITE from $MIRROR into $ROOT (about a minute)"
as_root debootstrap --variant=minbase \
  --include=python3,python3-venv,ca-certificates \
  "$SUITE" "$ROOT" "$MIRROR" >"$ROOT.log" 2>&1 || {
  log "debootstrap failed; last lines of $ROOT.log:"; tail -n 20 "$ROOT.log" >&2; exit 1
}
rm -f "$ROOT.log"
if [ -r "$HOST_CA" ]; then as_root cp "$HOST_CA" "$ROOT/etc/ssl/certs/ca-certificates.crt"; fi
# Package caches, docs and translations are not needed in an image (the official
# slim images drop them too); they are a third of the rootfs.
as_root rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/* \
  "$ROOT"/var/log/* "$ROOT"/usr/share/doc/* "$ROOT"/usr/share/man/* \
  "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/*
log "importing as $STAND_IN"
as_root tar -C "$ROOT" --numeric-owner -c . | docker import \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["python3"]' \
  --message "stand-in for $DEFAULT_IMAGE: debootstrap $SUITE minbase + python3" \
  - "$STAND_IN" >/dev/null
echo "$STAND_IN"
