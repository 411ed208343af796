# Temporal workflows on this machine (native stack): the worker, the schedules, tuning runs.
# The CLI is workflows/src/cli.ts; env=local|cloud picks the env file. The compose targets
# (apply-model-train-flow, apply-prediction-reporting in compose.mk) run the same CLI in the worker container.
.PHONY: worker apply-schedules tune best-run

WORKFLOWS_CLI = ENV_FILE=.env.$(env) npx tsx workflows/src/cli.ts

worker: install ## Run the Temporal worker (TEMPORAL_TASK_QUEUE, /metrics on WORKER_METRICS_PORT); Ctrl-C stops it gracefully
	ENV_FILE=.env.$(env) npx tsx workflows/src/worker.ts

apply-schedules: install ## Create or update the schedules "tuning" (TUNING_CRON) and "drift-report" (DRIFT_REPORT_EVERY)
	$(WORKFLOWS_CLI) apply-schedules

tune: install ## Tune through Temporal now (needs `make worker`), follow progress, print the best RUN_ID: make tune [trials=N]
	$(WORKFLOWS_CLI) train-now $(if $(filter command line,$(origin trials)),--trials $(trials))

best-run: ## Print the best RUN_ID: the champion's, else the best finished trial's
	@$(WORKFLOWS_CLI) best-run
