#!/usr/bin/env bash
# The whole test suite: migrations check, lint, then pytest (browser tests included) with mypy
# beside it.
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
if [ ! -x /usr/sbin/pgbouncer ] && ! command -v pgbouncer >/dev/null && [ "$(id -u)" = "0" ] \
  && command -v apt-get >/dev/null; then
  echo "Installation de PgBouncer (tests à travers le pooler de connexions)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null) \
    || echo "PgBouncer n'a pas pu être installé."
fi
DJANGO_SETTINGS_MODULE=ponton.config.settings.test $PY manage.py makemigrations --check --dry-run
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# mypy (half a minute) runs beside pytest, which leaves CPU idle while it waits on PostgreSQL.
mypy_log=$(mktemp)
.venv/bin/mypy platform/ponton tenants modules realtime >"$mypy_log" 2>&1 &
mypy_pid=$!
set +e
$PY -m pytest "$@"
rc=$?
wait $mypy_pid
mypy_rc=$?
set -e
echo "--- mypy"
cat "$mypy_log"
rm -f "$mypy_log"
if [ $rc -eq 5 ]; then echo "Aucun test n'a été exécuté : échec."; exit 1; fi
if [ $mypy_rc -ne 0 ]; then echo "mypy a trouvé des erreurs : échec."; exit 1; fi
exit $rc
