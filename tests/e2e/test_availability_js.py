"""MP-1 live availability, the page's side: platform/ponton/shop/static/shop/availability.js in
Debian's Chromium, under the product's Content-Security-Policy, on a test page. The server side
(socket, events, catch-up) is tested in tests/realtime and tests/platform/shop; here the page,
the catch-up answers and the socket are Playwright's stand-ins, so the script's own logic is
what is proven: texts, classes, buttons, catch-up on every connection, reconnection."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "platform" / "ponton" / "shop" / "static" / "shop" / "availability.js"
ORIGIN = "http://club-dispo.test"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Essai</title></head><body>
<p>Séance 11 : <span data-session-seats="11">4 places libres</span>
  <button type="button" data-book-session="11">Réserver</button></p>
<p>Séance 11 encore : <span id="again" data-session-seats="11">4 places libres</span></p>
<p>Séance 12 : <span data-session-seats="12">5 places libres</span>
  <button type="button" data-book-session="12" disabled>Réservation fermée</button></p>
<p>Séance 13 : <span data-session-seats="13">2 places libres</span>
  <button type="button" data-book-session="13">Réserver</button></p>
<script src="/static/shop/availability.js"></script>
</body></html>"""
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


class Server:
    """The stand-in server: the page, the script, the catch-up (answers set by the test) and
    the socket (the test sends events through it)."""

    def __init__(self, page):
        self.catch_ups: list[list[str]] = []
        self.answer: dict = {"sessions": {}}
        self.sockets: list = []
        page.route(f"{ORIGIN}/**", self.http)
        page.route_web_socket("**/ws/disponibilites/", self.socket)

    def socket(self, ws) -> None:
        self.sockets.append(ws)

    def http(self, route):
        url = urlsplit(route.request.url)
        if url.path == "/essai/":
            route.fulfill(
                body=PAGE, content_type="text/html", headers={"Content-Security-Policy": CSP}
            )
        elif url.path == "/static/shop/availability.js":
            route.fulfill(path=str(SCRIPT), content_type="text/javascript")
        elif url.path == "/disponibilites/":
            self.catch_ups.append(parse_qs(url.query)["seances"][0].split(","))
            route.fulfill(json=self.answer)
        else:
            route.fulfill(status=404, body="")

    def push(self, sessions: dict, version: list[int] | None = None) -> None:
        payload: dict = {"sessions": sessions}
        if version is not None:
            payload["version"] = version
        self.sockets[-1].send(json.dumps({"type": "availability.changed", "payload": payload}))


def texts(page) -> list[str]:
    return page.locator("[data-session-seats]").all_inner_texts()


def test_the_script_shows_catches_up_and_follows_the_events(new_page):
    """MP-1: on connection the page asks for its sessions' seats (each id once) and shows them
    ("1 place libre", "5 places libres"; a session missing from the answer is "Indisponible");
    events then turn a session "Complet" (class is-full, its booking button disabled) and back,
    a button the page rendered disabled stays disabled, other messages change nothing, and no
    Content-Security-Policy violation happens."""
    page = new_page()
    page.add_init_script(LISTEN)
    server = Server(page)
    server.answer = {
        "sessions": {"11": {"free": 1, "capacity": 4}, "12": {"free": 5, "capacity": 5}}
    }
    page.goto(f"{ORIGIN}/essai/")
    page.locator('html[data-availability="open"]').wait_for(state="attached")
    page.get_by_text("Indisponible").wait_for()
    assert server.catch_ups == [["11", "12", "13"]]
    assert texts(page) == ["1 place libre", "1 place libre", "5 places libres", "Indisponible"]
    assert page.locator('[data-session-seats="13"].is-full').count() == 1
    assert page.locator('[data-book-session="13"]').is_disabled()

    server.push({"11": {"free": 0, "capacity": 4}})
    page.locator('[data-session-seats="11"].is-full').nth(1).wait_for()
    assert texts(page)[:2] == ["Complet", "Complet"]
    assert page.locator('[data-book-session="11"]').is_disabled()

    server.sockets[-1].send(json.dumps({"type": "notification.created", "payload": {"id": 1}}))
    server.sockets[-1].send("pas du JSON")
    server.push({"11": {"free": 2, "capacity": 4}, "12": {"free": 3, "capacity": 5}})
    page.get_by_text("2 places libres").nth(1).wait_for()
    assert texts(page) == ["2 places libres", "2 places libres", "3 places libres", "Indisponible"]
    assert page.locator('[data-session-seats="11"].is-full').count() == 0
    assert page.locator('[data-book-session="11"]').is_enabled()
    assert page.locator('[data-book-session="12"]').is_disabled()  # rendered disabled: stays
    assert page.evaluate("window.__csp") == []


