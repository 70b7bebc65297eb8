"""EG-4 Structure settings (Club Manager > Paramètres > Ma structure): identity, contacts,
address, sites, bank details, CGV, notification preferences. Managers edit, the other roles
only read; every bad input is refused with a French message next to its field and nothing
is saved."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.catalogue.models import Site
from tenants.models import ContactRole, Structure, StructureContact
from tests.support.files import pdf_upload, png_upload

VALID_SIRET = "73282932000074"
VALID_VAT = "FR44732829320"
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"


def row(structure: Structure) -> dict:
    """The structure's row as stored, to prove a refused form saved nothing."""
    return Structure.objects.filter(pk=structure.pk).values().get()


def identity_data(**overrides) -> dict:
    data = {
        "name": "Club nautique de Brest",
        "title": "CN Brest, voile toute l'année",
        "description": "Stages, locations et cours particuliers.",
        "legal_name": "Association CN Brest",
        "siret": "732 829 320 00074",
        "vat_number": "fr 44 732829320",
        "email": "contact@cnbrest.test",
        "phone": "02 98 00 00 00",
        "website": "https://cnbrest.test",
    }
    data.update(overrides)
    return data


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to a temporary directory (the storage is per schema under MEDIA_ROOT)."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # clears the storage's cached root
    return tmp_path


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club nautique")


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


# --- Access by role ---------------------------------------------------------------------------

EDIT_URLS = [
    "/manager/structure/identite/",
    "/manager/structure/contacts/",
    "/manager/structure/adresse/",
    "/manager/structure/banque/",
    "/manager/structure/cgv/",
    "/manager/structure/notifications/",
    "/manager/structure/sites/ajouter/",
]


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_owner_and_admin_open_every_settings_page_and_save(role, club, make_member, client_for):
    """EG-4: the Super Administrateur and administrators edit the structure's settings."""
    structure, owner = club
    user = owner if role == Role.OWNER else make_member(structure, role)
    client = client_for(structure, user)
    for url in ["/manager/structure/", "/manager/structure/sites/", *EDIT_URLS]:
        assert client.get(url).status_code == 200, url

    response = client.post("/manager/structure/identite/", identity_data())
    assert response.status_code == 302
    assert response["Location"] == "/manager/structure/"
    structure.refresh_from_db()
    assert structure.name == "Club nautique de Brest"


@pytest.mark.parametrize("role", [Role.STAFF, Role.ACCOUNTANT, Role.CASHIER])
def test_other_roles_read_but_get_403_on_every_edit(role, club, make_member, client_for):
    """EG-4: staff, accountant and cashier see "Ma structure" but cannot change it."""
    structure, _owner = club
    with schema_context(structure.schema_name):
        site = Site.objects.create(name="Ponton nord")
    client = client_for(structure, make_member(structure, role))
    before = row(structure)

    overview = client.get("/manager/structure/")
    assert overview.status_code == 200
    page = overview.content.decode()
    assert "Club nautique" in page
    assert "/manager/structure/identite/" not in page
    assert client.get("/manager/structure/sites/").status_code == 200

    for url in [
        *EDIT_URLS,
        f"/manager/structure/sites/{site.pk}/",
        f"/manager/structure/sites/{site.pk}/supprimer/",
    ]:
        assert client.get(url).status_code == 403, url
        assert client.post(url, identity_data(name="Piraté")).status_code == 403, url
    assert row(structure) == before
    with schema_context(structure.schema_name):
        assert list(Site.objects.values_list("name", flat=True)) == ["Ponton nord"]


# --- Identity ---------------------------------------------------------------------------------


def test_identity_is_saved_normalised_with_its_logo(club, client_for, media_root):
    """EG-4: name, title shown to customers, SIRET, VAT, email, phone, website, logo."""
    structure, owner = club
    client = client_for(structure, owner)
    response = client.post(
        "/manager/structure/identite/", {**identity_data(), "logo": png_upload()}
    )
    assert response.status_code == 302

    structure.refresh_from_db()
    assert structure.name == "Club nautique de Brest"
    assert structure.title == "CN Brest, voile toute l'année"
    assert structure.display_title == "CN Brest, voile toute l'année"
    assert structure.siret == VALID_SIRET
    assert structure.vat_number == VALID_VAT
    assert structure.phone == "+33298000000"
    assert structure.website == "https://cnbrest.test"
    assert structure.logo.name == "structures/logos/logo.png"
    assert (media_root / structure.schema_name / "structures/logos/logo.png").is_file()

    page = client.get("/manager/structure/").content.decode()
    assert "« Identité » : modifications enregistrées." in page
    assert f"/media/{structure.schema_name}/structures/logos/logo.png" in page
    assert "CN Brest, voile toute l&#x27;année" in page


