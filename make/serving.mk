# Serving on the native stack: the predictors and the simulator as local processes (make up-local
# first). Each reads ENV_FILE (default .env.$(env)) and, for the predictors, follows RUN_ID in it.
.PHONY: serve-api serve-stream simulate bench-serving

replicas ?= 1
serve-api: ## Run the HTTP predictor on PREDICTOR_API_PORT (9696) in the foreground; replicas=N: N copies on 9711.. behind an nginx on 9696
	ENV_FILE=$${ENV_FILE:-$(CURDIR)/.env.$(env)} scripts/serve-api.sh $(replicas)

serve-stream: ## Run the Kinesis stream predictor (health/metrics on 9697) in the foreground
	cd services/predictor-stream && ENV_FILE=$${ENV_FILE:-$(CURDIR)/.env.$(env)} npm start

simulate: ## Replay real customers to the predictors (SIMULATOR_RATE_PER_SEC=5 make simulate)
	cd services/simulator && ENV_FILE=$${ENV_FILE:-$(CURDIR)/.env.$(env)} npm start

bench-serving: ## Benchmark /predict against bare Express, the stream predictor and RSS
	npm run bench -- predictor-api/bench/predict
