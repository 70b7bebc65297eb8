"""Club Manager > Factures, under /manager/factures/ (namespace "manager"), OR-7."""

from django.urls import path

from ponton.billing import views_documents as views
from ponton.billing import views_payments

urlpatterns = [
    path("", views.document_list, name="documents"),
    path("zip/", views.document_zip, name="documents_zip"),
    path("<int:document_id>/pdf/", views.document_pdf, name="document_pdf"),
    path("<int:document_id>/facture/", views.receipt_invoice, name="receipt_invoice"),
    path("devis/<int:order_id>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("<int:document_id>/", views_payments.document_detail, name="document"),
    path("<int:document_id>/paiement/", views_payments.payment_add, name="payment_add"),
]
