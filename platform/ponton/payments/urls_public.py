"""Public routes on the structure's host: the payment page and Stripe's webhook."""

from django.urls import path

from ponton.payments import views

app_name = "payments"

urlpatterns = [
    path("payer/<str:token>/", views.pay_page, name="pay"),
    path("payer/<str:token>/carte/", views.pay_card, name="pay_card"),
    path("payer/<str:token>/test/", views.pay_test, name="pay_test"),
    path("payer/<str:token>/statut/", views.pay_status, name="pay_status"),
    path("payments/stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
