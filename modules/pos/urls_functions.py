"""The till's functions: cash in/out, X and Z, closings, ticket search (PO-2..PO-6)."""

from django.urls import path

from modules.pos import views_closing, views_tickets

urlpatterns = [
    path("apport/", views_closing.cash_in, name="cash_in"),
    path("retrait/", views_closing.cash_out, name="cash_out"),
    path("etat/", views_closing.state, name="state"),
    path("etat/cloture/", views_closing.close, name="close"),
    path("clotures/", views_closing.closings, name="closings"),
    path("clotures/<int:closing_id>/pdf/", views_closing.closing_pdf, name="closing_pdf"),
    path("tickets/", views_tickets.search, name="search"),
    path("tickets/<int:ticket_id>/", views_tickets.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/imprimer/", views_tickets.ticket_print, name="ticket_print"),
    path(
        "tickets/<int:ticket_id>/impressions/<int:count>/",
        views_tickets.ticket_printed,
        name="ticket_printed",
    ),
    path(
        "tickets/<int:ticket_id>/impressions/<int:count>/pdf/",
        views_tickets.ticket_pdf,
        name="ticket_pdf",
    ),
    path("tickets/<int:ticket_id>/commande/", views_tickets.order, name="order"),
    path(
        "tickets/<int:ticket_id>/commande/facturer/",
        views_tickets.order_invoice,
        name="order_invoice",
    ),
    path("tickets/<int:ticket_id>/facture/", views_tickets.receipt_invoice, name="receipt_invoice"),
    path("tickets/<int:ticket_id>/annuler/", views_tickets.ticket_cancel, name="ticket_cancel"),
    path(
        "tickets/<int:ticket_id>/documents/<int:document_id>/",
        views_tickets.document_detail,
        name="document",
    ),
    path(
        "tickets/<int:ticket_id>/documents/<int:document_id>/paiement/",
        views_tickets.payment_add,
        name="payment_add",
    ),
]
