# The suite as containers: docker-compose.model-registry.yml (storage, Temporal, registry, worker,
# nginx) and docker-compose.serve.yml (predictors, simulator, Prometheus, Grafana). They need a Docker
# engine; `make lint-ops` validates them without one. env=local|cloud picks .env.$(env).
.PHONY: run_tests reset_all setup-model-registry init_aws apply-model-train-flow setup-model-serve \
	apply-prediction-reporting stop-serve start-serve promote compose-config _check-env deploy-check \
	nginx-htpasswd _deploy-ready

COMPOSE_CLI := $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo "$(CURDIR)/.stack/bin/docker-compose")
# Interpolation reads the env file (and the VM's uncommitted .env.secrets); localstack only runs locally.
COMPOSE_FLAGS = --env-file .env.$(env) $(if $(wildcard .env.secrets),--env-file .env.secrets) $(if $(filter local,$(env)),--profile local)
# The cloud profile adds an override per file: no published port but nginx's (TLS and credentials).
REGISTRY_FILES = -f docker-compose.model-registry.yml $(if $(filter cloud,$(env)),-f docker-compose.model-registry.cloud.yml)
SERVE_FILES = -f docker-compose.serve.yml $(if $(filter cloud,$(env)),-f docker-compose.serve.cloud.yml)
REGISTRY_COMPOSE = ENV=$(env) $(COMPOSE_CLI) $(REGISTRY_FILES) $(COMPOSE_FLAGS)
SERVE_COMPOSE = ENV=$(env) $(COMPOSE_CLI) $(SERVE_FILES) $(COMPOSE_FLAGS)
ALL_COMPOSE = ENV=$(env) $(COMPOSE_CLI) $(REGISTRY_FILES) $(SERVE_FILES) $(COMPOSE_FLAGS)
# The workflow CLI (workflows/src/cli.ts) inside the worker container; -T: no TTY needed (CI, ssh).
WORKFLOW_CLI = $(REGISTRY_COMPOSE) exec -T worker node --import tsx src/cli.ts
trials ?= 50

_check-env:
	@case "$(env)" in local|cloud) ;; *) echo "env must be local or cloud, got '$(env)'" >&2; exit 2 ;; esac
	@test -f .env.$(env) || { echo ".env.$(env) is missing" >&2; exit 2; }

deploy-check: _check-env ## Refuse to deploy env=cloud with a missing, empty or default secret, naming each (env=local: nothing to check)
	scripts/ops/deploy-check.sh $(env)

nginx-htpasswd: _check-env ## Write nginx's basic-auth file .secrets/nginx.htpasswd from NGINX_AUTH_USERNAME/NGINX_AUTH_PASSWORD (.env.secrets)
	scripts/ops/nginx-htpasswd.sh $(env) .secrets/nginx.htpasswd

# What starts containers checks the secrets first; in the cloud, nginx's htpasswd is written from them.
_deploy-ready: deploy-check
ifeq ($(env),cloud)
	scripts/ops/nginx-htpasswd.sh $(env) .secrets/nginx.htpasswd
endif

compose-config: _check-env ## Validate both compose files, alone and merged, for env=local|cloud (no engine needed)
	$(REGISTRY_COMPOSE) config --quiet
	$(SERVE_COMPOSE) config --quiet
	$(ALL_COMPOSE) config --quiet

run_tests: test-unit compose-config ## Run the unit tests and validate the compose files
reset_all: _check-env ## Stop both compose stacks and DELETE their volumes (databases, buckets, reports)
	$(ALL_COMPOSE) down --volumes --remove-orphans

setup-model-registry: _deploy-ready ## Build and start the registry stack (env=local|cloud) and wait until healthy
	$(REGISTRY_COMPOSE) up --build --detach --wait --wait-timeout 900

init_aws: _deploy-ready ## Create buckets and streams and upload the dataset snapshot (localstack, or AWS for env=cloud)
ifeq ($(env),local)
	$(REGISTRY_COMPOSE) up --detach --wait --wait-timeout 300 localstack
endif
	$(REGISTRY_COMPOSE) run --rm --no-deps localstack-init

apply-model-train-flow: _check-env ## Run the tuning workflow now (trials=50) on the compose worker and print the best RUN_ID
	$(WORKFLOW_CLI) train-now --trials $(trials)

apply-prediction-reporting: _check-env ## Create or update the schedules: drift report (DRIFT_REPORT_EVERY) and daily tuning
	$(WORKFLOW_CLI) apply-schedules

setup-model-serve: _deploy-ready ## Build and start the serving stack (env=local|cloud) and wait until healthy
	$(SERVE_COMPOSE) up --build --detach --wait --wait-timeout 900

stop-serve: _check-env ## Stop the serving stack (containers kept)
	$(SERVE_COMPOSE) stop

# The predictors are recreated because `git pull` replaces the env file, and a single-file bind
# mount would keep showing the old one.
start-serve: _deploy-ready ## Start the serving stack and recreate the predictors on the current RUN_ID
	$(SERVE_COMPOSE) up --detach --wait --wait-timeout 600
	$(SERVE_COMPOSE) up --detach --wait --wait-timeout 600 --no-deps --force-recreate predictor-api predictor-stream

promote: _check-env ## Serve another model: make promote RUN_ID=<run id> env=local|cloud
	scripts/ops/promote.sh "$(RUN_ID)" "$(env)"
