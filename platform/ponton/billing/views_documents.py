"""Club Manager > Factures (OR-7): one document's PDF, a filtered list of documents and
"Télécharger la sélection (ZIP)", a quote's PDF, and "Facture" on a purchase receipt.

Reading documents is for roles that sell ("sales.manage") or keep the books
("compta.view"): the views carry `staff_view("dashboard.view")` (member of this structure)
and check one of the two with `role_has`, as docs/permissions.md describes for pages that
serve several permissions."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from functools import wraps
from typing import IO, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.billing import pdf, selectors
from ponton.billing.models import Document
from ponton.billing.services import BillingError, receipt_to_invoice
from ponton.sales.models import Order
from ponton.sales.selectors import access_order
from ponton.sales.services import Actor

LIST_LIMIT = 200


def documents_view(view: Callable) -> Callable:
    """A member of the structure whose role sells or keeps the books."""

    @staff_view("dashboard.view")
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        role = request.membership.role
        if not (role_has(role, "sales.manage") or role_has(role, "compta.view")):
            raise PermissionDenied("role may neither sell nor read the books")
        return view(request, *args, **kwargs)

    return wrapped


class DocumentFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"),
        required=False,
        choices=[("", gettext_lazy("Tous"))] + list(Document.Kind.choices),
    )
    start = forms.DateField(
        label=gettext_lazy("Du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    customer = forms.CharField(
        label=gettext_lazy("Client"), required=False, max_length=100, strip=True
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("La date de fin précède la date de début."))
        return data


def _actor(request) -> Actor:
    user = request.user
    return Actor(account_id=user.pk, name=user.get_full_name() or user.email)


def _pdf_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@documents_view
def document_pdf(request, document_id: int):
    """The PDF shown by "Document" > "visualiser" (Factur-X for invoices and credit notes)."""
    document = selectors.access_document(document_id=document_id)
    return _pdf_response(
        pdf.document_pdf(document, structure=request.tenant), pdf.filename(document)
    )


@staff_view("sales.manage")
def quote_pdf(request, order_id: int):
    """OR-2 "printable": the quote's PDF."""
    order = access_order(order_id=order_id)
    if order.status != Order.Status.QUOTE and not order.quote_number:
        raise Http404  # an order that never was a quote has no quote to print
    content = pdf.quote_pdf(order=order, structure=request.tenant)
    return _pdf_response(content, f"{order.quote_number or order.number}.pdf")


@documents_view
def document_list(request):
    form = DocumentFilterForm(data=request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    documents = list(selectors.document_search(**filters)[:LIST_LIMIT]) if not form.errors else []
    return render(
        request,
        "billing/documents/list.html",
        {
            "form": form,
            "documents": documents,
            "limit": LIST_LIMIT,
        },
    )


class _Sink:
    """A write-only file that hands out what was written since the last `take()`:
    zipfile writes to it (no seek needed), the response streams each chunk."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def zip_stream(documents: list[Document], *, structure=None) -> Iterator[bytes]:
    """One ZIP of the documents' PDFs, named by their numbers, streamed file by file."""
    sink = _Sink()
    stream = cast(IO[bytes], sink)  # write-only: all zipfile needs when writing
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(
                pdf.filename(document), pdf.document_pdf(document, structure=structure)
            )
            yield sink.take()
    yield sink.take()


@documents_view
def document_zip(request):
    """OR-7 "Télécharger la sélection (ZIP)": the checked documents, several at once."""
    values = request.GET.getlist("document")
    ids = {int(value) for value in values if value.isdigit()}
    documents = []
    if ids and all(value.isdigit() for value in values) and len(ids) <= LIST_LIMIT:
        documents = list(Document.objects.filter(pk__in=ids).order_by("issued_at", "pk"))
    if not documents or len(documents) != len(ids):
        messages.error(
            request,
            _("Sélectionnez entre 1 et %(limit)s documents à télécharger.") % {"limit": LIST_LIMIT},
        )
        params = request.GET.copy()
        params.pop("document", None)
        return redirect(f"{reverse('manager:documents')}?{params.urlencode()}")
    response = StreamingHttpResponse(
        zip_stream(documents, structure=request.tenant), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="documents.zip"'
    return response


@staff_view("sales.manage")
@require_POST
def receipt_invoice(request, document_id: int):
    """On a purchase receipt, "Facture": the invoice of the same lines, once."""
    receipt = selectors.access_document(document_id=document_id)
    try:
        invoice = receipt_to_invoice(
            structure=request.tenant, receipt=receipt, actor=_actor(request)
        )
    except BillingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Facture %(number)s émise.") % {"number": invoice.number})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    return redirect(target or "manager:documents")
