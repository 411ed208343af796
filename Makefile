# Every user-facing action of the suite. `make` alone prints the targets.
# Targets live in make/*.mk by area; a `## ` comment after a target is its help line.
SHELL := /bin/bash
.DEFAULT_GOAL := help
env ?= local

# Every target runs on the pinned Node.js of .nvmrc: scripts/node-runtime.sh installs it under
# .stack/node when the machine's node is another version, and prints the folder put first on PATH.
NODE_BIN := $(shell scripts/node-runtime.sh)
ifeq ($(NODE_BIN),)
$(error the pinned Node.js of .nvmrc could not be installed; scripts/node-runtime.sh says why)
endif
export PATH := $(NODE_BIN):$(PATH)

include make/*.mk

.PHONY: help node-version
help: ## Show every target with one line of help
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort -u | awk 'BEGIN {FS = ":.*## "} {printf "  \033[36m%-28s\033[0m %s\n", $$1, $$2}'

node-version: ## Print the Node.js version every target runs (pinned in .nvmrc)
	@node --version
