"""The online basket (MP-1) and checkout (MP-2, MP-3). Views parse input and call the selling
path (`ponton.selling`): holds, checkout, payment. Every price is the server's."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ponton.accounts.access import public_view
from ponton.accounts.ratelimit import client_ip, hit
from ponton.catalogue.models import Rate
from ponton.customers.models import Customer
from ponton.customers.services import CustomerError, customer_for_account
from ponton.payments.gateway import (
    gateway_for_current_structure,
    stripe_csp_sources,
    stripe_js_url,
)
from ponton.payments.models import OnlineCheckout
from ponton.sales import services as sales
from ponton.sales.models import Basket, BasketLine
from ponton.sales.services import SaleError, answer_file_store
from ponton.selling import checkout as online
from ponton.selling import holds
from ponton.shop import selectors as shop_selectors
from ponton.shop.forms import (
    NEW_PERSON,
    AddForm,
    AnswersForm,
    CgvForm,
    IdentityForm,
    ParticipantForm,
)
from ponton.shop.views import closed_page

CHECKOUT_PER_IP = (20, 600)  # attempts per 10 minutes from one address
CHECKOUT_PER_EMAIL = (10, 3600)  # per hour for one email


def _session_key(request) -> str:
    return f"shop_basket:{request.tenant.pk}"


def _basket(request, *, create: bool = False) -> Basket | None:
    key = request.session.get(_session_key(request))
    basket = Basket.objects.filter(key=key).first() if key else None
    if basket is None and create:
        account_id = request.user.pk if request.user.is_authenticated else None
        basket = holds.basket_create(account_id=account_id)
        request.session[_session_key(request)] = basket.key
    return basket


def _closed(request):
    """The shop is closed (no CGV, switched off, suspended): the basket and the checkout answer
    its closed page (503: nothing can be bought now), holding nothing."""
    is_open, reason = shop_selectors.shop_is_open(request.tenant)
    if is_open:
        return None
    response = closed_page(request, reason=reason)
    response.status_code = 503
    return response


def _lines(basket: Basket | None) -> list[BasketLine]:
    if basket is None:
        return []
    return list(
        basket.lines.select_related("product", "session", "rate", "parent__product").order_by("id")
    )


def _priced(lines: list[BasketLine]) -> list[dict]:
    """Each line with its price as the order would write it (the catalogue's)."""
    built = sales.lines_build(
        order=None,
        requests=[
            sales.LineRequest(
                product=line.product, session=line.session, rate=line.rate, quantity=line.quantity
            )
            for line in lines
        ],
        state="ordered",
    )
    return [{"line": line, "built": b} for line, b in zip(lines, built, strict=True)]


@public_view
@require_GET
def basket(request):
    closed = _closed(request)
    if closed:
        return closed
    current = _basket(request)
    if current is not None and holds.basket_release_if_expired(basket=current):
        current.refresh_from_db()
    if current is not None and current.expired_notice:
        messages.warning(
            request,
            _(
                "Votre panier a expiré : les places réservées ont été libérées. "
                "« Réserver à nouveau » les reprend s'il en reste."
            ),
        )
        Basket.objects.filter(pk=current.pk).update(expired_notice=False)
    lines = _lines(current)
    priced = _priced(lines)
    context = {
        "structure": request.tenant,
        "basket": current,
        "items": priced,
        "total": sum((item["built"].total for item in priced), 0),
        "expired": any(not line.held for line in lines),
        "expires_at": current.expires_at if current is not None else None,
        "now": timezone.now(),
    }
    response = render(request, "shop/basket.html", context)
    response["Cache-Control"] = "no-store"
    return response


def _back(request, default: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@public_view
@require_POST
def basket_add(request):
    """Put a product (on a session) in the basket: its seats are held at once."""
    closed = _closed(request)
    if closed:
        return closed
    form = AddForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez une quantité entre 1 et 100."))
        return redirect(_back(request, reverse("shop:basket")))
    data = form.cleaned_data
    # Only what the shop shows can be bought: drafts, archived, counter-only and
    # associated-only products, unknown ids and other products' sessions are 404.
    product = shop_selectors.access_shop_product(product_id=data["product"])
    session = None
    if data["session"]:
        session = shop_selectors.access_shop_session(product=product, session_id=data["session"])
    rate = get_object_or_404(Rate, pk=data["rate"], product=product) if data["rate"] else None
    if rate is None and product.rates.exists():
        rate = product.rates.order_by("position", "id").first()
    current = _basket(request, create=True)
    assert current is not None
    try:
        holds.basket_add(
            basket=current,
            product=product,
            session=session,
            rate=rate,
            quantity=data["quantity"],
            hold_minutes=request.tenant.basket_hold_minutes,
        )
    except SaleError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, reverse("shop:basket")))
    messages.success(
        request,
        _("« %(name)s » est dans votre panier : les places sont réservées %(minutes)s minutes.")
        % {"name": product.name, "minutes": request.tenant.basket_hold_minutes},
    )
    return redirect("shop:basket")


