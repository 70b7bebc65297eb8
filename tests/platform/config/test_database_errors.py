"""A database connection lost in the middle of a request (issue 17 §3, docs/adr/0026): the 500
handler answers a French 503 with Retry-After — a page, or JSON under /api/ — never the 500 page
or a traceback. (tests/platform/config/test_database_restart.py does it for real.)"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

from tests.platform.config.test_error_pages import DEBUG_PAGE_MARKERS


def test_a_connection_lost_during_a_page_is_the_french_503(platform, client_for, monkeypatch):
    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("ponton.web.views.render", lost)
    client = client_for()
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "<h1>Service momentanément indisponible</h1>" in page
    assert "réessayez dans quelques secondes" in page
    for marker in (*DEBUG_PAGE_MARKERS, "server closed", "Une erreur est survenue"):
        assert marker not in page


def test_a_connection_lost_during_an_api_call_is_a_json_503(
    make_structure, client_for, monkeypatch
):
    structure, owner = make_structure()

    def lost(*args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr("ponton.catalogue.api.products.ProductListView.get", lost)
    client = client_for(structure, owner)
    client.raise_request_exception = False
    response = client.get("/api/v1/products/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/json"
    detail = response.json()["detail"]
    assert detail.startswith("Service momentanément indisponible : Le serveur ne joint pas")
    assert "already closed" not in detail


def test_any_other_error_is_still_the_500_page(platform, client_for, monkeypatch):
    def bug(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("ponton.web.views.render", bug)
    client = client_for()
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    assert "<h1>Une erreur est survenue</h1>" in response.content.decode()
