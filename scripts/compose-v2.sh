#!/usr/bin/env bash
# Make `docker compose` (Compose v2) available (idempotent). testcontainers' compose support
# and `make up` use it; Debian 12 packages only docker-compose 1.29 (v1). Debian trixie's
# `docker-compose` package is v2 (2.26.x), depends only on libc6 >= 2.34, and puts the plugin
# in /usr/libexec/docker/cli-plugins/. It is fetched with apt through a trixie source list of
# its own (own lists and cache folders too), so the machine's apt sources stay as they are.
# Environment: DEBIAN_MIRROR (default: the Debian mirror the host's apt uses).
set -euo pipefail

log() { printf 'compose-v2: %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

if docker compose version >/dev/null 2>&1; then exit 0; fi
command -v apt-get >/dev/null || {
  log "no \`docker compose\` and no apt-get: install Docker Compose v2 by hand"
  exit 1
}

# shellcheck source=scripts/lib/debian-mirror.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/debian-mirror.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/compose-v2.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) trixie main" \
  >"$work/trixie.list"
apt_trixie=(apt-get -qq -o APT::Sandbox::User=root
  -o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=$work/parts"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
log "fetching Debian trixie's docker-compose (Compose v2)"
"${apt_trixie[@]}" update
(cd "$work" && "${apt_trixie[@]}" download docker-compose)
deb=$(ls "$work"/docker-compose_*.deb)
as_root env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >/dev/null
docker compose version >/dev/null 2>&1 || {
  log "installed $(basename "$deb"), but \`docker compose\` still does not answer"
  exit 1
}
log "$(docker compose version)"
