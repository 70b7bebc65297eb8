"""The signup wizard "Je m'inscris" (EG-1), on the platform domain at /inscription/.

One page per step, each validated before the next one opens. What is typed is kept in a
`SignupDraft` (its id in the session), so the wizard resumes where it was left.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ponton.accounts import ratelimit
from ponton.accounts.access import public_view
from ponton.web.storage import DiskFullError
from tenants import selectors_signup, services_signup
from tenants.forms_signup import (
    STEP_FORMS,
    ActivationKeyStepForm,
    CgvStepForm,
    ContractStepForm,
    StructureStepForm,
)
from tenants.models import SignupDraft, StructureState
from tenants.selectors import structure_url
from tenants.selectors_signup import SESSION_KEY
from tenants.services_signup import LAST_STEP, ContractChoice, SignupError

STEP_TITLES = {
    1: gettext_lazy("Structure"),
    2: gettext_lazy("Contacts"),
    3: gettext_lazy("Clé d'activation"),
    4: gettext_lazy("Super Administrateur"),
    5: gettext_lazy("Adresse"),
    6: gettext_lazy("Coordonnées géographiques"),
    7: gettext_lazy("Site de production"),
    8: gettext_lazy("Thèmes et modules"),
    9: gettext_lazy("Coordonnées bancaires"),
    10: gettext_lazy("Conditions générales de vente"),
    11: gettext_lazy("Contrat"),
}
STEP_INTROS = {
    1: gettext_lazy(
        "Renseignez les informations de votre structure et ajoutez son logo et ses images."
    ),
    2: gettext_lazy(
        "Le directeur est obligatoire. Pour les autres contacts, laissez les champs vides "
        "ou indiquez au moins le prénom, le nom et l'email."
    ),
    3: gettext_lazy("Entrez la clé d'activation que la plateforme vous a envoyée par email."),
    4: gettext_lazy(
        "Ce compte sera le Super Administrateur de votre structure. À la fin de l'inscription, "
        "nous lui enverrons par email un lien pour choisir son mot de passe : aucun mot de "
        "passe n'est jamais envoyé par email."
    ),
    5: gettext_lazy("L'adresse postale de votre structure."),
    6: gettext_lazy(
        "La position de votre structure sur une carte, en degrés décimaux : sur une carte en "
        "ligne, un clic droit sur votre adresse les affiche."
    ),
    8: gettext_lazy(
        "Cochez les thèmes de votre activité et les modules que vous souhaitez. Les modules "
        "payants sont activés par la plateforme après votre demande."
    ),
    9: gettext_lazy("Le compte sur lequel vous recevrez les paiements en ligne."),
    10: gettext_lazy(
        "Importez vos conditions générales de vente : elles sont indispensables à la vente en "
        "ligne."
    ),
    11: gettext_lazy(
        "Prenez connaissance du contrat, puis signez-le électroniquement ou choisissez de "
        "nous l'envoyer signé par courrier."
    ),
}
STEP_TEMPLATES = {
    8: "tenants/signup/step_modules.html",
    11: "tenants/signup/step_contract.html",
}


def _draft(request) -> SignupDraft | None:
    return selectors_signup.signup_draft_of_session(request.session)


def _remember(request, draft: SignupDraft) -> None:
    request.session[SESSION_KEY] = str(draft.pk)


def _steps(number: int, reachable: int) -> list[dict]:
    return [
        {
            "number": n,
            "title": title,
            "done": n < reachable and n != number,
            "current": n == number,
            "reachable": n <= reachable,
        }
        for n, title in STEP_TITLES.items()
    ]


def _render(request, number: int, form, draft: SignupDraft | None, **extra):
    reachable = draft.current_step if draft else 1
    context = {
        "number": number,
        "title": STEP_TITLES[number],
        "intro": STEP_INTROS.get(number, ""),
        "steps": _steps(number, reachable),
        "form": form,
        "draft": draft,
        "multipart": number in (1, 10),
        **extra,
    }
    return render(request, STEP_TEMPLATES.get(number, "tenants/signup/step.html"), context)


@public_view
def start(request):
    """Resume at the furthest step not yet completed (or the success page)."""
    draft = _draft(request)
    if draft is None:
        return redirect("signup:step", number=1)
    if draft.completed_at is not None:
        return redirect("signup:done")
    return redirect("signup:step", number=min(draft.current_step, LAST_STEP))


@public_view
def step(request, number: int):
    if not 1 <= number <= LAST_STEP:
        raise Http404
    draft = _draft(request)
    if draft is not None and draft.completed_at is not None:
        return redirect("signup:done")
    reachable = draft.current_step if draft else 1
    if number > reachable:
        return redirect("signup:step", number=reachable)
    if draft is None:
        # Without a draft only step 1 is reachable (`reachable` is 1 above).
        return _step_structure(request, number, draft)
    handler = {1: _step_structure, 3: _step_key, 10: _step_cgv, 11: _step_contract}.get(
        number, _step_plain
    )
    return handler(request, number, draft)


def _posted(request):
    """The submitted data, or None on GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _next(number: int):
    return redirect("signup:step", number=number + 1)


