"""Club Manager routes of Click & Pay, under /manager/paiements/."""

from django.urls import path

from ponton.payments import views

app_name = "payments_manager"

urlpatterns = [
    path("stripe/", views.stripe_settings, name="stripe_settings"),
    path("demande/<int:document_id>/", views.request_create, name="request_create"),
    path("demande/<int:request_id>/annuler/", views.request_cancel, name="request_cancel"),
    path("relance/", views.remind, name="remind"),
    path("remboursement/<int:payment_id>/", views.refund, name="refund"),
]
