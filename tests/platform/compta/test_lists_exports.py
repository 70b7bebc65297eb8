"""CO-2 exports of the lists: "Excel" gives real numbers in euros and real dates (a sum works
at once, unlike the product we replace), "CSV" is French (BOM, ';', decimal comma); both hold
exactly the filtered rows. A list longer than the threshold is exported by a background job
whose progress shows and whose file is kept, private, for its author only ("Mes exports")."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from ponton.compta import services_exports
from ponton.compta.lists import LISTS
from ponton.compta.lists.base import list_page, list_request
from ponton.compta.models import ExportJob
from ponton.web.spreadsheets import MONEY_FORMAT, XLSX_CONTENT_TYPE
from tests.support.compta_lists import make_books
from tests.support.files import forget_media_root

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    forget_media_root()
    yield
    forget_media_root()


@pytest.fixture
def books(make_structure):
    structure, owner = make_structure(name="Club Nautique de Bénodet")
    with schema_context(structure.schema_name):
        books = make_books(structure)
    return structure, owner, books


def totals_of(structure, slug: str, params: dict) -> dict:
    with schema_context(structure.schema_name):
        return list_page(list_request(LISTS[slug], params)).totals


def workbook_of(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def export(client, slug: str, fmt: str, query: str = ""):
    return client.post(f"/manager/compta/listes/{slug}/export/?{query}", {"format": fmt})


@pytest.mark.parametrize("slug", list(LISTS))
def test_co2_excel_has_real_numbers_dates_and_sums_to_the_totals(books, client_for, slug):
    """CO-2: every money cell is a number formatted in euros, every date a date; each money
    column sums to the list's total of the same filtered rows."""
    structure, owner, _b = books
    response = export(client_for(structure, owner), slug, "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith(f'attachment; filename="{slug}-')
    sheet = workbook_of(response.content)
    definition = LISTS[slug]
    fields = definition.fields()
    rows = list(sheet.iter_rows(values_only=False))
    assert [cell.value for cell in rows[0]] == [str(f.column.title) for f in fields]
    totals = totals_of(structure, slug, {})
    assert len(rows) - 1 == totals["count"]
    for index, field in enumerate(fields):
        cells = [row[index] for row in rows[1:] if row[index].value is not None]
        kind = field.column.kind
        if kind == "money":
            assert cells, field.key
            assert all(c.data_type == "n" and c.number_format == MONEY_FORMAT for c in cells)
            if field.total:
                total = sum(D(str(c.value)) for c in cells)
                assert total == totals[field.total], field.key
        elif kind in ("date", "datetime"):
            assert all(isinstance(c.value, dt.datetime) for c in cells), field.key
        elif kind == "integer":
            assert all(isinstance(c.value, int) for c in cells), field.key
        else:
            assert all(c.data_type == "s" for c in cells), field.key


def test_co2_excel_holds_exactly_the_filtered_rows_in_the_page_order(books, client_for):
    structure, owner, b = books
    client = client_for(structure, owner)
    query = "start=2026-04-01&end=2026-04-30&sort=amount"
    sheet = workbook_of(export(client, "paiements", "xlsx", query).content)
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        (dt.datetime(2026, 4, 5), "Remboursement", "Espèces", -100, b.credit_note.number),
        (dt.datetime(2026, 4, 3), "Paiement", "Carte bancaire", 20, b.receipt.number),
        (dt.datetime(2026, 4, 2), "Paiement", "Espèces", 100, b.cancelled_invoice.number),
    ]
    cheque = list(
        workbook_of(export(client, "paiements", "xlsx", "method=cheque").content).iter_rows(
            min_row=2, values_only=True
        )
    )
    assert len(cheque) == 1
    assert cheque[0][7:10] == ("Crédit Maritime", "0012345", "Claire Le Goff")


def test_co2_csv_is_french_and_parses_back(books, client_for):
    """CO-2 CSV: UTF-8 with a BOM, ';', decimal comma, JJ/MM/AAAA; sums to the total."""
    structure, owner, _b = books
    response = export(client_for(structure, owner), "paiements", "csv", "sort=date")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbfDate;Type;Mode de paiement;Montant;")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:5] == ["10/03/2026", "Paiement", "Chèque", "120,00", "FA-2026-00001"]
    assert [row[3] for row in rows[1:]] == ["120,00", "80,00", "100,00", "20,00", "-100,00"]
    net = sum(D(row[3].replace(",", ".")) for row in rows[1:])
    assert net == totals_of(structure, "paiements", {})["net"] == D("220.00")


