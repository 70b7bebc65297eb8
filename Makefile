# Ponton — `make run` starts everything; `make test` runs every test. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ponton

.PHONY: run test venv lint bench migrations-check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@# platform/ is a source root, not a package: put it and the repository root on the path.
	printf '%s\n%s\n' "$(CURDIR)/platform" "$(CURDIR)" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ponton-paths.pth"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) platform/ponton/launcher.py

test: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} bash scripts/test.sh

migrations-check: $(STAMP)
	DJANGO_SETTINGS_MODULE=ponton.config.settings.test DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) manage.py makemigrations --check --dry-run

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) tests/bench/run.py $(ONLY)

clean:
	rm -rf $(VENV) .data