def _saved_data(draft: SignupDraft | None, number: int) -> dict | None:
    return draft.data.get(str(number)) if draft else None


def _step_plain(request, number: int, draft: SignupDraft):
    form_class = STEP_FORMS[number]
    initial = form_class.initial_from(_saved_data(draft, number))
    form = form_class(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services_signup.signup_step_save(draft=draft, step=number, data=form.to_data())
        return _next(number)
    return _render(request, number, form, draft)


def _step_with_files(request, number: int, draft: SignupDraft | None, form_class):
    stored = draft.files if draft else {}
    initial = form_class.initial_from(_saved_data(draft, number))
    if request.method != "POST":
        return _render(request, number, form_class(initial=initial, stored_files=stored), draft)
    form = form_class(request.POST, request.FILES, initial=initial, stored_files=stored)
    valid = form.is_valid()
    uploads = form.valid_uploads()
    if valid or uploads:
        if draft is None:
            draft = services_signup.signup_draft_create()
            _remember(request, draft)
        # Checked files are kept at once, even when another field of the page is refused.
        try:
            services_signup.signup_files_store(draft=draft, uploads=uploads)
        except DiskFullError as exc:
            form.add_error(None, exc.message)
            valid = False
    if not valid:
        # The page again, with what was typed and the files now stored.
        form.show_stored(draft.files if draft else {})
        return _render(request, number, form, draft)
    assert draft is not None  # a valid form stored its files in a draft above
    if isinstance(form, StructureStepForm):
        services_signup.signup_files_remove(draft=draft, names=form.removed_images())
    services_signup.signup_step_save(draft=draft, step=number, data=form.to_data())
    return _next(number)


def _step_structure(request, number: int, draft: SignupDraft | None):
    return _step_with_files(request, number, draft, StructureStepForm)


def _step_cgv(request, number: int, draft: SignupDraft):
    return _step_with_files(request, number, draft, CgvStepForm)


def _step_key(request, number: int, draft: SignupDraft):
    initial = ActivationKeyStepForm.initial_from(_saved_data(draft, number))
    form = ActivationKeyStepForm(
        _posted(request), initial=initial, client_ip=ratelimit.client_ip(request)
    )
    if request.method == "POST" and form.is_valid():
        assert form.activation_key is not None  # set by clean_key when the key is valid
        services_signup.signup_key_attach(draft=draft, key=form.activation_key)
        return _next(number)
    return _render(request, number, form, draft)


def _step_contract(request, number: int, draft: SignupDraft):
    contract = selectors_signup.contract_current()
    owner = draft.data.get("4", {})
    initial = {"signer_name": f"{owner.get('first_name', '')} {owner.get('last_name', '')}".strip()}
    form = ContractStepForm(_posted(request), initial=initial, contract=contract)
    if request.method == "POST" and form.is_valid():
        choice = ContractChoice(
            method=form.cleaned_data["method"],
            contract=contract,
            signer_name=form.cleaned_data["signer_name"],
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:1000],
        )
        try:
            services_signup.signup_complete(draft=draft, choice=choice)
        except SignupError as exc:
            if exc.step is None:
                return redirect("signup:done")
            messages.error(request, str(exc))
            return redirect("signup:step", number=exc.step)
        return redirect("signup:done")
    return _render(request, number, form, draft, contract=contract)


@public_view
def done(request):
    """Step 12: the success page."""
    draft = _draft(request)
    if draft is not None and draft.completed_at is not None and draft.structure is None:
        request.session.pop(SESSION_KEY, None)  # its structure was deleted since: start afresh
        draft = None
    if draft is None or draft.completed_at is None:
        return redirect("signup:start")
    structure = draft.structure
    return render(
        request,
        "tenants/signup/done.html",
        {
            "new_structure": structure,
            "manager_url": structure_url(structure=structure, path="/manager/"),
            "owner_email": draft.data.get("4", {}).get("email", ""),
            "contract_pending": structure.state == StructureState.CONTRACT_PENDING,
            "steps": [{**s, "done": True, "reachable": False} for s in _steps(0, 0)],
        },
    )


@public_view
@require_POST
def restart(request):
    """Start the signup of another structure from this browser."""
    request.session.pop(SESSION_KEY, None)
    return redirect("signup:start")


@public_view
def contract_text(request):
    """The current contract as plain text, to read, print or sign and send by post."""
    contract = selectors_signup.contract_current()
    response = HttpResponse(contract.content, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="contrat-{contract.version}.txt"'
    return response
