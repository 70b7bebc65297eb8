"""Club Manager > Panier (OR-1): the basket, kept server-side in the user's session, one per
structure. Staff pick the payer (suggestions as they type, or the search "loupe"), add sessions
from the planning with a rate ("Ajout panier") and products from the catalogue ("Vendre"),
set the consumer and the custom fields' answers of each line, add free lines, then
"Commander" or "Devis". Every sales rule is checked by `ponton.selling.order_place`; its
French messages are shown next to the payer, the line or the basket they belong to."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton import selling
from ponton.accounts.access import staff_view
from ponton.catalogue import selectors as catalogue_selectors
from ponton.catalogue.models import CustomField, Product, Rate
from ponton.customers import selectors as customer_selectors
from ponton.customers.models import Customer
from ponton.planning import selectors as planning_selectors
from ponton.planning.models import Session
from ponton.sales import selectors, services
from ponton.sales.forms import (
    BasketLineForm,
    FreeLineForm,
    ProductSaleForm,
    SessionSaleForm,
    custom_field_name,
)
from ponton.sales.services import LineRequest, SaleError

SUGGESTIONS = 8


def actor_of(request) -> services.Actor:
    user = request.user
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    return services.Actor(account_id=user.pk, name=name)


# The basket in the session --------------------------------------------------------------


def _key(request) -> str:
    return f"basket:{request.tenant.pk}"


def basket_of(request) -> dict:
    basket = request.session.get(_key(request))
    if not basket:
        basket = {"payer": None, "lines": [], "next": 1}
    return basket


def basket_save(request, basket: dict) -> None:
    request.session[_key(request)] = basket
    request.session.modified = True


def basket_clear(request) -> None:
    request.session.pop(_key(request), None)


def basket_add(request, **line) -> None:
    basket = basket_of(request)
    line.setdefault("consumer", None)
    line.setdefault("answers", {})
    line["id"] = basket["next"]
    basket["next"] += 1
    basket["lines"].append(line)
    basket_save(request, basket)


def _line(basket: dict, line_id: int) -> dict | None:
    return next((line for line in basket["lines"] if line["id"] == line_id), None)


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


# Reading the basket -------------------------------------------------------------------------


class _Loaded:
    """The basket's rows, loaded in a few queries whatever its size."""

    def __init__(self, basket: dict):
        lines = basket["lines"]
        product_ids = {line["product"] for line in lines if line.get("product")}
        self.products: dict[int | None, Product] = {
            p.pk: p
            for p in Product.objects.filter(pk__in=product_ids).prefetch_related(
                "rates", "custom_fields"
            )
        }
        session_ids = {line["session"] for line in lines if line.get("session")}
        self.sessions = {s.pk: s for s in Session.objects.filter(pk__in=session_ids)}
        customer_ids = {line["consumer"] for line in lines if line.get("consumer")}
        if basket.get("payer"):
            customer_ids.add(basket["payer"])
        self.customers: dict[int | None, Customer] = {
            c.pk: c for c in Customer.objects.filter(pk__in=customer_ids, erased_at__isnull=True)
        }

    def product(self, line: dict) -> Product | None:
        return self.products.get(line.get("product"))

    def rate(self, line: dict) -> Rate | None:
        product = self.product(line)
        if product is None or not line.get("rate"):
            return None
        return next((r for r in product.rates.all() if r.pk == line["rate"]), None)

    def custom_fields(self, line: dict) -> list[CustomField]:
        product = self.product(line)
        if product is None:
            return []
        return list(product.custom_fields.all())


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


def _requests(basket: dict, loaded: _Loaded) -> list[LineRequest]:
    """The basket as the service's LineRequests (answers by the custom field's label)."""
    result = []
    for line in basket["lines"]:
        product = loaded.product(line)
        if product is None:
            result.append(
                LineRequest(
                    label=line.get("label", ""),
                    unit_price=_decimal(line.get("unit_price")),
                    vat_rate=_decimal(line.get("vat_rate")),
                    vat_exemption=line.get("vat_exemption", ""),
                    accounting_code=line.get("accounting_code", ""),
                    quantity=line["quantity"],
                )
            )
            continue
        fields = {str(f.pk): f.label for f in loaded.custom_fields(line)}
        result.append(
            LineRequest(
                product=product,
                session=loaded.sessions.get(line.get("session")),
                rate=loaded.rate(line),
                consumer=loaded.customers.get(line.get("consumer")),
                quantity=line["quantity"],
                answers={
                    fields[key]: value
                    for key, value in line.get("answers", {}).items()
                    if key in fields
                },
            )
        )
    return result


