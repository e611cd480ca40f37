# Container images, docker compose with LocalStack, ECR and CloudFormation on AWS.
# Included by the Makefile (VENV, BIN and the venv target come from there). See docs/docker.md
# and docs/aws.md.
.PHONY: base-image localstack-image compose images up down logs push deploy destroy test-e2e

IMAGE_PREFIX ?= thermostat
IMAGE_TAG ?= latest
STACK_NAME ?= thermostat
# Compose v2 (`make compose` installs Debian trixie's package where it is missing).
COMPOSE ?= docker compose
# Free LocalStack cannot run image functions: the local data plane service runs them,
# unless a LocalStack auth token is set (then LocalStack runs them itself).
PROFILES = $(if $(LOCALSTACK_AUTH_TOKEN),,dataplane)
COMPOSE_ENV = COMPOSE_PROJECT_NAME=thermostat
# Passed to the scripts per recipe, not exported: the other targets' tests must not see them.
DOCKER_ENV = IMAGE_PREFIX=$(IMAGE_PREFIX) IMAGE_TAG=$(IMAGE_TAG) STACK_NAME=$(STACK_NAME)

base-image: ## Start a Docker engine if none answers, and make a Python 3.13 base image available
	scripts/docker-engine.sh start
	scripts/stand-in-base-image.sh

localstack-image: ## Make localstack/localstack:4.14.0 available: pulled, or a stand-in built here
	scripts/docker-engine.sh start
	scripts/localstack-image.sh

compose: ## Make `docker compose` (v2) available: Debian trixie's docker-compose where missing
	scripts/compose-v2.sh

images: ## Start a Docker engine if none answers, build both images (single-platform), print sizes
	scripts/docker-engine.sh start
	$(DOCKER_ENV) scripts/build-images.sh

up: localstack-image compose ## docker compose up: LocalStack, the stack, the data plane; prints URL and keys
	$(DOCKER_ENV) $(COMPOSE_ENV) COMPOSE_PROFILES=$(PROFILES) scripts/compose-up.sh $(COMPOSE)

down: compose ## Stop and remove the compose stack (LocalStack state included)
	$(DOCKER_ENV) $(COMPOSE_ENV) $(COMPOSE) --profile dataplane down --volumes --remove-orphans

logs: compose ## Follow the compose stack's logs
	$(DOCKER_ENV) $(COMPOSE_ENV) $(COMPOSE) --profile dataplane logs --follow

push: venv images ## Push both images to ECR tagged by git commit, then point the functions at them
	$(DOCKER_ENV) $(BIN)/python scripts/push.py

deploy: venv ## Deploy infra/template.yaml to AWS with the pushed images; print the URL and Pi config
	$(DOCKER_ENV) $(BIN)/python scripts/deploy.py deploy

destroy: venv ## Delete the AWS stack (the ECR repositories are kept)
	$(DOCKER_ENV) $(BIN)/python scripts/deploy.py destroy

test-e2e: venv ## Images, then the Docker end-to-end tests on moto and on compose + LocalStack
	$(DOCKER_ENV) BIN=$(BIN) scripts/test-e2e.sh $(PYTEST_ARGS)
