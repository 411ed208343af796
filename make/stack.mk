# The native local stack: real services on loopback, no Docker (scripts/stack/).
.PHONY: up-local down-local status-local install-local

install-local: ## Install the native stack's pieces (apt packages, temporal, rclone, FerretDB) under .stack/
	scripts/stack/install.sh

up-local: install ## Install what is missing, start the native stack, seed buckets, streams and the snapshot
	scripts/stack/up.sh

down-local: ## Stop every process the native stack started (pid files in .stack/run)
	scripts/stack/down.sh

status-local: ## Show the health of every service of the native stack
	scripts/stack/status.sh
