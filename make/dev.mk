# Developer targets: dependencies, checks, tests.
.PHONY: install lint typecheck supply-chain test test-unit test-int

# npm writes node_modules/.package-lock.json after every install, so it is newer than the lock
# unless the lock changed since (a pull, a checkout); scripts/npm-add.sh keeps both current. The
# lock file serializes with npm-add.sh: npm ci replaces node_modules.
# An interrupted npm ci recovers by itself: it deletes node_modules (the stamp too) first and writes
# the stamp last, and a stamp older than the lock means npm ci again (test/ops/install-recovery).
node_modules/.package-lock.json: package-lock.json
	flock /tmp/churn-npm.lock npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## Install npm dependencies from the lock (skipped when current)

lint: install ## Lint every workspace (ESLint + typescript-eslint)
	npm run lint

typecheck: install ## Type-check every workspace (tsc --noEmit, strict)
	npm run typecheck

supply-chain: install ## Licence gate (allow list licences.json) and CycloneDX SBOM of the production npm deps (.stack/sbom/sbom.cdx.json)
	scripts/supply-chain.sh

test-unit: install ## Run the unit tests only (no services needed)
	npm run test:unit

test-int: install ## Run the integration tests against the running native stack (make up-local first)
	npm run test:int

test: ## Run every check: npm and Python deps, native stack, lint, typecheck, unit, integration, e2e tests
	scripts/test.sh
