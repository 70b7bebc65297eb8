# Ponton — `make run` starts everything; `make test` runs every test. Both set up what they need.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ponton

.PHONY: run test venv lint bench migrations-check clean

$(STAMP): pyproject.toml scripts/venv.sh
	scripts/venv.sh
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
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy platform/ponton tenants modules realtime

bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) tests/bench/run.py $(ONLY)

clean:
	rm -rf $(VENV) .data

# Translation catalogues (platform/ponton/locale, .po and .mo both committed): extract the strings of
# platform/, tenants/, modules/ and realtime/; the French catalogue maps every msgid to itself
# (fuzzy guesses emptied, then msgen); then compile. New English entries are left to translate.
.PHONY: messages
I18N_IGNORE := --ignore=.venv --ignore=.data --ignore=tests --ignore=deploy --ignore=docs \
	--ignore='*.egg-info' --ignore=scripts --ignore=test-results --ignore=staticfiles
FR_PO := platform/ponton/locale/fr/LC_MESSAGES/django.po
messages: $(STAMP)
	$(PY) manage.py makemessages -l en -l fr --no-obsolete $(I18N_IGNORE)
	msgattrib --clear-fuzzy --empty --clear-previous -o $(FR_PO) $(FR_PO)
	msgen -o $(FR_PO) $(FR_PO)
	$(PY) manage.py compilemessages $(I18N_IGNORE)