def test_logo_can_be_removed(club, client_for, media_root):
    """EG-4: "Supprimer le logo actuel"."""
    structure, owner = club
    client = client_for(structure, owner)
    client.post("/manager/structure/identite/", {**identity_data(), "logo": png_upload()})
    assert "Supprimer le logo actuel" in client.get("/manager/structure/identite/").content.decode()

    client.post("/manager/structure/identite/", {**identity_data(), "remove_logo": "on"})
    structure.refresh_from_db()
    assert not structure.logo


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Ce champ est obligatoire."),
        ("name", "   ", "Ce champ est obligatoire."),
        ("siret", "123 456", "Le SIRET doit comporter 14 chiffres."),
        ("siret", "73282932000075", "Ce numéro SIRET n'est pas valide (clé de contrôle)."),
        (
            "vat_number",
            "FR45732829320",
            "Ce numéro de TVA intracommunautaire n'est pas valide (clé de contrôle).",
        ),
        (
            "vat_number",
            "FR123",
            "Un numéro de TVA français s'écrit FR, 2 caractères puis les 9 chiffres du SIREN.",
        ),
        ("email", "pas-un-email", "Saisissez une adresse e-mail valide."),
        ("phone", "12", "Numéro de téléphone invalide."),
        ("phone", "bonjour", "Numéro de téléphone invalide."),
        ("website", "pas une adresse", "Saisissez une URL valide."),
    ],
)
def test_identity_bad_input_is_refused_next_to_the_field(
    field, value, message, club, client_for, media_root
):
    """EG-4: French error next to the field; nothing saved, not even the valid fields."""
    structure, owner = club
    before = row(structure)
    response = client_for(structure, owner).post(
        "/manager/structure/identite/",
        {**identity_data(**{field: value}), "logo": png_upload()},
    )
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert len(response.context["form"].errors) == 1
    assert 'role="alert"' in response.content.decode()
    assert row(structure) == before
    assert not (media_root / structure.schema_name).exists()


def test_a_file_that_is_not_an_image_is_refused_as_logo(club, client_for, media_root):
    """EG-4: the logo is checked by its content, not its name."""
    structure, owner = club
    before = row(structure)
    fake = SimpleUploadedFile("logo.png", b"<?php echo 'hello'; ?>", content_type="image/png")
    response = client_for(structure, owner).post(
        "/manager/structure/identite/", {**identity_data(), "logo": fake}
    )
    assert response.status_code == 200
    assert field_errors(response, "logo") == [
        "Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP)."
    ]
    assert row(structure) == before


def test_a_too_big_logo_is_refused(club, client_for, media_root, settings):
    """EG-4: the logo's size is limited."""
    settings.MAX_IMAGE_BYTES = 1024 * 1024
    structure, owner = club
    before = row(structure)
    big = SimpleUploadedFile("logo.png", b"\0" * (1024 * 1024 + 1), content_type="image/png")
    response = client_for(structure, owner).post(
        "/manager/structure/identite/", {**identity_data(), "logo": big}
    )
    assert field_errors(response, "logo") == ["L'image dépasse la taille maximale de 1 Mo."]
    assert row(structure) == before


# --- Contacts ---------------------------------------------------------------------------------


def contact_data(**overrides) -> dict:
    data = {
        "director_first_name": "Anne",
        "director_last_name": "Le Goff",
        "director_email": "direction@cnbrest.test",
        "director_phone": "06 12 34 56 78",
        "accountant_first_name": "Yann",
        "accountant_last_name": "Kerouac",
        "accountant_email": "compta@cnbrest.test",
    }
    data.update(overrides)
    return data


def contacts_of(structure) -> dict:
    return {
        c.role: (c.first_name, c.last_name, c.email, c.phone)
        for c in StructureContact.objects.filter(structure=structure)
    }