@public_view
@require_POST
def basket_remove(request, line_id: int):
    current = _basket(request)
    if current is None:
        raise Http404
    try:
        holds.basket_remove(basket=current, line_id=line_id)
    except SaleError as exc:
        messages.error(request, str(exc))
    return redirect("shop:basket")


@public_view
@require_POST
def basket_hold_again(request):
    current = _basket(request)
    if current is None:
        return redirect("shop:basket")
    try:
        holds.basket_hold_again(basket=current, hold_minutes=request.tenant.basket_hold_minutes)
    except SaleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Les places de votre panier sont à nouveau réservées."))
    return redirect("shop:basket")


# Checkout -----------------------------------------------------------------------------------


def _logged_customer(request) -> Customer | None:
    if not request.user.is_authenticated:
        return None
    return Customer.objects.filter(account_id=request.user.pk, erased_at__isnull=True).first()


def _family(customer: Customer | None) -> list[Customer]:
    if customer is None:
        return []
    family = list(Customer.objects.filter(payer=customer, erased_at__isnull=True))
    return [customer, *family]


class _CheckoutForms:
    """Every form of the checkout page, bound or not."""

    def __init__(self, request, lines: list[BasketLine], customer: Customer | None):
        data = request.POST if request.method == "POST" else None
        files = request.FILES if request.method == "POST" else None
        self.identity = None if request.user.is_authenticated else IdentityForm(data=data)
        family = _family(customer)
        self.participants: dict[int, list[ParticipantForm]] = {}
        self.answers: dict[int, AnswersForm] = {}
        self.blocks = []
        for line in lines:
            if line.parent_id is not None:
                continue
            people = []
            if line.product.consumer_required:
                people = [
                    ParticipantForm(data=data, family=family, prefix=f"p{line.pk}-{index}")
                    for index in range(line.quantity)
                ]
                self.participants[line.pk] = people
            fields = list(line.product.custom_fields.all())
            answers = None
            if fields:
                answers = AnswersForm(
                    data=data,
                    files=files,
                    product=line.product,
                    custom_fields=fields,
                    prefix=f"a{line.pk}",
                )
                self.answers[line.pk] = answers
            self.blocks.append({"line": line, "people": people, "answers": answers})
        self.cgv = CgvForm(data=data)

    def all(self):
        forms = [self.cgv, *(f for group in self.participants.values() for f in group)]
        forms += list(self.answers.values())
        if self.identity is not None:
            forms.append(self.identity)
        return forms

    def valid(self) -> bool:
        # Every form validated (no short circuit): all their errors are shown at once.
        results = [form.is_valid() for form in self.all()]
        return all(results)


def _participants(forms: _CheckoutForms) -> dict[int, list[online.Participant]]:
    result = {}
    for line_id, group in forms.participants.items():
        people = []
        for form in group:
            data = form.cleaned_data
            if data["who"] == NEW_PERSON:
                people.append(
                    online.Participant(
                        first_name=data["first_name"].strip(),
                        last_name=data["last_name"].strip(),
                        birth_date=data.get("birth_date"),
                    )
                )
            else:
                people.append(online.Participant(customer_id=int(data["who"])))
        result[line_id] = people
    return result


def _answers(forms: _CheckoutForms) -> dict[int, dict[str, str]]:
    """Answers by custom field label (as the sales service checks them); files kept in the
    structure's private storage, the answer being the stored name."""
    result = {}
    for line_id, form in forms.answers.items():
        labels = {str(field.pk): field.label for field in form.custom_fields}
        answers = {labels[key]: value for key, value in form.answers().items()}
        for key, upload in form.uploads().items():
            answers[labels[key]] = answer_file_store(upload=upload)
        result[line_id] = answers
    return result


