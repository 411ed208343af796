# The MLflow-compatible registry (services/registry): run it alone, test it, check it against the
# real MLflow Python clients. `make up-local` starts it with the rest of the native stack.
.PHONY: registry test-registry test-registry-compat

registry: ## Run the registry in the foreground (port REGISTRY_PORT, default 5051; env from .env.local)
	npx tsx services/registry/src/main.ts

test-registry: ## Unit and integration tests of the registry (needs PostgreSQL and S3 of the native stack)
	node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --config jest.unit.config.js services/registry
	node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --config jest.int.config.js --runInBand services/registry

test-registry-compat: ## The real MLflow 2.22 and 3.x Python clients against the registry (builds .stack/py/mlflow{2,3})
	node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --config jest.int.config.js services/registry/src/compat.int.test.ts
