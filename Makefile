# Every user-facing action of the suite. `make` alone prints the targets.
# Targets live in make/*.mk by area; a `## ` comment after a target is its help line.
SHELL := /bin/bash
.DEFAULT_GOAL := help
env ?= local

include make/*.mk

.PHONY: help
help: ## Show every target with one line of help
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort -u | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-28s\033[0m %s\n", $$1, $$2}'
