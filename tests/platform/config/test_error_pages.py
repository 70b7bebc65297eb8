"""Bug 5 (issue 11): the embedded default faces customers, so it shows the product's own French
error pages, never Django's debug pages; DEBUG is a developer's explicit switch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEBUG_PAGE_MARKERS = ("URLconf", "urlpatterns", "Django tried these URL patterns", "Traceback")


def dev_settings(**extra: str) -> dict:
    """The settings `make run` uses (ponton.config.settings.dev), read in a fresh process."""
    env = {k: v for k, v in os.environ.items() if k not in ("PONTON_DEBUG", "DB_POOL_MAX_SIZE")}
    env.update(
        DJANGO_SETTINGS_MODULE="ponton.config.settings.dev",
        PYTHONPATH=f"{ROOT / 'platform'}:{ROOT}",
        **extra,
    )
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "names = ('DEBUG', 'SERVE_MEDIA', 'WHITENOISE_USE_FINDERS'); "
        "found = {k: getattr(settings, k) for k in names}; "
        "pool = settings.DATABASES['default'].get('OPTIONS', {}).get('pool'); "
        "found['POOL_MAX_SIZE'] = pool and pool['max_size']; "
        "print(json.dumps(found))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_launcher_settings_have_debug_off_unless_the_developer_asks():
    from ponton import launcher

    assert "ponton.config.settings.dev" in Path(launcher.__file__).read_text()
    assert dev_settings() == {
        "DEBUG": False,
        "SERVE_MEDIA": True,
        "WHITENOISE_USE_FINDERS": True,
        # Probe 6: a bounded pool, well under the private PostgreSQL's 100 connections.
        "POOL_MAX_SIZE": 20,
    }
    assert dev_settings(PONTON_DEBUG="1")["DEBUG"] is True
    assert dev_settings(PONTON_DEBUG="0")["DEBUG"] is False


def test_page_of_a_module_that_is_off_is_the_french_404(make_structure, client_for, make_member):
    """/compte/discussions/ with the forum off: our 404 in French, no URL pattern listed."""
    structure, _owner = make_structure(modules=[])
    response = client_for(structure).get("/compte/discussions/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page introuvable" in page
    assert "Cette page n'existe pas ou n'est pas disponible." in page
    assert '<html lang="fr">' in page
    for marker in (*DEBUG_PAGE_MARKERS, "discussions/messages/", "manager/"):
        assert marker not in page


@pytest.fixture
def broken_home(monkeypatch):
    """The platform's home page fails, and so does the context processor every page uses."""

    def fail(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("ponton.web.views.render", fail)
    monkeypatch.setattr("ponton.web.context_processors.ponton", fail)


def test_server_error_is_the_french_page_even_when_the_request_context_fails(
    platform, client_for, broken_home
):
    client = client_for()
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Une erreur est survenue</h1>" in page
    assert "réessayez dans un instant" in page
    assert "/static/ponton/ponton.css" in page
    for marker in (*DEBUG_PAGE_MARKERS, "database gone", "Server Error"):
        assert marker not in page


def test_bad_request_is_the_french_page(platform, client_for):
    """A SuspiciousOperation (here: more fields than DATA_UPLOAD_MAX_NUMBER_FIELDS) is a 400."""
    client = client_for()
    response = client.get("/connexion/?" + "&".join(f"f{i}=1" for i in range(1100)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "<h1>Requête invalide</h1>" in page
    assert "Bad Request" not in page


def test_csrf_failure_is_the_french_page(platform, client_for):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_HOST="localhost")
    response = client.post("/connexion/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulaire expiré" in page
    assert "CSRF verification failed" not in page