def _rows(basket: dict, loaded: _Loaded, *, bound: dict | None = None) -> list[dict]:
    rows = []
    for line in basket["lines"]:
        product = loaded.product(line)
        session = loaded.sessions.get(line.get("session"))
        rate = loaded.rate(line)
        if product is None:
            label = line.get("label", "")
            unit_price = _decimal(line.get("unit_price")) or Decimal("0.00")
        else:
            label = product.name
            unit_price = rate.amount if rate is not None else product.price
        fields = loaded.custom_fields(line)
        form = None
        if product is not None:
            if bound is not None and bound.get("id") == line["id"]:
                form = bound["form"]
            else:
                initial = {"quantity": line["quantity"], "rate": line.get("rate")}
                for field in fields:
                    initial[custom_field_name(field)] = line.get("answers", {}).get(str(field.pk))
                form = BasketLineForm(
                    prefix=f"l{line['id']}",
                    product=product,
                    rates=list(product.rates.all()),
                    custom_fields=fields,
                    initial=initial,
                )
        rows.append(
            {
                "id": line["id"],
                "label": label,
                "product": product,
                "session": session,
                "rate": rate,
                "free": product is None,
                "vat_rate": line.get("vat_rate"),
                "consumer": loaded.customers.get(line.get("consumer")),
                "consumer_required": bool(product and product.consumer_required),
                "quantity": line["quantity"],
                "unit_price": unit_price,
                "total": unit_price * line["quantity"],
                "form": form,
                "errors": [],
                "search": None,
            }
        )
    return rows


def _consumer_id(line: dict, basket: dict) -> int | None:
    """Who takes part on a line: its consumer, else the payer (as in the participants list)."""
    return line.get("consumer") or basket.get("payer")


def _duplicates(basket: dict) -> dict[int, list[selectors.Registration]]:
    """Basket line id -> the orders in which its consumer is already booked on its session."""
    pairs = {
        line["id"]: (line["session"], consumer)
        for line in basket["lines"]
        if line.get("session") and (consumer := _consumer_id(line, basket))
    }
    found = selectors.session_registrations(pairs=pairs.values())
    return {line_id: found[pair] for line_id, pair in pairs.items() if pair in found}


CONFIRM_DUPLICATES = "confirmer_doublons"


def _search_results(query: str):
    if not query.strip():
        return []
    return list(
        customer_selectors.customer_list(query=query).filter(erased_at__isnull=True)[:SUGGESTIONS]
    )


def _basket_page(
    request,
    *,
    basket: dict | None = None,
    errors: dict | None = None,
    free_form: FreeLineForm | None = None,
    bound_line: dict | None = None,
    status: int = 200,
):
    basket = basket or basket_of(request)
    loaded = _Loaded(basket)
    rows = _rows(basket, loaded, bound=bound_line)
    errors = errors or {}
    duplicates = _duplicates(basket)
    for row in rows:
        row["errors"] = errors.get(("line", row["id"]), [])
        row["duplicates"] = duplicates.get(row["id"], [])
    # The "loupe": a search without JavaScript shows its results in the page.
    search_for = request.GET.get("chercher", "")
    results = _search_results(request.GET.get("q", "")) if search_for else []
    payer_results = results if search_for == "payer" else None
    for row in rows:
        if search_for == str(row["id"]):
            row["search"] = results
    total = sum((row["total"] for row in rows), Decimal("0.00"))
    payer = loaded.customers.get(basket.get("payer"))
    # The payer and the people they pay for: the usual consumers, one click away.
    family = []
    if payer is not None and any(row["form"] is not None for row in rows):
        family = [payer, *payer.consumers.filter(erased_at__isnull=True).order_by("first_name")]
    return render(
        request,
        "sales/basket.html",
        {
            "payer": payer,
            "family": family,
            "rows": rows,
            "total": total,
            "payer_errors": errors.get("payer", []),
            "basket_errors": errors.get("basket", []),
            "payer_results": payer_results,
            "search_for": search_for,
            "free_form": free_form or FreeLineForm(prefix="free"),
            "has_duplicates": bool(duplicates),
            "confirm_duplicates": CONFIRM_DUPLICATES,
        },
        status=status,
    )


# Pages ----------------------------------------------------------------------------------------


@staff_view("sales.manage")
def basket(request):
    return _basket_page(request)


