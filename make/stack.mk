# The native local stack: real services on loopback, no Docker (scripts/stack/).
.PHONY: up-local down-local status-local install-local restart-local

install-local: ## Install the native stack's pieces (apt packages, temporal, rclone, FerretDB, libxgboost) under .stack/
	scripts/stack/install.sh

up-local: install ## Install what is missing, start the native stack, seed buckets, streams and the snapshot
	scripts/stack/up.sh

down-local: ## Stop every process the native stack started (pid files in .stack/run)
	scripts/stack/down.sh

status-local: ## Show the health of every service of the native stack
	scripts/stack/status.sh

restart-local: ## Restart one service of the native stack, e.g. after changing its code: make restart-local svc=registry
	@test -n "$(svc)" || { echo "usage: make restart-local svc=<service>"; exit 2; }
	scripts/stack/down.sh $(svc)
	scripts/stack/up.sh
