# Two commands do all set-up on a fresh machine: `make start` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS_VENV := .venv-tools
# The shared layer and the local runtime are imported from the source tree, as Lambda imports the layer.
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)/scripts:$(CURDIR)
export AWS_DEFAULT_REGION ?= us-east-1
# The tools must not try to reach the network (no telemetry, no update checks).
export SAM_CLI_TELEMETRY := 0
export CKV_SKIP_PACKAGE_UPDATE_CHECK := true

.PHONY: install tools system-deps start invoke test test-fast test-browser lint build validate bench soak clean vendor-web

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

install: $(VENV)/.installed

# SAM CLI pins its own boto3/pydantic: it lives in a venv of its own (see docs/DECISIONS.md).
$(TOOLS_VENV)/.installed: requirements-tools.lock
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install -q --disable-pip-version-check --upgrade pip
	$(TOOLS_VENV)/bin/pip install -q --disable-pip-version-check -r requirements-tools.lock
	touch $@

tools: $(TOOLS_VENV)/.installed

start: install
	$(PY) -m localrun

# Run one function once with a sample event, without Docker: make invoke FUNCTION=HealthFunction EVENT=events/health.json
invoke: install
	$(PY) -m localrun.invoke $(FUNCTION) $(EVENT)

test: install
	$(PY) -m pytest

# Debian packages some tests use: Chromium (browser tests; never `playwright install`, which downloads a
# browser build), poppler-utils and zbar-tools (a ticket PDF's text and QR read back as a person's scanner
# would). Installed when missing and we are root with apt; otherwise those tests skip with a reason.
SYSTEM_PACKAGES := chromium chromium-driver poppler-utils zbar-tools
system-deps:
	@missing=""; \
	for tool in chromium pdftotext zbarimg; do command -v $$tool >/dev/null 2>&1 || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else \
	    echo "missing:$$missing (Debian packages: $(SYSTEM_PACKAGES)); the tests that need them will skip" >&2; \
	  fi; \
	fi

# Only the browser tests, with a missing Chromium a failure instead of a skip.
CHROMIUM ?= /usr/bin/chromium
test-browser: install system-deps
	CHROMIUM_PATH=$(CHROMIUM) REQUIRE_BROWSER=1 $(PY) -m pytest tests/browser

# Refresh the browser libraries vendored under clients/web/static/vendor/ from clients/web/package-lock.json
# (uPlot for the console's charts, jsQR for the door scanner); the pages need no build step.
vendor-web:
	cd clients/web && npm ci --ignore-scripts --no-audit --no-fund
	$(PYTHON) scripts/vendor_web.py

lint: install tools
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TOOLS_VENV)/bin/sam validate --lint --template template.yaml
	$(TOOLS_VENV)/bin/cfn-lint template.yaml
	$(TOOLS_VENV)/bin/checkov --quiet --compact --framework cloudformation --file template.yaml --config-file .checkov.yaml

build: tools
	$(TOOLS_VENV)/bin/sam build --template template.yaml --cached --parallel

bench: install
	$(PY) -m bench

# Mixed traffic through the local runtime for SOAK_SECONDS (10 minutes by default), then its figures and
# invariants; fails on a 5xx, a request with no answer or a broken invariant. CI runs SOAK_SECONDS=60.
SOAK_SECONDS ?= 600
soak: install
	SOAK_SECONDS=$(SOAK_SECONDS) $(PY) -m bench.soak

clean:
	rm -rf .aws-sam build
