# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STATE  ?= .nubes-state

.PHONY: up test install install-test keystone-venv clean

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

# A real Keystone for tests/integration/keystone, in a venv of its own:
# keystone pins its own dependencies, which must not move nubes' .venv.
# The tests start it themselves (gunicorn, SQLite, fernet tokens) and fail
# when this venv is missing.
KEYSTONE_VENV    ?= .venv-keystone
KEYSTONE_VERSION ?= 30.0.0
$(KEYSTONE_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(KEYSTONE_VENV)
	$(KEYSTONE_VENV)/bin/pip install --quiet --upgrade pip
	$(KEYSTONE_VENV)/bin/pip install --quiet 'keystone==$(KEYSTONE_VERSION)' 'gunicorn>=22,<28'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test $(KEYSTONE_VENV)/.installed
keystone-venv: $(KEYSTONE_VENV)/.installed

# ARGS goes to `nubes up`: make up ARGS="--compute-port 18774 --hosts-per-cell 4"
up: install
	$(BIN)/nubes up --state-dir $(STATE) $(ARGS)

# PYTEST_ARGS lets CI or a developer narrow or widen the run.
test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(KEYSTONE_VENV) $(STATE) .pytest_cache
