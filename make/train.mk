# Training on this machine, without Temporal: one tuning run against the registry in .env.local.
.PHONY: train
trials ?= 50

train: install ## Tune and register a model natively: make train trials=50
	npm run train -- --trials $(trials) --register
