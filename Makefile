# The two commands a new machine needs: `make up` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STATE  ?= .nubes-state

.PHONY: up test fuzz install install-test keystone-venv clean libvirt-deps

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
test: install-test libvirt-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The libvirt/QEMU compute driver's system packages and daemons (see
# docs/compute/libvirt.md). Idempotent and quiet when everything is there:
# installs the Debian packages, the libvirt Python binding into $(VENV)
# (the libvirt-python wheel, built against libvirt-dev), the libvirt-qemu user
# and kvm group, and starts virtlogd and libvirtd when they are not running.
LIBVIRT_DEBS = qemu-system-x86 qemu-utils libvirt-daemon libvirt-daemon-driver-qemu \
	libvirt-clients libvirt-dev pkg-config gcc python3-dev \
	linux-image-cloud-amd64 busybox-static cpio genisoimage
libvirt-deps: $(BIN)/python
	@missing=$$(for p in $(LIBVIRT_DEBS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "libvirt-deps: installing $$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $$missing) >/tmp/nubes-libvirt-apt.log 2>&1 \
	        || { tail -30 /tmp/nubes-libvirt-apt.log; exit 1; }; \
	fi
	@$(BIN)/python -c 'import libvirt' 2>/dev/null || \
	    $(BIN)/pip install --quiet 'libvirt-python>=9,<12'
	@getent group kvm >/dev/null || groupadd --system kvm
	@getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	@getent passwd libvirt-qemu >/dev/null || \
	    useradd --system --no-create-home --home-dir /var/lib/libvirt \
	        --shell /usr/sbin/nologin --gid libvirt-qemu --groups kvm libvirt-qemu
	@mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/images /var/run/libvirt
	@pgrep -x virtlogd >/dev/null || virtlogd -d
	@pgrep -x libvirtd >/dev/null || libvirtd -d
	@for _ in $$(seq 1 30); do virsh -c qemu:///system version >/dev/null 2>&1 && exit 0; sleep 1; done; \
	    echo "libvirt-deps: libvirtd does not answer on qemu:///system" >&2; exit 1
# The long hostile-input run (docs/testing.md): FUZZ_ARGS="--examples 5000 --backend mysql"
fuzz: install-test
	$(BIN)/python -m tests.fuzz.run_long $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) $(KEYSTONE_VENV) $(STATE) .pytest_cache
