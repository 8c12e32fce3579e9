# Two commands do everything on a fresh machine:
#   make demo   - virtualenv, install, reference data, demo data, all wellbeing-area reports
#   make test   - virtualenv, install, the whole test suite (notebooks and browser included)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lab install bytecode reference reference-fetch reference-snapshot clean bench fuzz screenshots

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (sote-analytics)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

# The package's bytecode, written once: where PYTHONDONTWRITEBYTECODE is set (many CI images and sandboxes),
# every process would otherwise compile the package's sources again (0.2 s each command line, report worker
# and test subprocess). Python reads these files whatever that variable says, and recompiles a changed module.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 src >/dev/null

# Reference data: $SOTE_REFERENCE_DIR if set, else a complete download cache, else the snapshot
# embedded in the package (no network needed). Download with `make reference-fetch`.
reference: $(STAMP) bytecode
	$(BIN)/sote-analytics reference check --year 2025

reference-fetch: $(STAMP)
	$(BIN)/sote-analytics reference fetch --year 2025

reference-snapshot: $(STAMP)
	$(BIN)/python scripts/build_reference_snapshot.py --source $${SOTE_REFERENCE_DIR:-../shared/reference} --year 2025

demo: reference
	$(BIN)/sote-analytics run-demo --year 2025

test: $(STAMP) bytecode
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=25

lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab explore.ipynb

clean:
	rm -rf data/processed/* reports/* data/raw/demo

# `make bench` measures everything and rewrites README.md's performance table from bench/results/;
# `make bench BENCH_ARGS=--quick` is a smoke run (small inputs; the table is not changed).
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)
	$(BIN)/python scripts/perf_table.py

# A long fuzzing run of every fuzz module (tests/test_fuzz_*.py: hostile files, every command's arguments,
# real names, surveys and references); CI runs a bounded number of examples. SOTE_FUZZ_FIGURES=path writes
# the command lines tried by command and exit status.
fuzz: $(STAMP)
	SOTE_FUZZ_EXAMPLES=$${SOTE_FUZZ_EXAMPLES:-500} $(BIN)/python -m pytest tests/test_fuzz_*.py -q -p no:randomly

# docs/report_*.png: the Keski-Suomi report from the demo data on a desktop, on a phone and printed (page 1).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py --out-dir docs
