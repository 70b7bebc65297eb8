"""Property-based fuzzing of the API from its own OpenAPI schema (schemathesis + hypothesis).

Every operation of `/api/v1/schema/` gets generated requests, valid ones (positive) and invalid
ones (negative), sent in-process to the WSGI application on a test structure's host with a
staff token; some of them aim at the structure's real rows (a product, a session, a customer,
an order, an invoice…), the others at generated ids. Every check of schemathesis runs on each
answer (its `--checks all`): no 5xx, only documented status codes, answers and their
Content-Type as the schema says, invalid data refused, valid data accepted.

One deliberate setting: "valid data accepted" also accepts a 400. A request can match the
schema and still be refused by a rule of the services (the end before the start, a capacity
below the seats sold, a line of another order): the API answers that with a 400 and a French
message, which the schema documents for every operation that takes input.

Deterministic: a fixed seed (`derandomize`), no example database, a bounded number of
examples per operation and generation mode (about 75 s on a loaded two-core machine).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from ponton.accounts.services import api_token_issue
from ponton.billing.services import invoice_issue
from ponton.config.wsgi import application
from ponton.customers.services import address_add
from ponton.sales.services import LineRequest, order_create
from tests.conftest import host_of
from tests.support.sales import STAFF, make_shop

EXAMPLES = 10
CONFIG = {
    "checks": {
        # A valid request may still break a rule of the services: 400 with a French message.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
        },
    },
}


@pytest.fixture
def fuzzed(club):
    """The structure's rows the requests aim at, by path parameter name."""
    structure, owner = club
    with schema_context(structure.schema_name):
        shop = make_shop(capacity=10)
        order = order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.child,
                    consumer=shop.child_customer,
                ),
                LineRequest(product=shop.shirt),
            ],
            actor=STAFF,
        )
        invoice = invoice_issue(
            structure=structure,
            order=order,
            line_ids=[order.lines.order_by("position").first().pk],
            actor=STAFF,
        )
        address = address_add(
            customer=shop.payer, line1="1 quai Malbert", postal_code="29200", city="Brest"
        )
        known = {
            "product_id": shop.activity.pk,
            "rate_id": shop.child.pk,
            "session_id": shop.later_session.pk,
            "customer_id": shop.payer.pk,
            "address_id": address.pk,
            "order_id": order.pk,
            "line_id": order.lines.order_by("position").last().pk,
            "document_id": invoice.pk,
            "label": "forum",
        }
    connection.set_schema_to_public()
    return structure, owner, known


def wsgi_app(environ, start_response):
    """The WSGI application, keeping the test's database connection open as Django's test
    client does (its end-of-request signal would close it, with the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema(structure) -> schemathesis.schemas.BaseSchema:
    raw = Client(HTTP_HOST=host_of(structure)).get("/api/v1/schema/", {"format": "json"}).json()
    connection.set_schema_to_public()
    schema = schemathesis.openapi.from_dict(raw, config=SchemathesisConfig.from_dict(CONFIG))
    schema.app = wsgi_app  # every request, the checks' own included, goes in-process
    return schema


def _cases(operation, mode: GenerationMode, known: dict):
    generated = operation.as_strategy(generation_mode=mode)
    names = {p.name for p in operation.path_parameters}
    aimed = {name: value for name, value in known.items() if name in names}
    if not aimed:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=aimed))


def _run(operation, mode: GenerationMode, *, host: str, owner, known: dict) -> None:
    checks = CHECKS.get_all()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_cases(operation, mode, known))
    def fuzz(case):
        # The token is fetched for each request: DELETE /jeton/ revokes it.
        headers = {"Authorization": f"Token {api_token_issue(user=owner)}"}
        try:
            response = case.call(base_url=f"http://{host}", headers=headers)
            case.validate_response(
                response,
                checks=checks,
                headers=headers,
                transport_kwargs={"base_url": f"http://{host}"},
            )
        finally:
            connection.set_schema_to_public()

    fuzz()


@pytest.mark.slow
def test_every_operation_answers_as_its_schema_says(fuzzed, settings):
    """No operation answers 5xx, none answers outside its documented status codes, every answer
    matches the schema: for valid and invalid generated requests."""
    structure, owner, known = fuzzed
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    load_all_checks()
    schema = _schema(structure)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, host=host_of(structure), owner=owner, known=known)
            except Unsatisfiable:
                # No invalid request exists for it (no parameter, or only free text): skipped.
                assert mode == GenerationMode.NEGATIVE
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, all reported
                failures.append(f"{operation.label} [{mode.value}]\n{exc}")
    assert not failures, "\n\n".join(failures)
