"""Security across structures: every URL of the structure URLconf and of the API, walked from the
resolver (not a hand-written list), refuses a member of another structure and sends anonymous
users to the login page. Plus unknown hosts, password hashing, production settings."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from ponton.accounts.api_permissions import IsStructureStaff
from ponton.plugins.manager import all_modules
from tenants.services import module_grant, module_set_enabled

CONVERTERS = {"int": "1", "slug": "x", "str": "x", "path": "x/y", "uuid": str(uuid.uuid4())}


def _sample(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: CONVERTERS[m.group(1) or "str"], route)
    if route.startswith("^"):  # regex patterns (media): fill the one group
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "x", route.lstrip("^").rstrip("$"))
    return "/" + route


def walk(urlconf: str):
    def _walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from _walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    return list(_walk(get_resolver(urlconf).url_patterns, ""))


def access_of(callback) -> str:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if getattr(callback, "ponton_public", False):
        return "public"
    if getattr(callback, "ponton_permission", None) == "customer.space":
        return "customer"  # ponton.customers.access: customer_view / account_view
    if getattr(callback, "ponton_permission", None):
        return "staff"
    if view_class is not None and issubclass(view_class, APIView):
        if IsStructureStaff in view_class.permission_classes:
            return "api"
    return "undeclared"


TENANT_URLS = walk("ponton.config.urls_tenant")
PUBLIC_URLS = walk("ponton.config.urls_public")
PROTECTED = [(route, cb) for route, cb in TENANT_URLS if access_of(cb) != "public"]


def test_the_walk_finds_the_product_urls():
    routes = [r for r, _ in TENANT_URLS]
    assert "manager/" in routes
    assert "api/v1/modules/" in routes
    for label in ("forum", "sms", "ffvoile", "emarketing", "pos"):
        assert f"manager/m/{label}/" in routes
    assert len(PROTECTED) >= 10


@pytest.mark.parametrize("urlconf_urls", [TENANT_URLS, PUBLIC_URLS], ids=["tenant", "public"])
def test_every_view_declares_who_may_open_it(urlconf_urls):
    undeclared = [route for route, cb in urlconf_urls if access_of(cb) == "undeclared"]
    assert undeclared == []


@pytest.fixture
def b_with_every_module(make_structure):
    structure, owner = make_structure(name="Club B")
    for label, info in all_modules().items():
        if info.paid:
            module_grant(structure=structure, label=label)
        else:
            module_set_enabled(structure=structure, label=label, enabled=True)
    return structure


def test_member_of_a_gets_403_or_404_on_every_url_of_b(
    structure_a, b_with_every_module, client_for
):
    """EG-2/Security: a logged-in owner of A can do nothing on B's host."""
    _a, owner_a = structure_a
    client = client_for(b_with_every_module, owner_a)
    failures = []
    for route, _cb in PROTECTED:
        url = _sample(route)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in (403, 404):
                failures.append((method.upper(), url, status))
    assert failures == []


def test_anonymous_is_sent_to_login_on_every_url(b_with_every_module, client_for):
    client = client_for(b_with_every_module)
    failures = []
    for route, cb in PROTECTED:
        url = _sample(route)
        response = client.get(url)
        if access_of(cb) == "api":
            ok = response.status_code in (401, 403)
        else:
            ok = response.status_code == 302 and response["Location"].startswith("/connexion/")
        if not ok:
            failures.append((url, response.status_code))
    assert failures == []


def test_console_urls_refuse_structure_staff(structure_a, client_for):
    """EG-3: a structure's owner is not a platform operator."""
    _a, owner_a = structure_a
    client = client_for(None, owner_a)
    anonymous = client_for(None)
    console = [(r, cb) for r, cb in PUBLIC_URLS if access_of(cb) == "staff"]
    assert console, "the console URLs were not found"
    for route, _cb in console:
        url = _sample(route)
        assert client.get(url).status_code in (403, 404), url
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/"), url


def test_unknown_host_gets_a_friendly_404(platform, client):
    response = client.get("/manager/", HTTP_HOST="inconnue.localhost")
    assert response.status_code == 404
    assert "Structure introuvable" in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_passwords_are_hashed_with_argon2(structure_a):
    """The settings every deployment uses hash with Argon2 (the test settings put a fast
    hasher first, for the suite's thousands of users)."""
    from ponton.config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    _s, owner = structure_a
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        owner.set_password("Un-autre-mot-de-passe-42")
    assert owner.password.startswith("argon2$")


def test_production_settings_are_secure(monkeypatch):
    import importlib

    monkeypatch.setenv("SECRET_KEY", "x" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "ponton.example")
    prod = importlib.import_module("ponton.config.settings.prod")
    assert prod.DEBUG is False
    assert prod.SESSION_COOKIE_SECURE is True
    assert prod.CSRF_COOKIE_SECURE is True
    assert prod.SECURE_HSTS_SECONDS >= 31536000
    assert prod.SECURE_SSL_REDIRECT is True


def test_csrf_is_enforced(platform, structure_a):
    from django.test import Client

    s, owner = structure_a
    client = Client(enforce_csrf_checks=True, HTTP_HOST=s.get_primary_domain().domain)
    response = client.post("/connexion/", {"email": owner.email, "password": "x"})
    assert response.status_code == 403
