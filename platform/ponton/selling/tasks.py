"""Background work of the selling path; each task names its structure."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from ponton.config.celery import ONCE_OPTIONS


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5, **ONCE_OPTIONS)
def order_confirmation_email_task(self, *, schema_name: str, checkout_id: int) -> None:
    """The online order's confirmation to its payer, the invoice PDF (Factur-X) attached; sent
    once per task id, even when a killed worker's task runs again (ADR 0027)."""
    from ponton.accounts.models import User
    from ponton.accounts.services import password_set_path
    from ponton.billing import pdf
    from ponton.billing.models import Document
    from ponton.payments.models import OnlineCheckout
    from ponton.web.mail import deliver
    from tenants.models import Structure
    from tenants.selectors import structure_url

    structure = Structure.objects.get(schema_name=schema_name)
    with schema_context(schema_name), translation.override(settings.LANGUAGE_CODE):
        checkout = OnlineCheckout.objects.select_related("payer", "order").get(pk=checkout_id)
        order = checkout.order
        assert order is not None  # sent for a paid checkout only
        invoice = Document.objects.filter(order=order, kind=Document.Kind.INVOICE).latest("pk")
        payer = checkout.payer
        user = User.objects.filter(pk=payer.account_id).first() if payer.account_id else None
        needs_password = user is not None and not user.has_usable_password()
        context = {
            "structure": structure,
            "order": order,
            "lines": list(order.lines.select_related("consumer")),
            "invoice": invoice,
            "payer": payer,
            "needs_password": needs_password,
            "password_link": structure_url(structure=structure, path=password_set_path(user=user))
            if needs_password and user is not None
            else "",
            "space_url": structure_url(
                structure=structure, path=reverse("compte:home", urlconf=settings.ROOT_URLCONF)
            ),
            "order_url": structure_url(
                structure=structure,
                path=reverse(
                    "shop:checkout_done",
                    kwargs={"token": checkout.token},
                    urlconf=settings.ROOT_URLCONF,
                ),
            ),
        }
        body = render_to_string("selling/email/order_confirmed.txt", context)
        attachment = (pdf.filename(invoice), pdf.document_pdf(invoice, structure=structure))
        subject = _("Votre commande %(number)s chez %(name)s") % {
            "number": order.number,
            "name": structure.display_title,
        }
    deliver(
        to=[payer.email],
        subject=subject,
        body=body,
        structure_id=structure.pk,
        attachments=[(attachment[0], attachment[1], "application/pdf")],
        key=self.request.id,
    )


def release_expired_holds_everywhere() -> int:
    """Release the expired online baskets of every structure (each in its own schema).
    Returns the number of basket lines given back."""
    from ponton.selling.holds import holds_release_expired
    from tenants.models import Structure

    total = 0
    schemas = Structure.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).values_list(
        "schema_name", flat=True
    )
    for schema in schemas:
        with schema_context(schema):
            total += holds_release_expired()
    return total


@shared_task
def release_expired_holds_task() -> int:
    """The periodic release of expired basket holds (beat, every minute; architecture.md
    "Holds": a periodic task and a lazy check)."""
    return release_expired_holds_everywhere()
