"""The till's home and sell screen (PO-1), session opening, and the small JSON endpoints the
sell screen's JavaScript talks to: device registration, the catalogue the service worker
caches, the customer search and quick creation, and the ticket sync (PO-8).

The JSON endpoints answer JSON in every case the script must understand, with the French
message to show and a stable `code`: a cashier whose session expired while the till was
offline gets a 403 `logged_out` (the tickets stay on the device), never the login page."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from modules.pos import selectors, services
from modules.pos.models import Till, TillDevice
from modules.pos.navigation import choose_till, current_till
from modules.pos.services import TillError
from ponton.accounts.access import check_staff_access, public_view, staff_view
from ponton.billing.models import Payment
from ponton.selling import Actor

PERMISSION = "till.sell"
SEARCH_LIMIT = 10
# The payment methods of the sell screen, in the help centre's order.
METHODS = [
    Payment.Method.CASH,
    Payment.Method.CARD,
    Payment.Method.CHEQUE,
    Payment.Method.HOLIDAY_VOUCHER,
    Payment.Method.CREDIT,
]
# What a refusal's code answers: conflicts with what the server already holds are 409.
CONFLICTS = {"out_of_order", "key_reused"}


def actor_of(request) -> Actor:
    user = request.user
    name = f"{user.first_name} {user.last_name}".strip() or user.email
    return Actor(account_id=user.pk, name=name)


def json_error(message: str, *, status: int, code: str, field: str = "") -> JsonResponse:
    body: dict[str, Any] = {"ok": False, "error": message, "code": code}
    if field:
        body["field"] = field
    return JsonResponse(body, status=status)


def _wants_json(request) -> bool:
    return request.method != "GET" or "application/json" in request.headers.get("Accept", "")


def till_json_view(view: Callable) -> Callable:
    """Staff only ("till.sell"), answering JSON: 403 `logged_out` for a session that expired
    (a browser opening the URL by hand still goes to the login page), 403 `forbidden`."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if not _wants_json(request):
                return redirect_to_login(request.get_full_path())
            return json_error(
                _(
                    "Votre session a expiré : reconnectez-vous. Les tickets restent sur cet "
                    "appareil et partiront ensuite."
                ),
                status=403,
                code="logged_out",
            )
        try:
            check_staff_access(request, PERMISSION)
        except PermissionDenied:
            return json_error(
                _("Vous n'avez pas le droit de vendre à la caisse."), status=403, code="forbidden"
            )
        return view(request, *args, **kwargs)

    wrapped.ponton_permission = PERMISSION  # type: ignore[attr-defined]
    return wrapped


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


# Pages -------------------------------------------------------------------------------------


def _session_json(session) -> dict | None:
    if session is None:
        return None
    return {
        "id": session.pk,
        "number": session.number,
        "opened_at": session.opened_at.isoformat(),
        "opening_float": f"{session.opening_float:.2f}",
    }


def _screen_messages() -> dict[str, str]:
    """The sell screen's words, translated here ({name}-style blanks filled by sell.js)."""
    return {
        "all": _("Tout"),
        "from_price": _("dès {price}"),
        "places": _("{n} place(s)"),
        "full": _("Complet"),
        "in_stock": _("{n} en stock"),
        "out_of_stock": _("Épuisé"),
        "no_products": _("Aucun produit ne correspond."),
        "catalogue_offline": _(
            "Catalogue indisponible : connectez la caisse au serveur une première fois."
        ),
        "mandatory": _("obligatoire"),
        "rate": _("Tarif"),
        "quantity": _("Quantité"),
        "less": _("Un de moins : {name}"),
        "more": _("Un de plus : {name}"),
        "remove": _("Retirer {name}"),
        "consumer_is": _("Consommateur : {name}"),
        "choose_consumer": _("Choisir le consommateur"),
        "choose_customer": _("Choisir le client"),
        "credit": _("avoir {amount}"),
        "no_customer": _("Aucun client trouvé."),
        "customers_offline": _("Hors ligne : seuls les clients récents sont proposés."),
        "create_offline": _("Hors ligne : un client ne se crée qu'avec le serveur."),
        "server_error": _("Le serveur n'a pas répondu correctement : réessayez."),
        "empty": _("Le panier est vide."),
        "consumer_missing": _("Choisissez le consommateur de « {name} »."),
        "too_old": _(
            "La caisse est ouverte depuis plus de 24 h : faites la clôture (X->Z) "
            "avant de vendre à nouveau."
        ),
        "amount": _("Montant (€)"),
        "amount_handed": _("Montant remis (€)"),
        "handed": _("remis"),
        "change": _("Rendu"),
        "amount_invalid": _("Saisissez un montant en euros, par exemple 12,50."),
        "amount_over": _("Ce mode de paiement ne peut pas dépasser le reste à payer ({due})."),
        "cheque_missing": _("Indiquez la banque, le numéro et l'émetteur du chèque."),
        "credit_no_customer": _("Choisissez d'abord le client qui a l'avoir."),
        "credit_over": _("Le client n'a que {amount} d'avoir disponible."),
        "no_device": _(
            "Cet appareil n'est pas encore enregistré à la caisse : connectez-le une première "
            "fois au serveur."
        ),
        "save_failed": _("Le ticket n'a pas été fait : {error}"),
        "saving": _("Enregistrement…"),
        "confirm": _("Valider le ticket"),
        "ticket_number": _("Ticket n° {number}"),
        "sold_at": _("Vendu le"),
        "customer": _("Client"),
        "total_ttc": _("Total TTC"),
        "made_offline": _("Ticket fait hors ligne."),
        "state_pending": _("En attente de synchronisation"),
        "state_synced": _("Enregistré sur le serveur"),
        "state_refused": _("Refusé par le serveur : {message}"),
        "open_ticket": _("Voir le ticket"),
    }


