# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-torch verify clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test,cluster]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/grade batch samples/class --roster samples/class-roster.csv --out demo-results
	@echo
	@echo "Open the reports: demo-results/index.html (class summary), demo-results/dashboard.html and demo-results/<learner>/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

# The same tests plus the live PyTorch comparisons (installs the CPU build torch==2.13.0, ~900 MB).
test-torch: $(STAMP)
	$(BIN)/pip install -q -e '.[test,torch]'
	$(BIN)/python -m pytest

verify: $(STAMP)
	$(BIN)/grade verify

bench: $(STAMP)
	$(BIN)/python benchmarks/sandbox_overhead.py
	$(BIN)/python benchmarks/batch_throughput.py --sizes 100 1000
	$(BIN)/python benchmarks/check_latency.py --runs 20

clean:
	rm -rf $(VENV) demo-results
