# Container images, docker compose with LocalStack, ECR and CloudFormation on AWS.
# Included by the Makefile (VENV, BIN and the venv target come from there). See docs/docker.md
# and docs/aws.md.
.PHONY: base-image images up down logs push deploy destroy test-e2e

IMAGE_PREFIX ?= thermostat
IMAGE_TAG ?= latest
STACK_NAME ?= thermostat
# docker compose v2 when the plugin is there, else docker-compose v1 (Debian's 1.29).
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
# Free LocalStack cannot run image functions: the local data plane service runs them,
# unless a LocalStack auth token is set (then LocalStack runs them itself).
PROFILES = $(if $(LOCALSTACK_AUTH_TOKEN),,dataplane)
COMPOSE_ENV = COMPOSE_PROJECT_NAME=thermostat
# Passed to the scripts per recipe, not exported: the other targets' tests must not see them.
DOCKER_ENV = IMAGE_PREFIX=$(IMAGE_PREFIX) IMAGE_TAG=$(IMAGE_TAG) STACK_NAME=$(STACK_NAME)

base-image: ## Start a Docker engine if none answers, and make a Python 3.13 base image available
	scripts/docker-engine.sh start
	scripts/stand-in-base-image.sh

images: ## Build the ingest and stream images (single-platform) and print their sizes
	$(DOCKER_ENV) scripts/build-images.sh

up: ## docker compose up: LocalStack + the stack + the data plane; prints the Function URL
	$(DOCKER_ENV) $(COMPOSE_ENV) COMPOSE_PROFILES=$(PROFILES) scripts/compose-up.sh $(COMPOSE)

down: ## Stop and remove the compose stack (LocalStack state included)
	$(DOCKER_ENV) $(COMPOSE_ENV) $(COMPOSE) --profile dataplane down --volumes --remove-orphans

logs: ## Follow the compose stack's logs
	$(DOCKER_ENV) $(COMPOSE_ENV) $(COMPOSE) --profile dataplane logs --follow

push: venv images ## Push both images to ECR tagged by git commit, then point the functions at them
	$(DOCKER_ENV) $(BIN)/python scripts/push.py

deploy: venv ## Deploy infra/template.yaml to AWS with the pushed images; print the URL and Pi config
	$(DOCKER_ENV) $(BIN)/python scripts/deploy.py deploy

destroy: venv ## Delete the AWS stack (the ECR repositories are kept)
	$(DOCKER_ENV) $(BIN)/python scripts/deploy.py destroy

test-e2e: venv ## Build the images and run the Docker end-to-end tests (starts dockerd if needed)
	$(DOCKER_ENV) BIN=$(BIN) scripts/test-e2e.sh $(PYTEST_ARGS)
