from django.urls import path

from modules.sms import views

urlpatterns = [
    path("", views.index, name="index"),
    path("reglages/", views.settings_page, name="settings"),
    path("client/<int:customer_id>/", views.send_customer, name="customer"),
    path("client/<int:customer_id>/consentement/", views.consent, name="consent"),
    path("commande/<int:order_id>/", views.send_order, name="order"),
    path("seance/<int:session_id>/", views.send_participants, name="participants"),
]
