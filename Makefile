# The kit's verbs. Every verb runs setup.sh first (idempotent, fast when nothing changed).
PY := .venv/bin/python
SETUP := bash setup.sh

.PHONY: setup train test
setup:
	@$(SETUP)

train: setup
	@cd solution && ../$(PY) -m train_reference

test: setup
	@$(PY) -m pytest -q tests