def test_contacts_are_saved_updated_and_removed(club, client_for):
    """EG-4: director, accountant, communication and reception contacts."""
    structure, owner = club
    client = client_for(structure, owner)
    page = client.get("/manager/structure/contacts/").content.decode()
    for label in (
        "Prénom du directeur",
        "Email du comptable",
        "Nom du responsable communication",
        "Téléphone du responsable d&#x27;accueil",
    ):
        assert label in page

    assert client.post("/manager/structure/contacts/", contact_data()).status_code == 302
    assert contacts_of(structure) == {
        ContactRole.DIRECTOR: ("Anne", "Le Goff", "direction@cnbrest.test", "+33612345678"),
        ContactRole.ACCOUNTANT: ("Yann", "Kerouac", "compta@cnbrest.test", ""),
    }

    client.post(
        "/manager/structure/contacts/",
        contact_data(
            accountant_first_name="",
            accountant_last_name="",
            accountant_email="",
            reception_first_name="Lou",
            reception_last_name="Tanguy",
            reception_email="accueil@cnbrest.test",
        ),
    )
    assert contacts_of(structure) == {
        ContactRole.DIRECTOR: ("Anne", "Le Goff", "direction@cnbrest.test", "+33612345678"),
        ContactRole.RECEPTION: ("Lou", "Tanguy", "accueil@cnbrest.test", ""),
    }
    overview = client.get("/manager/structure/").content.decode()
    assert "Anne Le Goff" in overview
    assert "Lou Tanguy" in overview


def test_incomplete_or_wrong_contact_is_refused_and_nothing_saved(club, client_for):
    """EG-4: a contact started but incomplete, or with a bad phone, saves none of them."""
    structure, owner = club
    client = client_for(structure, owner)
    client.post("/manager/structure/contacts/", contact_data())
    before = contacts_of(structure)

    response = client.post(
        "/manager/structure/contacts/",
        contact_data(
            director_first_name="Changé",
            communication_first_name="Paul",
            accountant_phone="123",
            reception_email="pas-un-email",
        ),
    )
    assert response.status_code == 200
    required = "Obligatoire dès qu'une information de ce contact est remplie."
    assert field_errors(response, "communication_last_name") == [required]
    assert field_errors(response, "communication_email") == [required]
    assert field_errors(response, "accountant_phone") == ["Numéro de téléphone invalide."]
    assert field_errors(response, "reception_email") == ["Saisissez une adresse e-mail valide."]
    assert contacts_of(structure) == before


# --- Address ----------------------------------------------------------------------------------


def address_data(**overrides) -> dict:
    data = {
        "address_line1": "1 quai de la Douane",
        "address_line2": "Port de commerce",
        "postal_code": "29200",
        "city": "Brest",
        "latitude": "48,3829",
        "longitude": "-4,4945",
    }
    data.update(overrides)
    return data


def test_address_is_saved_with_coordinates_in_french_notation(club, client_for):
    """EG-4: postal address and latitude/longitude (comma or point)."""
    structure, owner = club
    response = client_for(structure, owner).post("/manager/structure/adresse/", address_data())
    assert response.status_code == 302
    structure.refresh_from_db()
    assert (structure.address_line1, structure.postal_code, structure.city) == (
        "1 quai de la Douane",
        "29200",
        "Brest",
    )
    assert structure.latitude == Decimal("48.382900")
    assert structure.longitude == Decimal("-4.494500")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("address_line1", "", "Ce champ est obligatoire."),
        ("postal_code", "2920", "Le code postal doit comporter 5 chiffres (ex. 29200)."),
        ("postal_code", "00100", "Le code postal doit comporter 5 chiffres (ex. 29200)."),
        ("city", "", "Ce champ est obligatoire."),
        ("latitude", "91", "La latitude doit être comprise entre -90 et 90."),
        ("latitude", "nord", "Saisissez un nombre."),
        ("longitude", "-180,5", "La longitude doit être comprise entre -180 et 180."),
        (
            "longitude",
            "1,1234567",
            "Assurez-vous qu’il n’y a pas plus de 6 chiffres après la virgule.",
        ),
        ("longitude", "", "Indiquez aussi la longitude (ou aucune coordonnée)."),
    ],
)
def test_address_bad_input_is_refused(field, value, message, club, client_for):
    """EG-4: validated postal code and coordinate ranges; nothing saved on refusal."""
    structure, owner = club
    before = row(structure)
    response = client_for(structure, owner).post(
        "/manager/structure/adresse/", address_data(**{field: value})
    )
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert row(structure) == before


# --- Bank details -----------------------------------------------------------------------------