def test_co2_exports_neutralise_formulas(books, client_for):
    """A customer named like a formula stays text: never a formula in Excel, a leading
    apostrophe in CSV."""
    structure, owner, _b = books
    with schema_context(structure.schema_name):
        from ponton.customers.models import Customer

        Customer.objects.filter(first_name="Louis").update(last_name='=HYPERLINK("http://x")')
    client = client_for(structure, owner)
    sheet = workbook_of(export(client, "clients", "xlsx", "orders=without").content)
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
    content = b"".join(export(client, "clients", "csv", "orders=without").streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_co2_export_refusals(books, client_for):
    """Bad filters, an unknown format or nothing to export: a French message, no file."""
    structure, owner, _b = books
    client = client_for(structure, owner)
    response = export(client, "paiements", "xlsx", "start=2026-05-01&end=2026-04-01")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Corrigez les filtres de la liste avant de l&#x27;exporter." in page
    assert "Le début de la période doit précéder la fin." in page
    assert export(client, "paiements", "pdf").status_code == 302
    response = export(client, "paiements", "xlsx", "method=transfer")
    assert response.status_code == 302
    assert "Aucune ligne ne correspond à ces filtres : rien à exporter." in client.get(
        response["Location"]
    ).content.decode("utf-8")
    assert client.get("/manager/compta/listes/paiements/export/").status_code == 405
    with schema_context(structure.schema_name):
        assert ExportJob.objects.count() == 0


def _record_progress(updates: list):
    def wrapper(execute, sql, params, many, context):
        if sql.startswith('UPDATE "compta_exportjob" SET "done" = %s WHERE'):
            updates.append(int(params[0]))
        return execute(sql, params, many, context)

    return wrapper


def test_co2_large_export_runs_as_a_job_with_progress_and_kept_file(
    books, client_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """CO-2: past the threshold, "Excel" records a job; its task (in-process after commit,
    the embedded default) moves `done` as rows are written, keeps the file in the private
    storage and "Mes exports" offers it for download."""
    settings.COMPTA_EXPORT_BACKGROUND_THRESHOLD = 2
    monkeypatch.setattr(services_exports, "PROGRESS_EVERY", 2)
    structure, owner, _b = books
    client = client_for(structure, owner)
    updates: list = []
    # The task runs when the callbacks captured are executed, at the exit of the inner block.
    with (
        connection.execute_wrapper(_record_progress(updates)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = export(client, "paiements", "xlsx", "sort=amount")
    with schema_context(structure.schema_name):
        job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/manager/compta/exports/{job.pk}/"
    assert updates == [2, 4]  # progress committed every PROGRESS_EVERY rows
    assert (job.state, job.total, job.done, job.list_slug, job.format) == (
        ExportJob.State.DONE,
        5,
        5,
        "paiements",
        "xlsx",
    )
    assert job.parameters == {"sort": "amount"}
    assert job.created_by_id == owner.pk
    stored = Path(settings.MEDIA_ROOT) / structure.schema_name / job.file.name
    assert stored.is_file() and job.file.name.startswith("exports/")

    detail = client.get(response["Location"]).content.decode()
    assert "L&#x27;export de 5 lignes est en préparation" in detail
    assert "Lignes exportées : 5 sur 5" in detail and "hx-get" not in detail
    mine = client.get("/manager/compta/exports/").content.decode()
    assert f'href="/manager/compta/exports/{job.pk}/telecharger/"' in mine
    assert "Paiements" in mine and "Prêt" in mine

    download = client.get(f"/manager/compta/exports/{job.pk}/telecharger/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{job.file_name}"'
    sheet = workbook_of(b"".join(download.streaming_content))
    amounts = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert amounts == [-100, 20, 80, 100, 120]
    assert sum(D(str(a)) for a in amounts) == D("220.00")
    # Never served by its path.
    media = f"/media/{structure.schema_name}/{job.file.name}"
    assert client.get(media).status_code == 404


def test_co2_running_export_shows_its_progress(books, client_for):
    structure, owner, _b = books
    with schema_context(structure.schema_name):
        job = ExportJob.objects.create(
            list_slug="paiements",
            list_title="Paiements",
            format="csv",
            total=40_000,
            done=15_000,
            state=ExportJob.State.RUNNING,
            file_name="paiements.csv",
            created_by_id=owner.pk,
        )
    client = client_for(structure, owner)
    fragment = client.get(f"/manager/compta/exports/{job.pk}/progression/").content.decode()
    assert 'value="15000" max="40000"' in fragment
    assert "Lignes exportées : 15000 sur 40000" in fragment
    assert f'hx-get="/manager/compta/exports/{job.pk}/progression/"' in fragment
    assert client.get(f"/manager/compta/exports/{job.pk}/telecharger/").status_code == 404


def test_co2_failed_export_says_why(
    books, client_for, settings, django_capture_on_commit_callbacks
):
    structure, owner, _b = books
    with schema_context(structure.schema_name):
        job = ExportJob.objects.create(
            list_slug="paiements",
            list_title="Paiements",
            format="xlsx",
            parameters={"start": "2026-05-01", "end": "2026-04-01"},
            total=5,
            file_name="paiements.xlsx",
            created_by_id=owner.pk,
        )
        services_exports.export_job_run(job_id=job.pk)
        job.refresh_from_db()
    assert job.state == ExportJob.State.FAILED
    assert job.error == "Le début de la période doit précéder la fin."
    assert not job.file
    page = client_for(structure, owner).get(f"/manager/compta/exports/{job.pk}/").content.decode()
    assert "L'export a échoué : Le début de la période doit précéder la fin." in page


@pytest.fixture
def kept_export(books):
    structure, owner, _b = books
    with schema_context(structure.schema_name):
        job = services_exports.export_job_start(
            slug="clients", params={}, fmt="csv", created_by_id=owner.pk
        )
        services_exports.export_job_run(job_id=job.pk)
        job.refresh_from_db()
    assert job.state == ExportJob.State.DONE
    return structure, owner, job


def test_co2_kept_export_only_for_its_author(kept_export, client_for, make_member, make_structure):
    """The kept file is private: another structure's member (403), a cashier (403), another
    accountant of the structure (404: not theirs), anonymous (login) never get it."""
    structure, owner, job = kept_export
    other, other_owner = make_structure(name="Autre club")
    cashier = make_member(structure, Role.CASHIER)
    accountant = make_member(structure, Role.ACCOUNTANT)
    url = f"/manager/compta/exports/{job.pk}/telecharger/"
    assert client_for(structure, owner).get(url).status_code == 200
    assert client_for(structure, other_owner).get(url).status_code == 403
    assert client_for(other, other_owner).get(url).status_code == 404
    assert client_for(structure, cashier).get(url).status_code == 403
    colleague = client_for(structure, accountant)
    assert colleague.get(url).status_code == 404
    assert colleague.get(f"/manager/compta/exports/{job.pk}/").status_code == 404
    assert f"/exports/{job.pk}/" not in colleague.get("/manager/compta/exports/").content.decode()
    anonymous = client_for(structure).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/connexion/")


def test_co2_export_job_start_refuses_bad_input(books):
    structure, owner, _b = books
    with schema_context(structure.schema_name):
        with pytest.raises(services_exports.ExportError, match="Ce format d'export n'existe pas."):
            services_exports.export_job_start(
                slug="paiements", params={}, fmt="pdf", created_by_id=owner.pk
            )
        with pytest.raises(services_exports.ExportError, match="Aucune ligne"):
            services_exports.export_job_start(
                slug="paiements", params={"method": "transfer"}, fmt="csv", created_by_id=owner.pk
            )
        with pytest.raises(services_exports.ExportError, match="Saisissez un nombre."):
            services_exports.export_job_start(
                slug="paiements", params={"amount_min": "abc"}, fmt="csv", created_by_id=owner.pk
            )
        assert ExportJob.objects.count() == 0
