# The common commands. `make run` and `make test` are the README's two set-up commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install frontend browser java screenshots run test lint format check-deploy embedded-stop clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-spark.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m tagpack.schema_install $(VENV)/share/graphsense-schema
	touch $@

frontend: frontend/dist/index.html  ## the web app (frontend/), built into frontend/dist for Django to serve

frontend/dist/index.html: frontend/package-lock.json frontend/index.html frontend/vite.config.ts $(shell find frontend/src -type f 2>/dev/null)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build

browser:  ## Debian's Chromium, for the browser tests
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

java:  ## Debian's Java 17 runtime, for Spark (`chainstore cluster --engine spark` and its tests)
	@command -v java >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; }

screenshots: install frontend browser  ## docs/screenshots/: each main screen, taken by the browser tests, and the report's page 1
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e tests/investigations/test_report_pages.py -q

run: install frontend  ## the whole stack on the embedded default: http://127.0.0.1:8000/
	$(BIN)/python manage.py serve

test: lint frontend browser java  ## lint, the web app's unit tests, the whole test suite (slow and browser tests included), then its PostgreSQL leg
	cd frontend && npm run lint --silent && npm test --silent
	$(BIN)/python -m pytest
	TEST_DATABASE=postgres $(BIN)/python -m pytest -q -m postgres_leg

lint: install  ## ruff, and the import-linter contracts of pyproject.toml (the layer order)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

embedded-stop: install  ## stop an embedded server left running (e.g. after kill -9 of `make run`)
	$(BIN)/python manage.py embedded stop

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis frontend/node_modules frontend/dist