def _screen_config(request, till: Till, session) -> dict:
    home = reverse("till:home")
    return {
        "messages": _screen_messages(),
        "till": {"id": till.pk, "code": till.code, "name": till.name},
        "session": _session_json(session),
        "session_max_age_hours": int(services.SESSION_MAX_AGE.total_seconds() // 3600),
        "user": actor_of(request).name,
        "walk_in": {"id": None, "name": str(till.walk_in_customer)},
        "methods": [{"code": m, "label": str(Payment.Method(m).label)} for m in METHODS],
        "urls": {
            "home": home,
            "catalogue": reverse("till:catalogue"),
            "device": reverse("till:device"),
            "customers": reverse("till:customers"),
            "customer_new": reverse("till:customer_new"),
            "ticket": home + "tickets/",  # + <id>/: the ticket page (till:ticket)
        },
    }


def _till_context(request, till: Till | None, session=None) -> dict:
    return {"till": till, "till_session": session}


@staff_view(PERMISSION)
@require_GET
def home(request):
    """/caisse/: choose a till, open it with the counted float, then sell."""
    till = current_till(request)
    tills = list(Till.objects.filter(active=True).select_related("site"))
    if till is None:
        return render(
            request,
            "pos/sell_choose.html",
            {**_till_context(request, None), "tills": tills, "manager_url": reverse("pos:index")},
        )
    session = services.open_session(till)
    if session is None:
        return render(
            request,
            "pos/sell_open.html",
            {**_till_context(request, till), "tills": tills, "opening_float": "", "error": ""},
        )
    return render(
        request,
        "pos/sell.html",
        {
            **_till_context(request, till, session),
            "config": _screen_config(request, till, session),
            "too_old": timezone.now() - session.opened_at > services.SESSION_MAX_AGE,
        },
    )


@staff_view(PERMISSION)
@require_POST
def choose(request):
    """ "Changer de caisse": the till this browser works at."""
    try:
        till_id = int(request.POST.get("till", ""))
    except ValueError:
        till_id = 0
    till = selectors.access_till(till_id)
    choose_till(request, till)
    return redirect("till:home")


@staff_view(PERMISSION)
@require_POST
def open_till(request):
    """ "Ouvrir la caisse" with the counted opening float (French decimal)."""
    till = current_till(request)
    if request.POST.get("till", "").isdigit():
        till = selectors.access_till(int(request.POST["till"]))
        choose_till(request, till)
    if till is None:
        return redirect("till:home")
    raw = request.POST.get("opening_float", "").strip()
    try:
        if not raw:
            raise TillError(_("Indiquez le fond de caisse compté."), field="opening_float")
        session = services.session_open(till=till, opening_float=raw, actor=actor_of(request))
    except TillError as error:
        return render(
            request,
            "pos/sell_open.html",
            {
                **_till_context(request, till),
                "tills": list(Till.objects.filter(active=True)),
                "opening_float": raw,
                "error": error.message,
            },
            status=400,
        )
    messages.success(
        request,
        _("Caisse ouverte (session n° %(number)s).") % {"number": session.number},
    )
    return redirect("till:home")


# JSON endpoints ------------------------------------------------------------------------------


@till_json_view
@require_POST
def device(request):
    """Register this browser at a till: its uid, number and signing key, given ONCE."""
    data = _body(request)
    till_id = data.get("till")
    if isinstance(till_id, bool) or not isinstance(till_id, int):
        return json_error(_("Choisissez une caisse."), status=400, code="malformed")
    till = selectors.access_till(till_id)
    registered, key = services.device_register(
        till=till, actor=actor_of(request), label=str(data.get("label", ""))[:200]
    )
    return JsonResponse(
        {
            "ok": True,
            "device": {
                "uid": str(registered.uid),
                "number": registered.number,
                "key": key,
                "till": till.pk,
                "code": till.code,
            },
        },
        status=201,
    )


@till_json_view
@require_GET
def catalogue(request):
    """The sell screen's products, rates and today's sessions (cached by the service worker)."""
    data = selectors.till_catalogue()
    till = current_till(request)
    session = services.open_session(till) if till is not None else None
    data["till"] = {"id": till.pk, "code": till.code, "name": till.name} if till else None
    data["session"] = _session_json(session)
    response = JsonResponse(data)
    response["Cache-Control"] = "no-cache"
    return response


@till_json_view
@require_GET
def ping(request):
    """Is the server there, is the cashier still logged in, is the till still open."""
    till = current_till(request)
    session = services.open_session(till) if till is not None else None
    return JsonResponse(
        {"ok": True, "server_time": timezone.now().isoformat(), "session": _session_json(session)}
    )


def _customer_json(customer) -> dict:
    from ponton.billing.selectors import customer_credit

    return {
        "id": customer.pk,
        "name": f"{customer.first_name} {customer.last_name}".strip(),
        "email": customer.email,
        "credit": f"{customer_credit(payer_id=customer.pk):.2f}",
    }


@till_json_view
@require_GET
def customers(request):
    """Customer search for the payer or a consumer (name, email, phone)."""
    from ponton.customers.selectors import customer_list

    query = request.GET.get("q", "").strip()
    if len(query) < 2:
        return JsonResponse({"customers": []})
    found = customer_list(query=query).filter(erased_at__isnull=True)[:SEARCH_LIMIT]
    return JsonResponse({"customers": [_customer_json(c) for c in found]})


@till_json_view
@require_POST
def customer_new(request):
    """Quick creation of a customer from the till (first name, last name, email, mobile)."""
    from ponton.customers.services import customer_create

    data = _body(request)
    first_name = str(data.get("first_name", "")).strip()[:100]
    last_name = str(data.get("last_name", "")).strip()[:100]
    email = str(data.get("email", "")).strip()[:254]
    if not last_name:
        return json_error(
            _("Indiquez le nom du client."), status=400, code="invalid", field="last_name"
        )
    if email and ("@" not in email or " " in email):
        return json_error(
            _("Saisissez une adresse email valide."), status=400, code="invalid", field="email"
        )
    customer = customer_create(
        first_name=first_name,
        last_name=last_name,
        email=email,
        mobile=str(data.get("mobile", "")).strip()[:30],
    )
    return JsonResponse({"ok": True, "customer": _customer_json(customer)}, status=201)


@till_json_view
@require_POST
def sync(request):
    """A ticket made and signed on a device: recorded once (201), already recorded (200,
    `duplicate`), or refused with its French message and code (4xx): the device keeps it."""
    from ponton.selling import BillingError, SaleError

    data = _body(request)
    payload = data.get("payload")
    signature = data.get("signature")
    if not isinstance(payload, dict) or not isinstance(signature, str):
        return json_error(_("Ticket mal formé."), status=400, code="malformed")
    try:
        device_uid = uuid.UUID(str(payload.get("device")))
    except ValueError:
        return json_error(_("Ticket mal formé (appareil)."), status=400, code="malformed")
    till_device = TillDevice.objects.filter(uid=device_uid).select_related("till").first()
    if till_device is None:
        return json_error(
            _("Cet appareil n'est pas enregistré à une caisse de cette structure."),
            status=422,
            code="unknown_device",
        )
    try:
        recorded = services.ticket_record(
            structure=request.tenant,
            device=till_device,
            payload=payload,
            signature=signature,
            actor=actor_of(request),
        )
    except TillError as error:
        status = 409 if error.code in CONFLICTS else 422
        return json_error(error.message, status=status, code=error.code, field=error.field)
    except (SaleError, BillingError) as error:
        message = getattr(error, "message", None) or str(error)
        return json_error(message, status=422, code="sale_refused")
    ticket = recorded.ticket
    return JsonResponse(
        {
            "ok": True,
            "duplicate": recorded.duplicate,
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "total": f"{ticket.total:.2f}",
                "change_given": f"{ticket.change_given:.2f}",
                "overbooked": ticket.overbooked,
                "url": reverse("till:home") + f"tickets/{ticket.pk}/",
            },
        },
        status=200 if recorded.duplicate else 201,
    )


