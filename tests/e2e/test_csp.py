"""Probe 9 (issue 11): the Content-Security-Policy is on (every settings, these tests too) and
the product's main pages run under it without a single violation: scripts from static files or
nonced, no inline handler, no eval, styles from the stylesheet or nonced."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.e2e.manager_pages import log_in
from tests.support.sales import make_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def watched_page(new_page):
    page = new_page()
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page, console


def visit(page, url: str, violations: dict[str, list[str]]) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, url
    policy = response.headers["content-security-policy"]
    scripts = policy.split("script-src ")[1].split(";")[0].split()
    assert scripts[0] == "'self'"
    assert all(source.startswith("'nonce-") for source in scripts[1:]), policy
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__csp")
    if found:
        violations[url] = found


def test_main_pages_run_under_the_policy_without_violation(make_structure, site, new_page):
    structure, owner = make_structure(name="Club sous politique")
    with schema_context(structure.schema_name):
        shop = make_shop()
    page, console = watched_page(new_page)
    violations: dict[str, list[str]] = {}
    for path in ("/", "/connexion/", "/inscription/"):
        visit(page, site.url(None, path), violations)
    visit(page, site.url(structure, "/"), violations)
    log_in(page, site, structure, owner)
    for path in (
        "/manager/",
        "/manager/planning/",
        "/manager/planning/?vue=mois",
        "/manager/commandes/panier/",
        "/manager/offre/",
        f"/manager/offre/{shop.activity.pk}/",
        "/manager/clients/",
        f"/manager/clients/{shop.payer.pk}/",
        "/manager/structure/",
        "/manager/structure/identite/",
        "/manager/utilisateurs/",
        "/manager/notifications/",
        "/manager/emails/",
        "/manager/m/forum/",
    ):
        visit(page, site.url(structure, path), violations)
    assert violations == {}, violations
    assert console == [], console


def test_a_violation_is_seen(make_structure, site, new_page):
    """The listener works: an inline handler injected into a page is blocked and reported."""
    structure, _owner = make_structure(name="Club témoin")
    page, _console = watched_page(new_page)
    page.goto(site.url(structure, "/connexion/"))
    page.evaluate(
        """() => { const b = document.createElement("button"); b.id = "x";
        b.setAttribute("onclick", "window.__ran = true"); document.body.append(b); b.click(); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
