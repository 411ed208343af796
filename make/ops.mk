# Operations checks: compose files, Dockerfile, GitHub workflows and shell scripts, with real tools
# installed pinned under .stack/bin.
.PHONY: install-linters lint-ops image-dry-run

install-linters: ## Install the pinned ops linters (hadolint, shellcheck, actionlint, docker compose, helm, kubeconform + Kubernetes schemas) into .stack/bin
	scripts/ops/install-linters.sh

lint-ops: ## Validate compose files (alone and merged), Dockerfile, workflows, shell scripts and the Helm chart (lint, render, Kubernetes schemas)
	scripts/ops/lint-ops.sh

image-dry-run: ## Replay the Dockerfile's npm ci, typecheck and prune here and start each service from the pruned tree (no engine needed)
	scripts/ops/image-dry-run.sh
