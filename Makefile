# Two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test setup system-deps migrate seed bench css lint fmt clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages for the local voice, menu photos and the browser/voice tests (scripts/system-deps).
system-deps:
	@scripts/system-deps

migrate: setup
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo --history

run: system-deps seed
	$(BIN)/python manage.py serve

test: system-deps setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/run_all.py

css: setup
	$(BIN)/python manage.py tailwind install
	$(BIN)/python manage.py tailwind build

lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

fmt: setup
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