# The service worker ----------------------------------------------------------------------------

# The till's own assets, cached by the service worker with the page and the catalogue.
ASSETS = ["pos/till.css", "pos/idb.js", "pos/till.js", "pos/sell.js", "ponton/ponton.css"]


def _static_text(name: str) -> str:
    path = finders.find(name)
    if not path:
        return ""
    with open(path, encoding="utf-8") as source:
        return source.read()


@public_view
@require_GET
def service_worker(request):
    """/caisse/sw.js, allowed to control /caisse/: the worker's source with the URLs it
    caches (the static files' names change with their content in production)."""
    source = _static_text("pos/sw.js")
    home = reverse("till:home")
    urls = [home, reverse("till:catalogue"), *(static(name) for name in ASSETS)]
    # A new version (new cache, old one dropped) whenever the worker or an asset changes.
    digest = hashlib.sha256(source.encode())
    for name in ASSETS:
        digest.update(_static_text(name).encode())
    digest.update(json.dumps(urls).encode())
    header = (
        f"const TILL_HOME = {json.dumps(home)};\n"
        f"const TILL_PRECACHE = {json.dumps(urls)};\n"
        f"const TILL_VERSION = {json.dumps(digest.hexdigest()[:16])};\n"
    )
    response = HttpResponse(header + source, content_type="application/javascript")
    response["Service-Worker-Allowed"] = home
    response["Cache-Control"] = "no-cache"
    return response