def test_bank_details_are_saved_compact(club, client_for):
    """EG-4: holder, IBAN and BIC, checked by schwifty."""
    structure, owner = club
    response = client_for(structure, owner).post(
        "/manager/structure/banque/",
        {"bank_account_holder": "CN Brest", "iban": VALID_IBAN, "bic": "bnpa fr pp xxx"},
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.bank_account_holder == "CN Brest"
    assert structure.iban == "FR7630006000011234567890189"
    assert structure.bic == "BNPAFRPPXXX"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 180", "Cet IBAN n'est pas valide."),
        ("iban", "bonjour", "Cet IBAN n'est pas valide."),
        ("bic", "BNP", "Ce BIC n'est pas valide."),
        ("bank_account_holder", "", "Ce champ est obligatoire."),
    ],
)
def test_bank_bad_input_is_refused(field, value, message, club, client_for):
    """EG-4: bad IBAN/BIC refused in French, nothing saved."""
    structure, owner = club
    before = row(structure)
    data = {"bank_account_holder": "CN Brest", "iban": VALID_IBAN, "bic": "BNPAFRPPXXX"}
    data[field] = value
    response = client_for(structure, owner).post("/manager/structure/banque/", data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    assert row(structure) == before


# --- CGV --------------------------------------------------------------------------------------


def test_cgv_pdf_is_uploaded_and_linked(club, client_for, media_root):
    """EG-4: the general terms of sale, a PDF, with a link to the current one."""
    structure, owner = club
    client = client_for(structure, owner)
    assert "Importer les CGV" in client.get("/manager/structure/").content.decode()

    response = client.post("/manager/structure/cgv/", {"cgv": pdf_upload()})
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.cgv.name == "structures/cgv/cgv.pdf"
    stored = media_root / structure.schema_name / "structures/cgv/cgv.pdf"
    assert stored.read_bytes().startswith(b"%PDF-")

    # A private file (probe 11): linked through the view that checks rights, not its path.
    link = 'href="/manager/structure/cgv.pdf"'
    assert link in client.get("/manager/structure/").content.decode()
    assert link in client.get("/manager/structure/cgv/").content.decode()
    assert b"".join(client.get("/manager/structure/cgv.pdf").streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choisissez le fichier PDF de vos CGV."),
        (
            SimpleUploadedFile("cgv.pdf", b"Ceci n'est pas un PDF", "application/pdf"),
            "Ce fichier n'est pas un PDF.",
        ),
        (
            SimpleUploadedFile("cgv.pdf", b"%PDF-1.7 broken", "application/pdf"),
            "Ce PDF est illisible ou endommagé.",
        ),
    ],
    ids=["missing", "not-pdf", "broken"],
)
def test_cgv_that_is_not_a_pdf_is_refused(upload, message, club, client_for, media_root):
    """EG-4: only a real PDF is accepted as CGV."""
    structure, owner = club
    before = row(structure)
    data = {} if upload is None else {"cgv": upload}
    response = client_for(structure, owner).post("/manager/structure/cgv/", data)
    assert response.status_code == 200
    assert field_errors(response, "cgv") == [message]
    assert row(structure) == before


# --- Notifications ----------------------------------------------------------------------------


