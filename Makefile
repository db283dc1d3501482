# The common commands. `make run` and `make test` are the README's two set-up commands.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint format check-deploy embedded-stop clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m tagpack.schema_install $(VENV)/share/graphsense-schema
	touch $@

run: install  ## the whole stack on the embedded default: http://127.0.0.1:8000/
	$(BIN)/python manage.py serve

test: lint  ## lint, then the whole test suite (slow tests included)
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

embedded-stop: install  ## stop an embedded server left running (e.g. after kill -9 of `make run`)
	$(BIN)/python manage.py embedded stop

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
