# reanalyse: the two commands are `make run` and `make test`.
# Both build .venv first from a Python >= 3.12, found on PATH or through pyenv.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test venv clean bench

#: the example project `make run` runs (the IIM review)
PROJECT := examples/iim2023

run: $(STAMP)
	$(VENV)/bin/reanalyse run --project $(PROJECT) --jobs 2

#: the tests run on this many processes (pytest-xdist), whole files to one process
TEST_WORKERS ?= 2

test: $(TEST_STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	$(PY) benchmarks/bench_frequentist.py

venv: $(STAMP)

$(STAMP): pyproject.toml
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  PYTHON=$$(sh .ci/find-python); \
	  echo "Building $(VENV) with $$PYTHON"; \
	  "$$PYTHON" -m venv $(VENV); \
	fi; \
	echo "Installing reanalyse and its dependencies into $(VENV) (uv with pip's settings, else pip)"; \
	$(PY) .ci/install; \
	touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	@echo "Installing the test dependencies into $(VENV) (reanalyse[test])"
	@$(PY) .ci/install --test
	touch $(TEST_STAMP)

clean:
	rm -rf $(VENV)
