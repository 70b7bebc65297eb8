#!/usr/bin/env bash
# The whole test suite: migrations check, lint, then pytest (browser tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installation de Chromium (tests dans un vrai navigateur)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "Chromium n'a pas pu être installé."
fi
if ! command -v msgfmt >/dev/null && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installation de gettext (catalogues de traduction)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null) \
    || echo "gettext n'a pas pu être installé."
fi
DJANGO_SETTINGS_MODULE=ponton.config.settings.test $PY manage.py makemigrations --check --dry-run
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy platform/ponton tenants modules realtime
set +e
$PY -m pytest "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then echo "Aucun test n'a été exécuté : échec."; exit 1; fi
exit $rc
