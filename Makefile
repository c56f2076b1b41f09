# Border Intelligence Exchange: set-up, run, test.
# `make run` and `make test` do all of the set-up on a fresh machine.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

# Django 6 needs Python 3.12 or newer: take the first interpreter that qualifies.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3; do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run test lint format install migrate seed worker bench stop-db clean messages compilemessages vendor screenshots

$(BIN)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.12 or newer is needed (Django 6); set PYTHON=/path/to/python3.12" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Local development settings, remembered for every later command (manage.py, pytest, celery):
# DEBUG on, a secret key and an audit chain key of this checkout's own. Written once;
# variables in the environment override it. Readable by its owner only (it holds keys).
# Deployments set DEBUG=false, SECRET_KEY and AUDIT_CHAIN_KEY instead.
.env: | $(BIN)/.installed
	@umask 077; $(BIN)/python -c 'import secrets; print("# Local development settings (written by make); the environment overrides them.\nDEBUG=true\nSECRET_KEY=" + secrets.token_urlsafe(50) + "\nAUDIT_CHAIN_KEY=" + secrets.token_urlsafe(50))' > $@
	@echo "wrote .env (DEBUG=true, a generated SECRET_KEY and AUDIT_CHAIN_KEY for local development)"


install: $(BIN)/.installed .env compilemessages

# Translations: the .po catalogues are committed, the .mo files are built from them (GNU gettext).
LANGUAGES := en es fr
# Folders whose strings are not the portal's (tests/portal/test_catalogues.py extracts the same way).
MESSAGES_IGNORE := node_modules static staticfiles tests bench docs
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
compilemessages: $(MO_FILES)
locale/%.mo: locale/%.po
	@command -v msgfmt >/dev/null || { echo "error: GNU gettext is needed to compile translations (apt-get install gettext)" >&2; exit 1; }
	msgfmt --check-format -o $@ $<

# After adding or changing a marked string: refresh the catalogues, then translate the new entries.
messages: $(BIN)/.installed
	$(BIN)/python manage.py makemessages $(addprefix --locale ,$(LANGUAGES)) --no-obsolete \
	  --add-location file $(addprefix --ignore ,$(MESSAGES_IGNORE))
	$(MAKE) compilemessages

# Desktop and phone screenshots of the workspace and the editor into docs/screenshots/ (browser
# tests take them).
screenshots: install
	BIX_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/browser/test_workspace.py \
	  tests/browser/test_report_editor.py tests/browser/test_hit_no_hit.py

# Front-end libraries: exact versions in package.json, copied into static/vendor/ (committed, so
# `make run` needs no npm).
version = $(shell sed -n 's/.*"$(1)": "\(.*\)".*/\1/p' package.json)
HTMX_VERSION := $(call version,htmx.org)
CHARTJS_VERSION := $(call version,chart.js)
LEAFLET_VERSION := $(call version,leaflet)
TOPOJSON_VERSION := $(call version,topojson-client)
ATLAS_VERSION := $(call version,world-atlas)
vendor:
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p static/vendor/htmx.org-$(HTMX_VERSION)
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE static/vendor/htmx.org-$(HTMX_VERSION)/
	mkdir -p static/vendor/chart.js-$(CHARTJS_VERSION)
	# Source maps too: the scripts name them, and the hashed static storage resolves every name.
	cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map node_modules/chart.js/LICENSE.md static/vendor/chart.js-$(CHARTJS_VERSION)/
	mkdir -p static/vendor/leaflet-$(LEAFLET_VERSION)
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images node_modules/leaflet/LICENSE static/vendor/leaflet-$(LEAFLET_VERSION)/
	mkdir -p static/vendor/topojson-client-$(TOPOJSON_VERSION)
	cp node_modules/topojson-client/dist/topojson-client.min.js node_modules/topojson-client/LICENSE static/vendor/topojson-client-$(TOPOJSON_VERSION)/
	# Natural Earth 1:50m country boundaries (public domain), as TopoJSON: the maps' only layer.
	mkdir -p static/vendor/world-atlas-$(ATLAS_VERSION)
	cp node_modules/world-atlas/countries-50m.json node_modules/world-atlas/LICENSE static/vendor/world-atlas-$(ATLAS_VERSION)/

migrate: install
	$(BIN)/python manage.py migrate --no-input

seed: migrate
	$(BIN)/python manage.py seed_demo

# The scheduler runs periodic jobs (the agreement calendar) beside the web server when there is
# no broker (with one it says so and exits: `make worker` runs Celery beat); it stops with this.
run: seed
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py run_scheduler --stop-with-parent & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A portal worker --beat --loglevel INFO

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/visibility.py $(BENCH_ARGS)

stop-db: install
	$(BIN)/python -m portal.embedded_db stop

clean: stop-db
	rm -rf .data $(VENV)
