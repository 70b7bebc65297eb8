"""OR-4, OR-5 on the order card, as the help centre says: "sélectionnez la ligne du produit ...
puis cliquez sur « Annuler »" (or « Remplacer »). An ordered or invoiced line has its checkbox;
the "Annuler" and "Remplacer" buttons above the lines open that one line's cancel or replace
page. No line, or several, is refused with a French message on the card and changes nothing."""

from __future__ import annotations

import pytest

from ponton.billing import services as billing
from ponton.billing.models import Document
from ponton.sales import services as sales
from ponton.sales.models import Order, OrderEvent, OrderLine
from ponton.sales.services import LineRequest
from tests.support.sales import STAFF, in_schema, text

pytestmark = pytest.mark.django_db


def order_with_an_invoiced_and_an_ordered_line(shop) -> tuple[Order, OrderLine, OrderLine]:
    def make():
        order = sales.order_create(
            payer=shop.payer,
            lines=[
                LineRequest(
                    product=shop.activity,
                    session=shop.session,
                    rate=shop.adult,
                    consumer=shop.child_customer,
                ),
                LineRequest(product=shop.shirt),
            ],
            actor=STAFF,
        )
        activity, shirt = order.lines.order_by("position")
        billing.invoice_issue(
            structure=shop.structure, order=order, line_ids=[activity.pk], actor=STAFF
        )
        return order, activity, shirt

    return in_schema(shop, make)


def state(shop):
    return in_schema(
        shop,
        lambda: (
            sorted(OrderLine.objects.values_list("pk", "state")),
            Document.objects.count(),
            OrderEvent.objects.count(),
        ),
    )


def test_the_card_lets_staff_select_an_invoiced_line_then_annuler_or_remplacer(client, shop):
    """OR-4, OR-5: checkboxes on the ordered and the invoiced line, "Annuler" and "Remplacer"
    buttons next to "Facturer/Payer"."""
    order, activity, shirt = order_with_an_invoiced_and_an_ordered_line(shop)
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    for line in (activity, shirt):
        assert f'<input type="checkbox" name="lines" value="{line.pk}">' in card
    action = f'formaction="/manager/commandes/{order.pk}/lignes/"'
    assert f'{action} name="action" value="cancel">Annuler</button>' in card
    assert f'{action} name="action" value="replace">Remplacer</button>' in card


def test_the_selected_line_opens_its_cancel_or_replace_page(client, shop):
    """OR-4 "Annuler", OR-5 "Remplacer" on the selected (invoiced) line; nothing changes yet."""
    order, activity, _shirt = order_with_an_invoiced_and_an_ordered_line(shop)
    before = state(shop)
    url = f"/manager/commandes/{order.pk}/lignes/"
    response = client.post(url, {"lines": [activity.pk], "action": "cancel"})
    assert response.status_code == 302
    assert response["Location"] == f"/manager/commandes/{order.pk}/lignes/{activity.pk}/annuler/"
    response = client.post(url, {"lines": [activity.pk], "action": "replace"})
    assert response.status_code == 302
    assert response["Location"] == f"/manager/commandes/{order.pk}/lignes/{activity.pk}/remplacer/"
    page = text(client.get(response["Location"]))
    assert "Remplacer – Stage catamaran" in page and "Ajouter une promotion libre" in page
    assert state(shop) == before


def test_no_line_or_several_lines_refused_on_the_card(client, shop):
    """OR-4, OR-5: "Sélectionnez une seule ligne à annuler." (or "à remplacer") on the card,
    the selection kept, nothing cancelled, no credit note, no history."""
    order, activity, shirt = order_with_an_invoiced_and_an_ordered_line(shop)
    before = state(shop)
    url = f"/manager/commandes/{order.pk}/lignes/"
    for action, message in (
        ("cancel", "Sélectionnez une seule ligne à annuler."),
        ("replace", "Sélectionnez une seule ligne à remplacer."),
    ):
        response = client.post(url, {"action": action})
        assert response.status_code == 400
        assert message in text(response)
        response = client.post(url, {"lines": [activity.pk, shirt.pk], "action": action})
        assert response.status_code == 400
        page = text(response)
        assert message in page
        assert f'<input type="checkbox" name="lines" value="{shirt.pk}" checked>' in page
    assert state(shop) == before


def test_a_cancelled_line_has_no_checkbox(client, shop):
    """OR-4: once cancelled, a line can no longer be selected."""
    order, activity, _shirt = order_with_an_invoiced_and_an_ordered_line(shop)
    response = client.post(
        f"/manager/commandes/{order.pk}/lignes/{activity.pk}/annuler/", {"note": ""}
    )
    assert response.status_code == 302
    card = text(client.get(f"/manager/commandes/{order.pk}/"))
    assert f'name="lines" value="{activity.pk}"' not in card


def test_another_orders_line_unknown_action_and_get_refused(client, shop):
    order, activity, _shirt = order_with_an_invoiced_and_an_ordered_line(shop)
    other, other_activity, _ = order_with_an_invoiced_and_an_ordered_line(shop)
    url = f"/manager/commandes/{order.pk}/lignes/"
    assert client.post(url, {"lines": [other_activity.pk], "action": "cancel"}).status_code == 404
    assert client.post(url, {"lines": [activity.pk], "action": "delete"}).status_code == 404
    assert client.get(url).status_code == 405
    assert client.post(f"/manager/commandes/{other.pk + 1000}/lignes/", {}).status_code == 404
