# The whole suite on this machine, as a new user meets it.
.PHONY: demo

demo: install install-local ## Stack, 50-trial tuning through Temporal, promotion, predictors, simulators, drift report; Ctrl-C stops all
	node --import tsx scripts/demo/main.ts
