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

.PHONY: install tools start invoke test test-fast lint build validate bench clean

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

clean:
	rm -rf .aws-sam build