def test_forum_email_notification_is_off_by_default_and_can_be_turned_on(club, client_for):
    """EG-4 / FO-2: email on new forum message is off by default; the structure turns it on."""
    structure, owner = club
    assert structure.notify_email_on_forum_message is False
    client = client_for(structure, owner)
    page = client.get("/manager/structure/notifications/").content.decode()
    assert "Recevoir un email à chaque message client du forum" in page
    assert 'name="notify_email_on_forum_message"' in page
    assert "checked" not in page

    response = client.post(
        "/manager/structure/notifications/",
        {"notify_email_on_forum_message": "on", "notification_email": "forum@cnbrest.test"},
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.notify_email_on_forum_message is True
    assert structure.notification_email == "forum@cnbrest.test"

    client.post("/manager/structure/notifications/", {"notification_email": ""})
    structure.refresh_from_db()
    assert structure.notify_email_on_forum_message is False
    assert structure.notification_email == ""


def test_notifications_need_an_address(club, client_for):
    """EG-4: turning the email on needs an address (its own, or the structure's)."""
    structure, owner = club
    client = client_for(structure, owner)
    before = row(structure)
    response = client.post(
        "/manager/structure/notifications/", {"notify_email_on_forum_message": "on"}
    )
    assert field_errors(response, "notification_email") == [
        "Indiquez l'adresse qui recevra ces emails (la structure n'a pas d'email)."
    ]
    assert row(structure) == before

    response = client.post(
        "/manager/structure/notifications/",
        {"notify_email_on_forum_message": "on", "notification_email": "pas-un-email"},
    )
    assert field_errors(response, "notification_email") == ["Saisissez une adresse e-mail valide."]
    assert row(structure) == before

    Structure.objects.filter(pk=structure.pk).update(email="contact@cnbrest.test")
    response = client.post(
        "/manager/structure/notifications/", {"notify_email_on_forum_message": "on"}
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.notify_email_on_forum_message is True


# --- Sites ------------------------------------------------------------------------------------


def site_names(structure) -> list[str]:
    with schema_context(structure.schema_name):
        return list(Site.objects.values_list("name", flat=True))


def test_sites_are_listed_added_edited_and_deleted(club, client_for):
    """EG-4 / CA-7: the structure's sites, stored in its own schema."""
    structure, owner = club
    client = client_for(structure, owner)
    assert "Aucun site pour l'instant." in client.get("/manager/structure/sites/").content.decode()

    response = client.post(
        "/manager/structure/sites/ajouter/",
        {
            "name": "Plage du Moulin Blanc",
            "address_line1": "Rue du Moulin Blanc",
            "postal_code": "29200",
            "city": "Brest",
            "latitude": "48,3960",
            "longitude": "-4,4300",
            "is_production": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/manager/structure/sites/"
    with schema_context(structure.schema_name):
        site = Site.objects.get()
        assert (site.name, site.city, site.latitude, site.is_production) == (
            "Plage du Moulin Blanc",
            "Brest",
            Decimal("48.396000"),
            True,
        )
    page = client.get("/manager/structure/sites/").content.decode()
    assert "Plage du Moulin Blanc" in page
    assert f"/manager/structure/sites/{site.pk}/" in page

    assert (
        "Plage du Moulin Blanc"
        in client.get(f"/manager/structure/sites/{site.pk}/").content.decode()
    )
    response = client.post(
        f"/manager/structure/sites/{site.pk}/",
        {"name": "Base nautique", "postal_code": "29200", "city": "Brest"},
    )
    assert response.status_code == 302
    with schema_context(structure.schema_name):
        site.refresh_from_db()
        assert (site.name, site.latitude, site.is_production) == ("Base nautique", None, False)

    assert client.get(f"/manager/structure/sites/{site.pk}/supprimer/").status_code == 200
    response = client.post(f"/manager/structure/sites/{site.pk}/supprimer/")
    assert response.status_code == 302
    assert site_names(structure) == []
    assert client.get(f"/manager/structure/sites/{site.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Ce champ est obligatoire."),
        ("postal_code", "ABCDE", "Le code postal doit comporter 5 chiffres (ex. 29200)."),
        ("latitude", "-95", "La latitude doit être comprise entre -90 et 90."),
        ("longitude", "", "Indiquez aussi la longitude (ou aucune coordonnée)."),
    ],
)
def test_site_bad_input_is_refused(field, value, message, club, client_for):
    """EG-4: a site with a bad postal code or coordinates is not saved."""
    structure, owner = club
    with schema_context(structure.schema_name):
        site = Site.objects.create(name="Port", postal_code="29200")
    client = client_for(structure, owner)
    data = {"name": "Lac", "postal_code": "29200", "latitude": "48,1", "longitude": "-4,1"}
    data[field] = value

    response = client.post("/manager/structure/sites/ajouter/", data)
    assert response.status_code == 200
    assert field_errors(response, field) == [message]
    response = client.post(f"/manager/structure/sites/{site.pk}/", data)
    assert field_errors(response, field) == [message]
    with schema_context(structure.schema_name):
        assert list(Site.objects.values_list("name", "postal_code", "latitude")) == [
            ("Port", "29200", None)
        ]


def test_sites_of_another_structure_are_out_of_reach(club, make_structure, client_for):
    """EG-4: a site id of another structure's schema is simply not there (404)."""
    structure, owner = club
    other, _ = make_structure(name="Autre club")
    with schema_context(other.schema_name):
        Site.objects.create(name="Lac")
        foreign = Site.objects.create(name="Mare")
    client = client_for(structure, owner)
    assert client.get(f"/manager/structure/sites/{foreign.pk}/").status_code == 404
    assert client.post(f"/manager/structure/sites/{foreign.pk}/supprimer/").status_code == 404
    assert site_names(other) == ["Lac", "Mare"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("cn-aber.fr", "https://cn-aber.fr"),
        ("www.cn-aber.fr/stages", "https://www.cn-aber.fr/stages"),
        ("http://cn-aber.fr", "http://cn-aber.fr"),
    ],
)
def test_website_without_a_scheme_is_stored_with_https(typed, stored, club, client_for, media_root):
    """EG-4, issue 11: "cn-aber.fr" is accepted and stored as "https://cn-aber.fr"; the page
    does not ask the browser to refuse it (a text field, not type="url")."""
    structure, owner = club
    client = client_for(structure, owner)
    form = client.get("/manager/structure/identite/").content.decode()
    website_input = re.search(r'<input[^>]*name="website"[^>]*>', form).group(0)
    assert 'type="text"' in website_input and 'inputmode="url"' in website_input
    response = client.post(
        "/manager/structure/identite/", {**identity_data(website=typed), "logo": png_upload()}
    )
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.website == stored