def test_a_dropped_socket_reconnects_and_catches_up_again(new_page):
    """MP-1: when the socket drops, the script reconnects by itself and, on the new connection,
    fetches the seats again, so a sale made meanwhile shows ("Complet")."""
    page = new_page()
    server = Server(page)
    server.answer = {"sessions": {"11": {"free": 2, "capacity": 4}}}
    page.goto(f"{ORIGIN}/essai/")
    page.get_by_text("2 places libres").first.wait_for()
    assert len(server.sockets) == 1

    server.answer = {"sessions": {"11": {"free": 0, "capacity": 4}}}
    server.sockets[-1].close(code=1011)
    page.locator('[data-session-seats="11"].is-full').first.wait_for()
    assert len(server.sockets) == 2
    assert server.catch_ups == [["11", "12", "13"], ["11", "12", "13"]]
    assert texts(page)[:2] == ["Complet", "Complet"]
    assert page.get_attribute("html", "data-availability") == "open"


def test_a_refused_socket_is_not_retried(new_page):
    """MP-1: a socket closed with 4403 (another origin) or 4404 (unknown or suspended
    structure) is not reopened: the page keeps the seats it was rendered with."""
    page = new_page()
    server = Server(page)
    page.route_web_socket("**/ws/disponibilites/", lambda ws: ws.close(code=4404))
    page.goto(f"{ORIGIN}/essai/")
    page.locator('html[data-availability="off"]').wait_for(state="attached")
    page.wait_for_timeout(1500)
    assert page.get_attribute("html", "data-availability") == "off"
    assert server.catch_ups == []
    assert texts(page)[0] == "4 places libres"


def test_an_older_reading_never_replaces_a_newer_one(new_page):
    """MP-1 with several web processes: events can arrive in the other order than their
    readings (issue 17 §5). The page keeps, per session, the reading with the greatest
    `version` ([xmax, -in progress], compared first element first): a late « 3 free » read
    before the « Complet » is ignored, as is an older catch-up after a reconnection; a newer
    reading shows."""
    page = new_page()
    server = Server(page)
    server.answer = {"sessions": {"11": {"free": 2, "capacity": 4}}, "version": [90, 0]}
    page.goto(f"{ORIGIN}/essai/")
    page.get_by_text("2 places libres").first.wait_for()

    server.push({"11": {"free": 0, "capacity": 4}}, version=[100, -1])
    page.locator('[data-session-seats="11"].is-full').first.wait_for()
    server.push({"11": {"free": 3, "capacity": 4}}, version=[99, 0])  # read earlier
    server.push({"11": {"free": 1, "capacity": 4}}, version=[100, -2])  # same xmax, earlier
    server.push({"12": {"free": 4, "capacity": 5}}, version=[99, 0])  # another session: shown
    page.get_by_text("4 places libres").wait_for()
    assert texts(page)[:2] == ["Complet", "Complet"]

    # Reconnected, the catch-up answers an older reading for 11 (ignored) and a newer one for
    # 13 than the first catch-up's (shown).
    server.answer = {
        "sessions": {"11": {"free": 3, "capacity": 4}, "13": {"free": 2, "capacity": 2}},
        "version": [95, 0],
    }
    server.sockets[-1].close(code=1011)
    page.locator('[data-session-seats="13"]', has_text="2 places libres").wait_for()
    assert len(server.catch_ups) == 2
    assert texts(page)[:2] == ["Complet", "Complet"]

    server.push({"11": {"free": 1, "capacity": 4}}, version=[100, 0])  # fewer in progress
    page.get_by_text("1 place libre").nth(1).wait_for()
    assert texts(page) == ["1 place libre", "1 place libre", "4 places libres", "2 places libres"]
