"""EG-1: the signup wizard "Je m'inscris" on the platform domain, /inscription/."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.html import escape
from django_tenants.utils import schema_context

from ponton.accounts.models import Membership, Role, User
from ponton.catalogue.models import Site
from tenants.cloning import schema_exists
from tenants.models import (
    ActivationKey,
    ContractSignature,
    Domain,
    ModuleSubscription,
    SignupDraft,
    Structure,
    StructureContact,
    StructureImage,
    StructureState,
)
from tests.support.files import pdf_upload as pdf
from tests.support.files import png_upload as png

KEY = "K7QF-2MZP-9XWD-HT4C"
CONTRACT = Path(__file__).resolve().parents[2] / "tenants" / "contracts" / "contrat-2026-11.txt"
UA = "Mozilla/5.0 (test) Ponton-signup"


def url(number: int | None = None) -> str:
    return "/inscription/" if number is None else f"/inscription/etape/{number}/"


def step_data(number: int, slug: str = "cvbrest", **overrides) -> dict:
    data = {
        1: lambda: {
            "name": "Club de voile de Brest",
            "slug": slug,
            "title": "CV Brest",
            "description": "Voile légère et croisière en rade de Brest.",
            "siret": "732 829 320 00074",
            "email": "contact@cvbrest.test",
            "phone": "02 98 44 12 34",
            "website": "https://cvbrest.test",
            "logo": png(),
            "image_1": png("ponton.png"),
        },
        2: lambda: {
            "director_first_name": "Marie",
            "director_last_name": "Le Gall",
            "director_email": "marie@cvbrest.test",
            "director_phone": "06 12 34 56 78",
            "accountant_first_name": "Paul",
            "accountant_last_name": "Kerbrat",
            "accountant_email": "compta@cvbrest.test",
        },
        3: lambda: {"key": KEY.lower().replace("-", " ")},
        4: lambda: {"first_name": "Alex", "last_name": "Dupont", "email": "Alex@CVBrest.test"},
        5: lambda: {
            "address_line1": "1 quai Malbert",
            "address_line2": "Port de commerce",
            "postal_code": "29200",
            "city": "Brest",
        },
        6: lambda: {"latitude": "48,3904", "longitude": "-4,4861"},
        7: lambda: {"production_site": "oui"},
        8: lambda: {
            "themes": ["voile", "nautisme"],
            "free_modules": ["forum", "ffvoile"],
            "paid_modules": ["sms"],
        },
        9: lambda: {
            "bank_account_holder": "Club de voile de Brest",
            "iban": "fr76 3000 6000 0112 3456 7890 189",
            "bic": "bnpafrpp",
        },
        10: lambda: {"cgv": pdf()},
        11: lambda: {
            "method": "electronic",
            "accept": "on",
            "signer_name": "Alex Dupont",
            "contract_sha256": hashlib.sha256(CONTRACT.read_bytes()).hexdigest(),
        },
    }[number]()
    data.update(overrides)
    return data


def post(client: Client, number: int, data: dict):
    return client.post(url(number), data, HTTP_USER_AGENT=UA)


def walk_to(client: Client, number: int, slug: str = "cvbrest") -> None:
    """Fill steps 1 .. number-1 with valid data."""
    for n in range(1, number):
        response = post(client, n, step_data(n, slug=slug))
        assert response.status_code == 302, (
            n,
            response.context and response.context["form"].errors,
        )
        assert response["Location"] == url(n + 1)


def draft_of(client: Client) -> SignupDraft:
    return SignupDraft.objects.get(pk=client.session["signup_draft_id"])


def errors(response) -> dict:
    return {k: list(v) for k, v in response.context["form"].errors.items()}


def shows(response, text: str) -> bool:
    return escape(text) in response.content.decode()


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # clears the storage's cached root
    return tmp_path


@pytest.fixture
def key(db):
    return ActivationKey.objects.create(
        key=KEY,
        intended_for="Club de voile de Brest",
        email="contact@cvbrest.test",
        expires_at=timezone.now() + timedelta(days=30),
    )


@pytest.fixture
def web(platform, media_root, key, client_for):
    return client_for(None)


def test_signup_happy_path_creates_the_structure(
    web, key, media_root, smtp_server, django_capture_on_commit_callbacks, client_for
):
    """EG-1: every step in order, then the structure exists with everything typed."""
    assert web.get(url()).status_code == 302
    first = web.get(url(1))
    assert first.status_code == 200
    assert shows(first, "Nom de la structure") and shows(first, "Identifiant (adresse)")
    assert 'class="steps"' in first.content.decode()

    walk_to(web, 11)
    draft = draft_of(web)
    assert draft.current_step == 11
    assert draft.activation_key == key
    page = web.get(url(11))
    assert shows(page, "J'ai lu et j'accepte le contrat")
    assert shows(page, "Je l'enverrai signé par courrier")
    assert shows(page, "Article 1 – Objet")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(web, 11, step_data(11))
    assert response.status_code == 302
    assert response["Location"] == "/inscription/termine/"

    structure = Structure.objects.get(slug="cvbrest")
    assert schema_exists("s_cvbrest")
    assert Domain.objects.get(tenant=structure).domain == "cvbrest.localhost"
    assert (structure.name, structure.title, structure.state) == (
        "Club de voile de Brest",
        "CV Brest",
        StructureState.ACTIVE,
    )
    assert structure.activated_at is not None
    assert (structure.siret, structure.email, structure.phone, structure.website) == (
        "73282932000074",
        "contact@cvbrest.test",
        "+33298441234",
        "https://cvbrest.test",
    )
    assert (structure.address_line1, structure.address_line2, structure.postal_code) == (
        "1 quai Malbert",
        "Port de commerce",
        "29200",
    )
    assert structure.city == "Brest"
    assert (structure.latitude, structure.longitude) == (Decimal("48.390400"), Decimal("-4.486100"))
    assert structure.themes == ["voile", "nautisme"]
    assert (structure.bank_account_holder, structure.iban, structure.bic) == (
        "Club de voile de Brest",
        "FR7630006000011234567890189",
        "BNPAFRPP",
    )
    # Files: copied into the structure's own media directory.
    assert structure.logo.name == "structures/logos/cvbrest-logo.png"
    assert (media_root / "s_cvbrest" / structure.logo.name).is_file()
    assert structure.cgv.name == "structures/cgv/cvbrest-cgv.pdf"
    assert (media_root / "s_cvbrest" / structure.cgv.name).read_bytes().startswith(b"%PDF-")
    images = list(StructureImage.objects.filter(structure=structure))
    assert [(i.position, i.image.name) for i in images] == [(0, "structures/images/cvbrest-1.png")]
    # The draft's own copies are gone once the structure has them.
    assert not any((media_root / "public" / "signup").rglob("*.*"))

    owner = User.objects.get(email="alex@cvbrest.test")
    assert (owner.first_name, owner.last_name) == ("Alex", "Dupont")
    assert not owner.has_usable_password()
    membership = Membership.objects.get(structure=structure)
    assert (membership.user, membership.role) == (owner, Role.OWNER)

    contacts = {
        c.role: (c.first_name, c.last_name, c.email, c.phone)
        for c in StructureContact.objects.filter(structure=structure)
    }
    assert contacts == {
        "director": ("Marie", "Le Gall", "marie@cvbrest.test", "+33612345678"),
        "accountant": ("Paul", "Kerbrat", "compta@cvbrest.test", ""),
    }

    contract = ContractSignature.objects.get(structure=structure)
    assert contract.method == ContractSignature.Method.ELECTRONIC
    assert contract.contract_version == "2026-11"
    assert contract.contract_sha256 == hashlib.sha256(CONTRACT.read_bytes()).hexdigest()
    assert (contract.signer_name, contract.signer_email) == ("Alex Dupont", "alex@cvbrest.test")
    assert contract.signed_at is not None
    assert (contract.ip_address, contract.user_agent) == ("127.0.0.1", UA)
    assert contract.received_at is None

    key.refresh_from_db()
    assert key.used_at is not None and key.structure == structure
    draft.refresh_from_db()
    assert draft.completed_at is not None and draft.structure == structure

    with schema_context(structure.schema_name):
        sites = list(Site.objects.values_list("name", "address_line1", "postal_code", "city"))
        site = Site.objects.get()
    assert sites == [("Club de voile de Brest", "1 quai Malbert", "29200", "Brest")]
    assert (site.latitude, site.longitude, site.is_production) == (
        Decimal("48.390400"),
        Decimal("-4.486100"),
        True,
    )

    subs = {
        s.module: (s.enabled, s.paid_status)
        for s in ModuleSubscription.objects.filter(structure=structure)
    }
    assert subs == {
        "forum": (True, "none"),
        "ffvoile": (True, "none"),
        "testmodule": (False, "none"),
        "sms": (False, "requested"),
        "emarketing": (False, "none"),
        "pos": (False, "none"),
    }

    # The success page.
    done = web.get("/inscription/termine/")
    assert shows(done, "Félicitations, vous venez de créer votre compte avec succès.")
    assert "http://cvbrest.localhost:8000/manager/" in done.content.decode()
    assert shows(done, "alex@cvbrest.test")

    # The email: a set-password link on the structure's domain, never a password.
    [message] = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == "alex@cvbrest.test"
    body = smtp_server.text_of(message)
    links = re.findall(r"http://cvbrest\.localhost:8000/mot-de-passe/[^\s]+/", body)
    assert len(links) == 1
    assert "http://cvbrest.localhost:8000/manager/" in body
    assert "mot de passe :" not in body.lower()
    structure_client = client_for(structure)
    opened = structure_client.get(links[0].removeprefix("http://cvbrest.localhost:8000"))
    assert opened.status_code == 302  # Django moves the token into the session
    assert structure_client.get(opened["Location"]).context["validlink"] is True


def test_signup_cannot_be_replayed(web, django_capture_on_commit_callbacks):
    """EG-1: once completed, the draft cannot create a second structure."""
    walk_to(web, 11)
    with django_capture_on_commit_callbacks(execute=True):
        post(web, 11, step_data(11))
    assert Structure.objects.filter(slug="cvbrest").count() == 1
    count = Structure.objects.count()

    again = post(web, 11, step_data(11))
    assert again["Location"] == "/inscription/termine/"
    assert post(web, 1, step_data(1, slug="autre"))["Location"] == "/inscription/termine/"
    assert web.get(url())["Location"] == "/inscription/termine/"
    assert Structure.objects.count() == count

    # "Inscrire une autre structure" starts afresh, with a new draft.
    assert web.post("/inscription/nouvelle/")["Location"] == url()
    assert web.get(url())["Location"] == url(1)
    assert shows(web.get(url(1)), "Nom de la structure")
    assert "signup_draft_id" not in web.session


def test_signup_by_post_leaves_the_contract_pending(web, django_capture_on_commit_callbacks):
    """EG-1: "Je l'enverrai signé par courrier" creates the structure, contract pending."""
    walk_to(web, 11)
    data = step_data(11, method="post", signer_name="", accept="")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(web, 11, data)
    assert response["Location"] == "/inscription/termine/"
    structure = Structure.objects.get(slug="cvbrest")
    assert structure.state == StructureState.CONTRACT_PENDING
    assert structure.activated_at is None
    contract = ContractSignature.objects.get(structure=structure)
    assert contract.method == ContractSignature.Method.POST
    assert contract.signed_at is None
    assert (contract.signer_name, contract.signer_email) == ("Alex Dupont", "alex@cvbrest.test")
    assert contract.contract_sha256 == hashlib.sha256(CONTRACT.read_bytes()).hexdigest()
    done = web.get("/inscription/termine/")
    assert shows(done, "Contrat en attente")


def test_signup_without_production_site(web, django_capture_on_commit_callbacks):
    """EG-1: answering "Non" at step 7 creates no site."""
    walk_to(web, 7)
    assert post(web, 7, {"production_site": "non"})["Location"] == url(8)
    for n in range(8, 11):
        assert post(web, n, step_data(n))["Location"] == url(n + 1)
    with django_capture_on_commit_callbacks(execute=True):
        post(web, 11, step_data(11))
    structure = Structure.objects.get(slug="cvbrest")
    with schema_context(structure.schema_name):
        assert Site.objects.count() == 0


def test_signup_resumes_where_it_was_left(web, platform):
    """EG-1: the draft is kept server-side; the same session resumes at the right step and
    every page shows what was typed."""
    walk_to(web, 4)
    later = Client(HTTP_HOST="localhost")
    later.cookies = web.cookies
    assert later.get(url())["Location"] == url(4)
    step1 = later.get(url(1))
    assert 'value="Club de voile de Brest"' in step1.content.decode()
    assert 'value="cvbrest"' in step1.content.decode()
    assert shows(step1, "Fichier déjà enregistré : logo.png.")
    assert shows(step1, "Fichier déjà enregistré : ponton.png.")
    step2 = later.get(url(2))
    assert 'value="Le Gall"' in step2.content.decode()
    assert shows(step2, "Directeur — prénom")
    assert shows(step2, "Responsable d'accueil — email")
    assert f'value="{KEY}"' in later.get(url(3)).content.decode()

    # Going back to step 1 and submitting again without new files keeps the stored ones.
    again = step_data(1, title="Centre nautique")
    del again["logo"], again["image_1"]
    assert post(later, 1, again)["Location"] == url(2)
    draft = draft_of(later)
    assert draft.data["1"]["title"] == "Centre nautique"
    assert sorted(draft.files) == ["image_1", "logo"]
    assert draft.current_step == 4


def test_signup_steps_cannot_be_skipped(web):
    """EG-1: a step opens only once the previous ones are validated."""
    assert web.get(url(2))["Location"] == url(1)
    walk_to(web, 3)
    assert web.get(url(5))["Location"] == url(3)
    response = post(web, 5, step_data(5))
    assert response["Location"] == url(3)
    draft = draft_of(web)
    assert "5" not in draft.data
    assert draft.current_step == 3
    assert web.get(url(12)).status_code == 404
    assert web.get("/inscription/termine/")["Location"] == url()


def test_signup_step1_refuses_a_fake_image(web, media_root):
    """EG-1: a text file named logo.png is not an image: refused, nothing saved."""
    data = step_data(1, logo=SimpleUploadedFile("logo.png", b"pas une image", "image/png"))
    del data["image_1"]
    response = post(web, 1, data)
    assert response.status_code == 200
    assert errors(response) == {
        "logo": ["Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP)."]
    }
    assert shows(response, "Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP).")
    assert 'value="Club de voile de Brest"' in response.content.decode()
    assert SignupDraft.objects.count() == 0
    assert not any(media_root.rglob("*.*"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siret", "732 829 320 00075", "Ce numéro SIRET n'est pas valide (clé de contrôle)."),
        ("siret", "1234", "Le SIRET doit comporter 14 chiffres."),
        ("phone", "12", "Numéro de téléphone invalide."),
        ("email", "pas-un-email", "Saisissez une adresse e-mail valide."),
        ("name", "", "Ce champ est obligatoire."),
        (
            "slug",
            "Mon club!",
            "Cet identifiant n'est pas utilisable : 3 à 50 caractères, lettres minuscules "
            "sans accent, chiffres et tirets, en commençant par une lettre.",
        ),
    ],
)
def test_signup_step1_refuses_bad_input_and_keeps_the_files(web, field, value, message):
    """EG-1: a bad field is refused with its French message; the step is not saved, but the
    checked files are stored at once and the page says so."""
    response = post(web, 1, step_data(1, **{field: value}))
    assert response.status_code == 200
    assert errors(response) == {field: [message]}
    assert shows(response, message)
    assert shows(response, "Fichier déjà enregistré : logo.png.")
    draft = draft_of(web)
    assert draft.data == {}
    assert draft.current_step == 1
    assert sorted(draft.files) == ["image_1", "logo"]
    assert Structure.objects.filter(slug="cvbrest").exists() is False

    # Corrected, without sending the files again: accepted with the stored logo.
    fixed = step_data(1)
    del fixed["logo"], fixed["image_1"]
    assert post(web, 1, fixed)["Location"] == url(2)


def test_signup_step1_requires_a_logo(web):
    """EG-1: the logo is required."""
    data = step_data(1)
    del data["logo"], data["image_1"]
    response = post(web, 1, data)
    assert errors(response) == {"logo": ["Ajoutez le logo de votre structure."]}
    assert SignupDraft.objects.count() == 0


def test_signup_step1_refuses_a_slug_already_taken(web, make_structure):
    """EG-1: the identifier of an existing structure is refused."""
    make_structure(name="Déjà là", slug="pris")
    response = post(web, 1, step_data(1, slug="pris"))
    assert errors(response) == {
        "slug": ["Cet identifiant est déjà pris par une autre structure : choisissez-en un autre."]
    }
    assert draft_of(web).data == {}


def test_signup_step1_suggests_the_slug_from_the_name(web):
    """EG-1: left empty, the identifier is made from the name."""
    assert post(web, 1, step_data(1, slug="", name="Musée de la Marine"))["Location"] == url(2)
    assert draft_of(web).data["1"]["slug"] == "musee-de-la-marine"


def test_signup_step1_removes_an_image(web):
    """EG-1: an optional image already stored can be removed."""
    walk_to(web, 2)
    page = web.get(url(1))
    assert shows(page, "Retirer l'image 1")
    data = step_data(1, remove_image_1="on")
    del data["logo"], data["image_1"]
    assert post(web, 1, data)["Location"] == url(2)
    assert sorted(draft_of(web).files) == ["logo"]


def test_signup_contacts_need_the_director_and_complete_contacts(web):
    """EG-1 step 2: director required; another contact, once started, needs name and email."""
    walk_to(web, 2)
    response = post(
        web,
        2,
        {
            "director_first_name": "Marie",
            "director_last_name": "",
            "director_email": "marie@cvbrest.test",
            "reception_first_name": "Yann",
            "communication_phone": "00",
        },
    )
    incomplete = (
        "Indiquez le prénom, le nom et l'email de ce contact, ou laissez tous ses champs vides."
    )
    assert errors(response) == {
        "director_last_name": ["Ce champ est obligatoire."],
        "reception_last_name": [incomplete],
        "reception_email": [incomplete],
        "communication_phone": ["Numéro de téléphone invalide."],
        "communication_first_name": [incomplete],
        "communication_last_name": [incomplete],
        "communication_email": [incomplete],
    }
    assert 'value="Yann"' in response.content.decode()
    draft = draft_of(web)
    assert "2" not in draft.data and draft.current_step == 2


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("unknown", "Cette clé d'activation est inconnue. Vérifiez-la dans l'email reçu."),
        ("used", "Cette clé d'activation a déjà été utilisée."),
        ("expired", "Cette clé d'activation a expiré. Demandez-en une nouvelle à la plateforme."),
    ],
)
def test_signup_refuses_bad_activation_keys(web, key, state, message):
    """EG-1 step 3: an unknown, used or expired key is refused."""
    walk_to(web, 3)
    typed = "ZZZZ-ZZZZ-ZZZZ-ZZZZ" if state == "unknown" else KEY
    if state == "used":
        ActivationKey.objects.filter(pk=key.pk).update(used_at=timezone.now())
    if state == "expired":
        ActivationKey.objects.filter(pk=key.pk).update(expires_at=timezone.now())
    response = post(web, 3, {"key": typed})
    assert errors(response) == {"key": [message]}
    assert shows(response, message)
    draft = draft_of(web)
    assert draft.activation_key is None
    assert "3" not in draft.data and draft.current_step == 3


def test_signup_rate_limits_activation_key_guesses(web, key, settings):
    """EG-1 step 3: after too many wrong keys from one address, even the right key is refused
    until the window passes; another address is not affected."""
    settings.RATELIMIT_ACTIVATION_KEY = (3, 600)
    walk_to(web, 3)
    for guess in ("AAAA-AAAA-AAAA-AAAA", "BBBB-BBBB-BBBB-BBBB", "CCCC-CCCC-CCCC-CCCC"):
        assert errors(post(web, 3, {"key": guess})) == {
            "key": ["Cette clé d'activation est inconnue. Vérifiez-la dans l'email reçu."]
        }
    limited = "Trop de tentatives avec une clé incorrecte. Réessayez dans quelques minutes."
    response = post(web, 3, {"key": KEY})
    assert errors(response) == {"key": [limited]}
    assert draft_of(web).activation_key is None

    elsewhere = Client(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.9")
    walk_to(elsewhere, 3, slug="autre")
    assert post(elsewhere, 3, {"key": KEY})["Location"] == url(4)


def test_signup_owner_page_promises_a_link_not_a_password(web):
    """EG-1 step 4: the page says a set-password link will be emailed."""
    walk_to(web, 4)
    page = web.get(url(4))
    assert shows(page, "aucun mot de passe n'est jamais envoyé par email")
    assert 'type="password"' not in page.content.decode()
    response = post(web, 4, {"first_name": "Alex", "last_name": "", "email": "alex"})
    assert errors(response) == {
        "last_name": ["Ce champ est obligatoire."],
        "email": ["Saisissez une adresse e-mail valide."],
    }


@pytest.mark.parametrize(
    ("number", "field", "value", "message"),
    [
        (5, "postal_code", "2920", "Le code postal doit comporter 5 chiffres (ex. 29200)."),
        (5, "postal_code", "00100", "Le code postal doit comporter 5 chiffres (ex. 29200)."),
        (6, "latitude", "95", "La latitude doit être comprise entre -90 et 90."),
        (6, "longitude", "-181", "La longitude doit être comprise entre -180 et 180."),
        (6, "latitude", "nord", "Saisissez un nombre."),
        (7, "production_site", "", "Répondez par oui ou par non."),
        (7, "production_site", None, "Répondez par oui ou par non."),
        (8, "themes", [], "Cochez au moins un thème d'activité."),
        (9, "iban", "FR76 3000 6000 0112 3456 7890 180", "Cet IBAN n'est pas valide."),
        (9, "bic", "PAS UN BIC", "Ce BIC n'est pas valide."),
    ],
)
def test_signup_refuses_bad_input_on_later_steps(web, number, field, value, message):
    """EG-1 steps 5-9: each bad value is refused with its French message, nothing saved."""
    walk_to(web, number)
    before = draft_of(web).data
    data = step_data(number, **{field: value})
    if value is None:  # nothing at all is sent for this field
        del data[field]
    response = post(web, number, data)
    assert response.status_code == 200
    assert errors(response) == {field: [message]}
    assert shows(response, message)
    draft = draft_of(web)
    assert draft.data == before
    assert draft.current_step == number


def test_signup_refuses_a_cgv_that_is_not_a_pdf(web, media_root):
    """EG-1 step 10: the CGV must be a real PDF."""
    walk_to(web, 10)
    response = post(web, 10, {"cgv": SimpleUploadedFile("cgv.pdf", b"bonjour", "application/pdf")})
    assert errors(response) == {"cgv": ["Ce fichier n'est pas un PDF."]}
    assert "cgv" not in draft_of(web).files
    response = post(web, 10, {})
    assert errors(response) == {"cgv": ["Ajoutez vos conditions générales de vente au format PDF."]}
    draft = draft_of(web)
    assert "10" not in draft.data and draft.current_step == 10
    assert post(web, 10, step_data(10))["Location"] == url(11)
    assert draft_of(web).files["cgv"]["name"] == "cgv.pdf"


def test_signup_contract_needs_a_choice_and_the_signature(web):
    """EG-1 step 11: no choice, or electronic signature without acceptance or name: refused."""
    walk_to(web, 11)
    sha = step_data(11)["contract_sha256"]
    response = post(web, 11, {"contract_sha256": sha})
    assert errors(response) == {
        "method": [
            "Choisissez de signer le contrat électroniquement ou de l'envoyer signé par courrier."
        ]
    }
    response = post(web, 11, {"contract_sha256": sha, "method": "electronic", "signer_name": " "})
    assert errors(response) == {
        "accept": ["Cochez « J'ai lu et j'accepte le contrat » pour le signer électroniquement."],
        "signer_name": ["Indiquez le nom et le prénom du signataire."],
    }
    response = post(web, 11, step_data(11, contract_sha256="0" * 64))
    assert errors(response) == {
        "__all__": ["Le contrat a changé depuis l'affichage de cette page : relisez-le."]
    }
    assert Structure.objects.filter(slug="cvbrest").exists() is False
    assert draft_of(web).completed_at is None


def test_signup_final_step_rechecks_the_key_and_the_slug(
    web, key, make_structure, django_capture_on_commit_callbacks
):
    """EG-1: a key used or an identifier taken meanwhile sends the person back to that step,
    and nothing is created."""
    walk_to(web, 11)
    structures_before = Structure.objects.count()
    ActivationKey.objects.filter(pk=key.pk).update(used_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(web, 11, step_data(11))
    assert response["Location"] == url(3)
    assert callbacks == []
    assert Structure.objects.count() == structures_before
    assert not schema_exists("s_cvbrest")
    page = web.get(url(3))
    assert shows(page, "Cette clé d'activation a déjà été utilisée.")

    ActivationKey.objects.filter(pk=key.pk).update(used_at=None)
    make_structure(name="Plus rapide", slug="cvbrest")
    structures_before = Structure.objects.count()
    response = post(web, 11, step_data(11))
    assert response["Location"] == url(1)
    assert shows(web.get(url(1)), "Cet identifiant est déjà pris par une autre structure")
    assert Structure.objects.count() == structures_before
    key.refresh_from_db()
    assert key.used_at is None and key.structure is None
    assert draft_of(web).completed_at is None
    assert ContractSignature.objects.count() == 0


def test_signup_contract_text_download(web):
    """EG-1: the contract can be opened as text to print it."""
    response = web.get("/inscription/contrat.txt")
    assert response.status_code == 200
    assert response.content == CONTRACT.read_bytes()
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_signup_pages_label_every_input(web):
    """EG-1: browser tests find fields by their label: every visible input has one."""
    walk_to(web, 11)
    for number in range(1, 12):
        html = web.get(url(number)).content.decode()
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*id="([^"]+)"', html)
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        assert ids and set(ids) <= labelled, (number, set(ids) - labelled)
        assert ">Continuer</button>" in html
        assert (">Retour</a>" in html) == (number > 1)
        for label in LABELS.get(number, ()):
            assert f">{escape(label)}</label>" in html, (number, label)


LABELS = {
    1: ["Nom de la structure", "Identifiant (adresse)", "SIRET", "Email", "Téléphone", "Logo"],
    2: ["Directeur — prénom", "Directeur — email", "Responsable d'accueil — téléphone"],
    3: ["Clé d'activation"],
    4: ["Prénom", "Nom", "Email"],
    5: ["Adresse", "Complément d'adresse", "Code postal", "Ville"],
    6: ["Latitude", "Longitude"],
    9: ["Titulaire du compte", "IBAN", "BIC"],
    10: ["Conditions générales de vente (PDF)"],
    11: ["Nom et prénom du signataire"],
}


def test_website_without_a_scheme_is_kept_with_https(web):
    """EG-1, issue 11: step 1 takes "cn-aber.fr" and keeps "https://cn-aber.fr"; the field is
    a text input (a browser refuses `type="url"` without a scheme)."""
    page = web.get(url(1)).content.decode()
    website_input = re.search(r'<input[^>]*name="website"[^>]*>', page).group(0)
    assert 'type="text"' in website_input and 'inputmode="url"' in website_input
    response = post(web, 1, step_data(1, website="cn-aber.fr"))
    assert response.status_code == 302
    assert draft_of(web).data["1"]["website"] == "https://cn-aber.fr"
    again = web.get(url(1)).content.decode()
    assert 'value="https://cn-aber.fr"' in again