@staff_view("sales.manage")
def customer_suggestions(request):
    """Suggestions as staff type a name (htmx): each one a button choosing that customer as the
    payer, or as the consumer of a line."""
    target = request.GET.get("pour", "payer")
    basket = basket_of(request)
    if target != "payer" and _line(basket, _int(target)) is None:
        target = "payer"
    return render(
        request,
        "sales/_customer_suggestions.html",
        {
            "customers": _search_results(request.GET.get("q", "")),
            "target": target,
            "query": request.GET.get("q", ""),
        },
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _customer_from_post(request) -> Customer | None:
    customer_id = _int(request.POST.get("customer"))
    if customer_id is None:
        return None
    return Customer.objects.filter(pk=customer_id, erased_at__isnull=True).first()


@staff_view("sales.manage")
@require_POST
def basket_payer(request):
    customer = _customer_from_post(request)
    if customer is None:
        return _basket_page(
            request, errors={"payer": [_("Choisissez un client de la liste.")]}, status=400
        )
    basket = basket_of(request)
    basket["payer"] = customer.pk
    basket_save(request, basket)
    messages.success(request, _("Payeur : %(name)s.") % {"name": customer.full_name})
    return redirect("manager:basket")


@staff_view("sales.manage")
@require_POST
def basket_line_consumer(request, line_id: int):
    basket = basket_of(request)
    line = _line(basket, line_id)
    if line is None:
        return redirect("manager:basket")
    customer = _customer_from_post(request)
    if customer is None:
        return _basket_page(
            request,
            errors={("line", line_id): [_("Choisissez un client de la liste.")]},
            status=400,
        )
    line["consumer"] = customer.pk
    basket_save(request, basket)
    messages.success(request, _("Consommateur : %(name)s.") % {"name": customer.full_name})
    return redirect("manager:basket")


@staff_view("sales.manage")
@require_POST
def basket_line_edit(request, line_id: int):
    basket = basket_of(request)
    line = _line(basket, line_id)
    loaded = _Loaded(basket)
    product = loaded.product(line) if line else None
    if line is None or product is None:
        return redirect("manager:basket")
    form = BasketLineForm(
        data=request.POST,
        files=request.FILES,
        prefix=f"l{line_id}",
        product=product,
        rates=list(product.rates.all()),
        custom_fields=loaded.custom_fields(line),
    )
    if not form.is_valid():
        return _basket_page(request, bound_line={"id": line_id, "form": form}, status=400)
    line["quantity"] = form.cleaned_data["quantity"]
    if "rate" in form.cleaned_data and form.cleaned_data["rate"] is not None:
        line["rate"] = form.cleaned_data["rate"].pk
    # A file already given stays until another one is sent.
    kept_files = {
        str(f.pk): line["answers"][str(f.pk)]
        for f in loaded.custom_fields(line)
        if f.kind == CustomField.Kind.FILE and str(f.pk) in line.get("answers", {})
    }
    stored = {
        key: services.answer_file_store(upload=upload) for key, upload in form.uploads().items()
    }
    line["answers"] = {**form.answers(), **kept_files, **stored}
    basket_save(request, basket)
    messages.success(request, _("Ligne enregistrée."))
    return redirect("manager:basket")


@staff_view("sales.manage")
@require_POST
def basket_line_remove(request, line_id: int):
    basket = basket_of(request)
    basket["lines"] = [line for line in basket["lines"] if line["id"] != line_id]
    basket_save(request, basket)
    messages.success(request, _("Ligne retirée du panier."))
    return redirect("manager:basket")


@staff_view("sales.manage")
@require_POST
def basket_free_line(request):
    form = FreeLineForm(data=request.POST, prefix="free")
    if not form.is_valid():
        return _basket_page(request, free_form=form, status=400)
    data = form.cleaned_data
    basket_add(
        request,
        product=None,
        session=None,
        rate=None,
        label=data["label"],
        unit_price=str(data["unit_price"]),
        vat_rate=data["vat_rate"],
        vat_exemption=data["vat_exemption"],
        accounting_code=data["accounting_code"],
        quantity=data["quantity"],
    )
    messages.success(request, _("Ligne libre ajoutée au panier."))
    return redirect("manager:basket")


@staff_view("sales.manage")
@require_POST
def basket_empty(request):
    basket_clear(request)
    messages.success(request, _("Le panier a été vidé."))
    return redirect("manager:basket")


def _missing_answers(basket: dict, loaded: _Loaded) -> dict:
    errors: dict[tuple[str, str], list[str]] = {}
    for line in basket["lines"]:
        for field in loaded.custom_fields(line):
            if field.required and not line.get("answers", {}).get(str(field.pk)):
                errors.setdefault(("line", line["id"]), []).append(
                    _("Répondez à « %(label)s ».") % {"label": field.label}
                )
    return errors


@staff_view("sales.manage")
@require_POST
def basket_submit(request):
    """ "Commander" (an order: seats and stock taken) or "Devis" (a quote)."""
    quote = request.POST.get("action") == "quote"
    basket = basket_of(request)
    loaded = _Loaded(basket)
    errors = _missing_answers(basket, loaded)
    if not quote and _duplicates(basket) and not request.POST.get(CONFIRM_DUPLICATES):
        # Booking someone twice on a session is allowed, but only on purpose.
        errors.setdefault("basket", []).append(
            _(
                "Un participant est déjà inscrit à une de ces séances : cochez la confirmation "
                "pour l'inscrire une seconde fois."
            )
        )
    if errors:
        return _basket_page(request, basket=basket, errors=errors, status=400)
    try:
        order = selling.order_place(
            payer=loaded.customers.get(basket.get("payer")),
            lines=_requests(basket, loaded),
            actor=actor_of(request),
            quote=quote,
        )
    except SaleError as exc:
        if exc.field == "payer":
            key = "payer"
        elif exc.line is not None and exc.line < len(basket["lines"]):
            key = ("line", basket["lines"][exc.line]["id"])
        else:
            key = "basket"
        return _basket_page(request, basket=basket, errors={key: [str(exc)]}, status=400)
    basket_clear(request)
    if quote:
        messages.success(request, _("Devis %(number)s créé.") % {"number": order.number})
    else:
        messages.success(request, _("Commande %(number)s créée.") % {"number": order.number})
    return redirect("manager:order", order_id=order.pk)


# Adding from the planning and the catalogue --------------------------------------------------


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return timezone.localdate()


@staff_view("sales.manage")
def basket_planning(request):
    """ "Planning" from the basket: the sessions of a week, each with "Ajout panier"."""
    day = _day(request.GET.get("jour", ""))
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=7)
    product_id = _int(request.GET.get("activite"))
    product = Product.objects.filter(pk=product_id).first() if product_id else None
    sessions = list(planning_selectors.session_list(product=product, start=start, end=end))
    days: dict[dt.date, list[Session]] = {}
    for session in sessions:
        days.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    base = reverse("manager:basket_planning")
    suffix = f"&activite={product.pk}" if product else ""
    return render(
        request,
        "sales/basket_planning.html",
        {
            "day": day,
            "days": sorted(days.items()),
            "product": product,
            "activities": planning_selectors.activity_list(),
            "previous_url": f"{base}?jour={day - dt.timedelta(days=7):%Y-%m-%d}{suffix}",
            "next_url": f"{base}?jour={day + dt.timedelta(days=7):%Y-%m-%d}{suffix}",
            "this_url": request.get_full_path(),
        },
    )


