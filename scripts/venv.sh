#!/usr/bin/env bash
# The project's virtualenv (.venv), on the fastest CPython 3.11 of the machine: the
# distribution's build (/usr/bin/python3.11, compiled with profile-guided optimisation like
# the python:3.11-slim image production runs) when there is one, else python3 (docs/adr/0009).
# PYTHON=... chooses another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
if [ -z "${PYTHON:-}" ]; then
  if [ -x /usr/bin/python3.11 ]; then PYTHON=/usr/bin/python3.11; else PYTHON=python3; fi
fi
rm -rf "$VENV"
if ! "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
  # Debian's Python comes without ensurepip (package python3-venv): a venv without pip, then
  # pip installed into it from PyPI by another interpreter's pip.
  rm -rf "$VENV"
  "$PYTHON" -m venv --without-pip "$VENV"
  BOOTSTRAP=""
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null && "$candidate" -m pip --version >/dev/null 2>&1; then
      BOOTSTRAP="$candidate"
      break
    fi
  done
  if [ -z "$BOOTSTRAP" ]; then
    echo "Pas de pip pour installer l'environnement : relancez avec PYTHON=python3 make venv." >&2
    exit 1
  fi
  "$BOOTSTRAP" -m pip --python "$VENV/bin/python" install -q pip
fi
echo "Environnement Python : $("$VENV/bin/python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
