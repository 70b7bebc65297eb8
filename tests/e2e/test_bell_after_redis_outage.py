"""Issue 17 §3 in a real browser: the Club Manager's notification bell (NO-1) across a Redis
outage. Daphne uses a redis-server the test owns; Redis is SIGKILLed while the page is open:
the page's socket is closed (its channel layer is lost, docs/adr/0026), a customer's forum
message arrives meanwhile (stored, not sent), Redis comes back on the same port, and the page's
own script reconnects and catches up: the message's notification shows in the bell, with the
right count, without a reload; the next one arrives live."""

from __future__ import annotations

import pytest

from ponton.launcher import daphne_args
from tests.conftest import free_port, host_of
from tests.platform.customers.factories import make_customer
from tests.realtime.test_redis_stopped import Site
from tests.realtime.ws import session_key
from tests.support.faults import killable_server, own_redis
from tests.support.servers import database_env

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_bell_catches_up_after_redis_came_back(platform, make_structure, new_page):
    structure, owner = make_structure(name="Club de la coupure")
    _customer, customer_user = make_customer(structure)
    host = host_of(structure)
    port = free_port()
    site = Site(port, host)
    customer = session_key(structure, customer_user)

    with (
        own_redis() as redis,
        killable_server(
            daphne_args("127.0.0.1", port),
            port=port,
            env=database_env(REDIS_URL=redis.url, REALTIME_HEARTBEAT_SECONDS="1"),
            name="daphne-bell-redis",
        ),
    ):
        page = new_page()
        page.context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": session_key(structure, owner),
                    "url": f"http://{host}:{port}/",
                }
            ]
        )
        page.goto(f"http://{host}:{port}/manager/")
        bell = page.locator("#notification-bell")
        page.locator('#notification-bell[data-socket="open"]').wait_for(state="attached")
        items = page.locator("#notification-menu-list [data-notification-id]")

        site.customer_writes(customer, "Avant la panne")
        page.locator('#notification-count[data-unread-count="1"]').wait_for(state="attached")

        redis.kill()
        # The socket is closed by the server (and retries fail while Redis is down).
        page.locator('#notification-bell:not([data-socket="open"])').wait_for(state="attached")
        site.customer_writes(customer, "Pendant la panne")

        redis.start()
        page.locator('#notification-bell[data-socket="open"]').wait_for(
            state="attached", timeout=60_000
        )
        page.locator('#notification-count[data-unread-count="2"]').wait_for(state="attached")
        assert items.filter(has_text="Pendant la panne").count() == 1

        site.customer_writes(customer, "Après la panne")
        page.locator('#notification-count[data-unread-count="3"]').wait_for(state="attached")
        assert [
            text.strip().split("\n")[0] for text in items.locator(".notif-body").all_inner_texts()
        ] == ["Après la panne", "Pendant la panne", "Avant la panne"]
        assert bell.get_attribute("data-socket") == "open"
