# IDGB pipeline: two commands set up everything on a fresh machine.
#   make run   install, prepare the dbt manifest, materialise every asset, print a summary
#   make test  install, then run the test suite
#   make ui    open the Dagster UI on http://127.0.0.1:$(UI_PORT) (default 3000)

PYTHON ?= python3.11
UI_PORT ?= 3000
VENV ?= .venv
BIN := $(VENV)/bin
# dbt has its own environment, so Dagster loads the definitions without importing dbt-core.
DBT_VENV ?= .venv-dbt
DBT_BIN := $(DBT_VENV)/bin
DATA_DIR ?= $(or $(IDGB_DATA_DIR),$(CURDIR)/data)

# dagster-dbt looks for the dbt executable on PATH when `dagster dev` prepares the manifest.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(DBT_BIN):$(PATH)
export IDGB_DBT_EXECUTABLE ?= $(CURDIR)/$(DBT_BIN)/dbt

# No telemetry or usage statistics from Dagster, dbt or Great Expectations.
export DAGSTER_HOME ?= $(DATA_DIR)/dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := false
export IDGB_DATA_DIR := $(DATA_DIR)

INSTALLED := $(VENV)/.installed
DBT_INSTALLED := $(DBT_VENV)/.installed
MANIFEST := dbt_project/target/manifest.json

.PHONY: run test ui manifest install clean

install: $(INSTALLED) $(DBT_INSTALLED)

# Each environment has its own stamp, so a removed .venv-dbt is built again on its own.
$(INSTALLED): requirements.lock pyproject.toml
	@$(MAKE) --no-print-directory venv ENV_DIR=$(VENV)
	@echo "Afhankelijkheden installeren in $(VENV) (vastgepinde versies uit requirements.lock) …"
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@# An environment made before dbt moved out still holds dbt-core; dagster-dbt would import it.
	@$(BIN)/pip uninstall --quiet --disable-pip-version-check -y dbt-core dbt-duckdb dbt-postgres 2>/dev/null || true
	@touch $@

$(DBT_INSTALLED): requirements-dbt.lock
	@$(MAKE) --no-print-directory venv ENV_DIR=$(DBT_VENV)
	@echo "dbt installeren in $(DBT_VENV) (vastgepinde versies uit requirements-dbt.lock) …"
	$(DBT_BIN)/pip install --quiet --disable-pip-version-check -r requirements-dbt.lock
	@touch $@

# Create the virtualenv ENV_DIR with Python 3.11 when it is missing.
.PHONY: venv
venv:
	@test -x $(ENV_DIR)/bin/python || $(PYTHON) -m venv $(ENV_DIR) || python3 -m venv $(ENV_DIR)
	@$(ENV_DIR)/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "Python 3.11 is nodig (gevonden: $$($(ENV_DIR)/bin/python --version)). Verwijder $(ENV_DIR) en zet PYTHON=<pad naar python3.11>."; exit 1; }

# The manifest is built here, never when Dagster imports the definitions.
manifest: $(INSTALLED) $(DBT_INSTALLED)
	@echo "dbt-manifest voorbereiden …"
	cd dbt_project && ../$(DBT_BIN)/dbt parse --quiet --profiles-dir .

$(DAGSTER_HOME)/dagster.yaml: config/dagster.yaml
	@mkdir -p $(DAGSTER_HOME)
	cp config/dagster.yaml $@

run: manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/idgb run $(if $(VERBOSE),--verbose)

test: manifest
	$(BIN)/pytest

ui: manifest $(DAGSTER_HOME)/dagster.yaml
	@if $(BIN)/python -c 'import socket, sys; s = socket.socket(); sys.exit(s.connect_ex(("127.0.0.1", $(UI_PORT))) != 0)'; then \
		echo "Poort $(UI_PORT) is al in gebruik. Kies een andere: make ui UI_PORT=3001"; exit 1; fi
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

clean:
	rm -rf $(DATA_DIR) dbt_project/target dbt_project/logs
