"""EG-1 end to end in a real browser: the whole signup wizard, the set-password email, the first
login to the new structure's Club Manager, and a module switched off and on (EG-2)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ponton.accounts.models import Membership, Role
from tenants.models import ActivationKey, ContractSignature, Structure, StructureState
from tests.support.files import pdf_bytes, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Voiles-au-vent-2026!"


def _png(path):
    path.write_bytes(png_bytes((120, 80)))
    return str(path)


def _pdf(path):
    path.write_bytes(pdf_bytes())
    return str(path)


def _continue(page, expected_step_title: str | None = None):
    page.get_by_role("button", name="Continuer").click()
    page.wait_for_load_state()
    if expected_step_title:
        page.get_by_text(expected_step_title).first.wait_for()


def test_signup_wizard_then_first_login_and_module_switch(site, new_page, smtp_server, tmp_path):
    """EG-1: every step in the browser; the email's link sets the password; EG-2 switch."""
    ActivationKey.objects.create(
        key="QWER-TY23-ZXCV-BN45",
        intended_for="Musée maritime",
        email="dir@musee.test",
        expires_at=timezone.now() + timedelta(days=30),
    )
    page = new_page()
    page.goto(site.url(None, "/"))
    page.get_by_role("link", name="Je m'inscris").click()

    # 1. Structure, images and logo
    page.get_by_label("Nom de la structure").fill("Musée maritime de Lorient")
    page.get_by_label("Identifiant (adresse)").fill("musee-lorient")
    page.get_by_label("Titre affiché aux clients").fill("Musée maritime")
    page.get_by_label("SIRET").fill("732 829 320 00074")
    page.get_by_label("Email", exact=True).fill("contact@musee.test")
    page.get_by_label("Téléphone").fill("02 97 00 00 00")
    page.get_by_label("Logo").set_input_files(_png(tmp_path / "logo.png"))
    page.get_by_label("Image 1").set_input_files(_png(tmp_path / "salle.png"))
    _continue(page)

    # 2. Contacts
    page.get_by_label("Directeur — prénom").fill("Anne")
    page.get_by_label("Directeur — nom").fill("Le Goff")
    page.get_by_label("Directeur — email").fill("dir@musee.test")
    _continue(page)

    # 3. Activation key, typed as people type it
    page.get_by_label("Clé d'activation").fill("qwer ty23 zxcv bn45")
    _continue(page)

    # 4. Super Administrateur
    page.get_by_label("Prénom").fill("Anne")
    page.get_by_label("Nom", exact=True).fill("Le Goff")
    page.get_by_label("Email", exact=True).fill("anne@musee.test")
    _continue(page)

    # 5. Postal address
    page.get_by_label("Adresse", exact=True).fill("2 rue du Port")
    page.get_by_label("Code postal").fill("56100")
    page.get_by_label("Ville").fill("Lorient")
    _continue(page)

    # 6. Coordinates: a refused value first, then the right one; nothing typed is lost
    page.get_by_label("Latitude").fill("95")
    page.get_by_label("Longitude").fill("-3.366")
    _continue(page)
    page.get_by_text("La latitude doit être comprise entre -90 et 90.").wait_for()
    assert page.get_by_label("Longitude").input_value() == "-3.366"
    page.get_by_label("Latitude").fill("47.745")
    _continue(page)

    # 7. Production site
    page.get_by_label("Oui").check()
    _continue(page)

    # 8. Themes and modules
    page.get_by_label("Culture").check()
    page.get_by_label("Musée").check()
    page.get_by_label("Forum client").check()
    _continue(page)

    # 9. Bank details
    page.get_by_label("Titulaire du compte").fill("Musée maritime de Lorient")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_label("BIC").fill("AGRIFRPP")
    _continue(page)

    # 10. CGV
    page.get_by_label("Conditions générales de vente (PDF)").set_input_files(
        _pdf(tmp_path / "cgv.pdf")
    )
    _continue(page)

    # 11. Contract, signed electronically
    page.get_by_label("Je signe le contrat électroniquement").check()
    page.get_by_label("J'ai lu et j'accepte le contrat").check()
    page.get_by_label("Nom et prénom du signataire").fill("Anne Le Goff")
    _continue(page)

    # 12. Success
    page.get_by_text("Félicitations, vous venez de créer votre compte avec succès.").wait_for()
    structure = Structure.objects.get(slug="musee-lorient")
    assert structure.state == StructureState.ACTIVE
    assert structure.get_primary_domain().domain == "musee-lorient.localhost"
    signature = ContractSignature.objects.get(structure=structure)
    assert signature.method == ContractSignature.Method.ELECTRONIC
    assert signature.signer_name == "Anne Le Goff"
    assert "Chrome" in signature.user_agent
    owner = Membership.objects.get(structure=structure, role=Role.OWNER).user
    assert owner.email == "anne@musee.test"
    assert not owner.has_usable_password()

    # The email gives a link to set the password, and no password.
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "anne@musee.test"
    body = smtp_server.text_of(message)
    link = re.search(r"http://musee-lorient\.localhost:\d+/mot-de-passe/\S+/", body).group(0)
    assert "mot de passe :" not in body.lower()

    page.goto(link)
    page.get_by_role("heading", name="Choisissez votre mot de passe").wait_for()
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmation du nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.get_by_role("link", name="Se connecter").first.click()

    page.get_by_label("Adresse email").fill("anne@musee.test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", name="Tableau de bord").wait_for()
    assert page.url.startswith(site.url(structure, "/manager/"))
    nav = page.get_by_role("navigation", name="Navigation principale")
    for section in (
        "Offre",
        "Planning",
        "Clients",
        "Gérer",
        "Compta",
        "Statistiques",
        "Paramètres",
    ):
        assert nav.get_by_role("link", name=section).count() == 1
    assert nav.get_by_role("link", name="Discussions").count() == 1

    # EG-2: Ma structure > Mes modules, Forum client off, then on again.
    nav.get_by_role("link", name="Paramètres").click()
    page.get_by_role("link", name="Mes modules").first.click()
    page.get_by_label("Forum client").uncheck()
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Vos modules ont été enregistrés.").wait_for()
    assert nav.get_by_role("link", name="Discussions").count() == 0
    page.get_by_label("Forum client").check()
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Vos modules ont été enregistrés.").wait_for()
    assert nav.get_by_role("link", name="Discussions").count() == 1
