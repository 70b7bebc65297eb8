"""CU-1 CSV import (Clients > Importer): French headers, ";" or "," separator; refused rows
reported with a French reason; valid rows created together; an unreadable file creates
nothing."""

from __future__ import annotations

import datetime
import html

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.customers.models import Address, Customer
from tests.platform.customers.factories import make_customer

IMPORT = "/manager/clients/importer/"

CSV = (
    "Nom;Prénom;Email;Mobile;Téléphone;Date de naissance;Adresse;Code postal;Ville\n"
    "Le Goff;Maëlle;Maelle@Exemple.test;06 12 34 56 78;;14/07/2012;3 rue de Siam;29200;Brest\n"
    "Kerbrat;Yann;yann@exemple.test;;02 98 00 11 22;;;;\n"
    "Durand;Marc;pas-un-email;;;;;;\n"
    "Martin;Léa;lea@exemple.test;12;;;;;\n"
    "Petit;Jules;jules@exemple.test;;;31/02/2010;;;\n"
    "Roux;Anne;anne@exemple.test;;;;1 quai;2920;Brest\n"
    ";Sans;sans@exemple.test;;;;;;\n"
    "Tanguy;Ronan;yann@exemple.test;;;;;;\n"
    "Déjà;Là;deja@exemple.test;;;;;;\n"
    "\n"
)


def upload(content: bytes, name: str = "clients.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def rows(structure) -> list[tuple]:
    with schema_context(structure.schema_name):
        return list(
            Customer.objects.order_by("id").values_list(
                "last_name", "first_name", "email", "mobile", "phone", "birth_date"
            )
        )


def test_import_creates_valid_rows_and_reports_refused_ones(structure_a, client_for):
    """CU-1: valid rows created (phones normalised, birth date, address); each refused row
    listed with its line and the French reason (bad email, bad phone, bad date, bad postal
    code, missing name, duplicate email in the file or in the base)."""
    structure, owner = structure_a
    make_customer(structure, first_name="Déjà", last_name="Là", email="deja@exemple.test")
    before = rows(structure)
    client = client_for(structure, owner)
    page = client.get(IMPORT).content.decode()
    assert ">Fichier CSV</label>" in page
    response = client.post(IMPORT, {"file": upload(CSV.encode("utf-8-sig"))})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.created == 2
    assert report.refused == [
        (4, "Marc Durand", "Email invalide : pas-un-email."),
        (5, "Léa Martin", "Mobile invalide : 12."),
        (6, "Jules Petit", "Date de naissance invalide : 31/02/2010 (attendu JJ/MM/AAAA)."),
        (7, "Anne Roux", "Code postal invalide : 2920 (5 chiffres)."),
        (8, "Sans", "Nom ou prénom manquant."),
        (9, "Ronan Tanguy", "Email en double dans le fichier (déjà ligne 3)."),
        (10, "Là Déjà", "Un client a déjà l'email deja@exemple.test."),
    ]
    page = html.unescape(response.content.decode())
    assert "2 clients créés" in page
    assert "7 lignes refusées" in page
    assert "Code postal invalide : 2920 (5 chiffres)." in page
    assert rows(structure) == before + [
        (
            "Le Goff",
            "Maëlle",
            "maelle@exemple.test",
            "+33612345678",
            "",
            datetime.date(2012, 7, 14),
        ),
        ("Kerbrat", "Yann", "yann@exemple.test", "", "+33298001122", None),
    ]
    with schema_context(structure.schema_name):
        assert list(
            Address.objects.values_list("customer__last_name", "line1", "postal_code", "city")
        ) == [("Le Goff", "3 rue de Siam", "29200", "Brest")]


def test_import_with_comma_separator_and_headers_without_accents(structure_a, client_for):
    """CU-1: "," separator and "prenom"/"telephone" headers are read too."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    content = "nom,prenom,telephone\nHamon,Gaël,0298001122\n".encode()
    response = client.post(IMPORT, {"file": upload(content)})
    assert response.context["report"].created == 1
    assert rows(structure) == [("Hamon", "Gaël", "", "", "+33298001122", None)]


def test_unreadable_file_creates_nothing(structure_a, client_for):
    """CU-1: a file that is not UTF-8, or without the nom/prénom headers, is refused next to
    the field and nothing is created."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    latin1 = "nom;prénom\nLe Bihan;Hervé\n".encode("latin-1")
    response = client.post(IMPORT, {"file": upload(latin1)})
    assert [str(e) for e in response.context["form"].errors["file"]] == [
        "Le fichier n'est pas un CSV en UTF-8 : enregistrez-le en « CSV UTF-8 »."
    ]
    response = client.post(IMPORT, {"file": upload(b"a;b\nc;d\n")})
    assert [str(e) for e in response.context["form"].errors["file"]] == [
        "La première ligne doit nommer les colonnes, dont « nom » et « prénom »."
    ]
    response = client.post(IMPORT, {})
    assert [str(e) for e in response.context["form"].errors["file"]] == [
        "Choisissez le fichier CSV à importer."
    ]
    assert rows(structure) == []


def test_import_needs_customers_manage(structure_a, make_member, client_for):
    """CU-1: the accountant (no customers.manage) cannot import; nothing is created."""
    structure, _owner = structure_a
    accountant = client_for(structure, make_member(structure, Role.ACCOUNTANT))
    assert accountant.post(IMPORT, {"file": upload(CSV.encode())}).status_code == 403
    assert rows(structure) == []