@public_view
def checkout(request):
    """MP-2: "Commander": who orders, who takes part, the custom fields, the CGV; then the
    payment page."""
    closed = _closed(request)
    if closed:
        return closed
    current = _basket(request)
    if current is not None and holds.basket_release_if_expired(basket=current):
        return redirect("shop:basket")
    lines = _lines(current)
    if not lines:
        messages.info(request, _("Votre panier est vide."))
        return redirect("shop:basket")
    if any(not line.held for line in lines):
        return redirect("shop:basket")
    customer = _logged_customer(request)
    forms = _CheckoutForms(request, lines, customer)
    errors: list[str] = []
    if request.method == "POST":
        ip = client_ip(request)
        email = (request.POST.get("email") or (request.user.email if customer else "")).lower()
        if hit(scope="shop-checkout-ip", ident=ip, limit=CHECKOUT_PER_IP) or (
            email and hit(scope="shop-checkout-email", ident=email, limit=CHECKOUT_PER_EMAIL)
        ):
            errors.append(_("Trop de tentatives : réessayez dans quelques minutes."))
        elif forms.valid():
            started = _start(request, current, forms, customer)
            if isinstance(started, OnlineCheckout):
                return redirect("shop:checkout_pay", token=started.token)
            errors.append(started)
    priced = _priced(lines)
    context = {
        "structure": request.tenant,
        "forms": forms,
        "customer": customer,
        "items": priced,
        "total": sum((item["built"].total for item in priced), 0),
        "errors": errors,
        "expires_at": current.expires_at if current else None,
    }
    status = 400 if request.method == "POST" else 200
    response = render(request, "shop/checkout.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _start(request, current, forms: _CheckoutForms, customer) -> OnlineCheckout | str:
    """The checkout written, or the French reason it was not (nothing written then)."""
    structure = request.tenant
    try:
        with transaction.atomic():
            if forms.identity is not None:
                identity = forms.identity.cleaned_data
                identified = customer_for_account(structure=structure, user=None, **identity)
            else:
                identified = customer_for_account(structure=structure, user=request.user)
            return online.checkout_start(
                structure=structure,
                basket=current,
                payer=identified.customer,
                participants=_participants(forms),
                answers=_answers(forms),
                cgv_accepted=forms.cgv.cleaned_data["accept"],
                new_account=identified.needs_password,
                client_ip=client_ip(request),
            )
    except (SaleError, CustomerError) as exc:
        return str(exc)


def _checkout_or_404(request, token: str) -> OnlineCheckout:
    found = OnlineCheckout.objects.select_related("payer", "order").filter(token=token).first()
    if found is None:
        raise Http404
    return found


def _no_leak(response):
    # The token is in the URL: never send it to another origin (Stripe.js, links).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@public_view
@require_GET
def checkout_pay(request, token: str):
    found = _checkout_or_404(request, token)
    if found.state != OnlineCheckout.State.PENDING:
        return redirect("shop:checkout_done", token=token)
    gateway = gateway_for_current_structure()
    context = {
        "structure": request.tenant,
        "checkout": found,
        "lines": found.lines,
        "test_gateway": gateway.is_test,
        "online_available": gateway.is_available,
        "publishable_key": getattr(gateway, "publishable_key", ""),
        "stripe_js_url": stripe_js_url(),
        "expires_at": Basket.objects.filter(key=found.basket_key)
        .values_list("expires_at", flat=True)
        .first(),
    }
    response = render(request, "shop/pay.html", context)
    if gateway.is_available and not gateway.is_test:
        sources = stripe_csp_sources()
        response._csp_update = {  # type: ignore[attr-defined]
            "script-src": sources["script-src"],
            "connect-src": sources["connect-src"],
        }
        response._csp_replace = {"frame-src": sources["frame-src"]}  # type: ignore[attr-defined]
    return _no_leak(response)


@public_view
@require_POST
def checkout_pay_card(request, token: str):
    found = _checkout_or_404(request, token)
    if found.state != OnlineCheckout.State.PENDING:
        return JsonResponse({"error": _("Cette commande est déjà réglée.")}, status=400)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    try:
        status, client_secret = online.checkout_pay_card(
            checkout=found,
            card_token=str(data.get("card_token", "")),
            gateway=gateway_for_current_structure(),
        )
    except SaleError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"status": status, "client_secret": client_secret})


@public_view
@require_POST
def checkout_pay_test(request, token: str):
    found = _checkout_or_404(request, token)
    try:
        online.checkout_pay_test(
            structure=request.tenant, checkout=found, gateway=gateway_for_current_structure()
        )
    except SaleError as exc:
        messages.error(request, str(exc))
        return redirect("shop:checkout_pay", token=token)
    return redirect("shop:checkout_done", token=token)


@public_view
@require_GET
def checkout_status(request, token: str):
    found = _checkout_or_404(request, token)
    state = found.state if found.state != OnlineCheckout.State.PENDING else "active"
    return _no_leak(JsonResponse({"state": state}))


@public_view
@require_GET
def checkout_done(request, token: str):
    found = _checkout_or_404(request, token)
    order = found.order
    context = {
        "structure": request.tenant,
        "checkout": found,
        "order": order,
        "lines": list(order.lines.select_related("consumer")) if order else [],
        "invoice": order.documents.filter(kind="invoice").order_by("-pk").first()
        if order
        else None,
    }
    return _no_leak(render(request, "shop/done.html", context))


@public_view
@require_GET
def checkout_invoice_pdf(request, token: str):
    """The paid order's invoice (Factur-X PDF), for whoever holds the order's link (the
    confirmation page and email)."""
    from ponton.billing import pdf

    found = _checkout_or_404(request, token)
    if found.order is None:
        raise Http404
    invoice = found.order.documents.filter(kind="invoice").order_by("-pk").first()
    if invoice is None:
        raise Http404
    response = HttpResponse(
        pdf.document_pdf(invoice, structure=request.tenant), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{pdf.filename(invoice)}"'
    return _no_leak(response)


@public_view
@require_GET
def cgv(request):
    """The structure's CGV (PDF), linked from the checkout."""
    structure = request.tenant
    if not structure.cgv:
        raise Http404
    return FileResponse(
        structure.cgv.open("rb"), content_type="application/pdf", filename="cgv.pdf"
    )
