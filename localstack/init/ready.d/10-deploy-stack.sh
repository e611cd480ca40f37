#!/bin/bash
# LocalStack ready.d hook: deploy infra/template.yaml once LocalStack is ready.
# A failure marks this script ERROR in /_localstack/init/ready: the compose healthcheck
# then stays unhealthy, and the data plane (which waits for healthy) never starts.
set -euo pipefail
# LocalStack's own venv has boto3; the system python3 of its image does not.
PYTHON=${LOCALSTACK_PYTHON:-/opt/code/localstack/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
HERE=${THERMOSTAT_INIT_DIR:-/etc/localstack/thermostat}
exec "$PYTHON" "$HERE/deploy_stack.py" --template "${TEMPLATE:-$HERE/template.yaml}"
