# The kit's verbs. Every verb runs setup.sh first (idempotent, fast when nothing changed).
PY := .venv/bin/python
SETUP := bash setup.sh
SUBMISSION ?= solution
RESULTS ?= results.json
SUBMISSIONS ?=
JOBS ?= $(shell nproc)

.PHONY: setup train test grade check stencil expected release grade-all report gradescope bench

setup:
	@$(SETUP)

# Train the reference simple and advanced models on MNIST; the last three lines are parsed.
train: setup
	@$(PY) scripts/train_reference.py

test: setup
	@$(PY) -m pytest -q tests

# Grade one submission (folder or .zip) into Gradescope's results.json, and print the report.
grade: setup
	@$(PY) -m autograder grade $(SUBMISSION) --results $(RESULTS)

# The student's verb: the public items only.
check: setup
	@$(PY) -m autograder grade $(SUBMISSION) --results $(RESULTS) --public-only

# Regenerate stencil/ from the solution's markers.
stencil: setup
	@$(PY) scripts/make_stencil.py

# Re-execute the notebook on the solution and rewrite every Expected Output block.
expected: setup
	@$(PY) scripts/build_notebook.py --expected

# Build the student handout (dist/student/, dist/student.zip) and Gradescope's dist/autograder.zip.
release: setup
	@$(PY) scripts/build_release.py

# Regrade a class: each folder or .zip in SUBMISSIONS, JOBS at a time, into SUBMISSIONS/gradebook/
# (gradebook.csv, each results.json, and the class report report.html).
grade-all: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=dir [JOBS=n]" >&2; exit 2; }
	@$(PY) -m autograder grade-all $(SUBMISSIONS) --jobs $(JOBS) --out $(SUBMISSIONS)/gradebook

# Rebuild SUBMISSIONS/gradebook/report.html from the kept results, without regrading.
report: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make report SUBMISSIONS=dir" >&2; exit 2; }
	@$(PY) -m autograder report $(SUBMISSIONS) --out $(SUBMISSIONS)/gradebook


# Grade one submission exactly as Gradescope would, from the built zip, in Gradescope's
# default limits (0.5 CPU, 768 MB) unless CPUS= or MEMORY= say otherwise (0: none).
CPUS ?=
MEMORY ?=
gradescope: release
	@scripts/gradescope_local.sh $(if $(CPUS),--cpus $(CPUS)) $(if $(MEMORY),--memory $(MEMORY)) \
		$(SUBMISSION) $(RESULTS)

BENCH_ARGS ?=
# Time a grade, a check, a grade in Gradescope's container (0.5 CPU, 768 MB) and a Beras
# training epoch against PyTorch (.venv-bench); the last eight lines are parsed.
bench: setup
	@bash benchmarks/bench.sh $(BENCH_ARGS)
