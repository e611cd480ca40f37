#!/bin/bash
# Entrypoint of the stand-in localstack/localstack:4.14.0 image (see docs/docker.md and the
# Dockerfile beside it). It does what the official image's entrypoint does:
#   1. LOCALSTACK_<NAME>=value is also exported as <NAME>=value (except LOCALSTACK_HOST*,
#      LOCALSTACK_HOSTNAME and LOCALSTACK_<digit>...), so LOCALSTACK_SERVICES works like SERVICES;
#   2. the BOOT init hooks (/etc/localstack/init/boot.d) run before LocalStack starts;
#   3. LocalStack runs under localstack-supervisor (from the localstack-core wheel), with exec so
#      that docker stop's SIGTERM reaches it.
set -eo pipefail
shopt -s nullglob

echo "LocalStack 4.14.0 stand-in image: localstack-core from PyPI, Java and tools from Debian," \
  "DynamoDB Local from npm; nothing is downloaded at run time."

for name in $(compgen -e); do
  case "$name" in
    LOCALSTACK_HOST* | LOCALSTACK_[0-9]*) ;;
    LOCALSTACK_?*) export "${name#LOCALSTACK_}=${!name}" ;;
  esac
done

mkdir -p /var/lib/localstack/logs

# shellcheck disable=SC1091
source /opt/code/localstack/.venv/bin/activate

if [ -d /etc/localstack/init/boot.d ]; then
  python3 -m localstack.runtime.init BOOT
fi

exec localstack-supervisor
