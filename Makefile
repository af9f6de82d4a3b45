# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STATE  ?= .nubes-state

.PHONY: up test fuzz install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installed-marker files so repeated runs skip pip when pyproject.toml is unchanged.
# Both install the `clients` extra: the openstack CLI and osc-placement the
# README's quick start uses.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[clients]'
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# ARGS goes to `nubes up`: make up ARGS="--compute-port 18774 --hosts-per-cell 4"
up: install
	$(BIN)/nubes up --state-dir $(STATE) $(ARGS)

# PYTEST_ARGS lets CI or a developer narrow or widen the run.
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The long hostile-input run (docs/testing.md): FUZZ_ARGS="--examples 5000 --backend mysql"
fuzz: install-test
	$(BIN)/python -m tests.fuzz.run_long $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(STATE) .pytest_cache