@staff_view("sales.manage")
def basket_session(request, session_id: int):
    """ "Ajout panier" on a session: choose the rate and the number of places, "Valider"."""
    session = planning_selectors.access_session(session_id=session_id)
    form = SessionSaleForm(data=request.POST if request.method == "POST" else None, session=session)
    if request.method == "POST" and form.is_valid():
        rate = form.cleaned_data.get("rate")
        basket_add(
            request,
            product=session.product_id,
            session=session.pk,
            rate=rate.pk if rate else None,
            quantity=form.cleaned_data["quantity"],
        )
        messages.success(
            request,
            _("« %(name)s » du %(day)s ajouté au panier.")
            % {
                "name": session.product.name,
                "day": timezone.localtime(session.starts_at).strftime("%d/%m/%Y %H:%M"),
            },
        )
        return redirect(_next_url(request, reverse("manager:basket")))
    return render(
        request,
        "sales/basket_session.html",
        {"session": session, "form": form, "next": _next_url(request, "")},
        status=400 if request.method == "POST" else 200,
    )


@staff_view("sales.manage")
def basket_catalogue(request):
    """ "Catalogue" from the basket: the published products, each with "Vendre"."""
    query = request.GET.get("q", "")
    products = catalogue_selectors.product_list(
        query=query, status=Product.Status.PUBLISHED
    ).exclude(associated_only=True)[:200]
    return render(
        request,
        "sales/basket_catalogue.html",
        {"products": products, "query": query, "sale_form": ProductSaleForm()},
    )


@staff_view("sales.manage")
def basket_product(request, product_id: int):
    """ "Vendre" on a product: added to the basket (an activity needs a date first)."""
    product = catalogue_selectors.access_product(product_id=product_id)
    if product.kind == Product.Kind.ACTIVITY:
        return redirect(f"{reverse('manager:basket_planning')}?activite={product.pk}")
    if request.method != "POST":
        return redirect("manager:basket_catalogue")
    form = ProductSaleForm(data=request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez une quantité d'au moins 1."))
        return redirect("manager:basket_catalogue")
    rate = product.rates.first()
    basket_add(
        request,
        product=product.pk,
        session=None,
        rate=rate.pk if rate else None,
        quantity=max(form.cleaned_data["quantity"], 1),
    )
    messages.success(request, _("« %(name)s » ajouté au panier.") % {"name": product.name})
    return redirect(_next_url(request, reverse("manager:basket_catalogue")))
