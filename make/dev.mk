# Developer targets: dependencies, checks, tests.
.PHONY: install lint typecheck test test-unit test-int

node_modules/.package-lock.json: package.json package-lock.json $(wildcard */*/package.json) workflows/package.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json ## Install npm dependencies from the lock (skipped when current)

lint: install ## Lint every workspace (ESLint + typescript-eslint)
	npm run lint

typecheck: install ## Type-check every workspace (tsc --noEmit, strict)
	npm run typecheck

test-unit: install ## Run the unit tests only (no services needed)
	npm run test:unit
