# Monitoring: drift reports, dashboards as code, Prometheus rules.
.PHONY: dashboards check-monitoring bench-drift

dashboards: install ## Regenerate grafana/dashboards/*.json from packages/dashboards (commit the result)
	npm run generate -w @churn/dashboards

check-monitoring: ## Check the alert rules and both Prometheus configs with promtool
	promtool check rules prometheus/rules/churn.rules.yml
	promtool check config prometheus/prometheus.local.yml
	node --experimental-vm-modules --no-warnings node_modules/jest/bin/jest.js --config jest.unit.config.js packages/dashboards

bench-drift: install ## Drift report time for 20,000 rows beside Evidently's DataDriftPreset
	npm run bench -- drift
