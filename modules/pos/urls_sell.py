"""The selling screen, its device registration, session opening and ticket sync (PO-1, PO-8),
at /caisse/ (namespace `till`)."""

from django.urls import path

from modules.pos import views_sell

urlpatterns = [
    path("", views_sell.home, name="home"),
    path("choisir/", views_sell.choose, name="choose"),
    path("ouvrir/", views_sell.open_till, name="open"),
    path("appareil/", views_sell.device, name="device"),
    path("catalogue.json", views_sell.catalogue, name="catalogue"),
    path("ping/", views_sell.ping, name="ping"),
    path("clients/", views_sell.customers, name="customers"),
    path("clients/nouveau/", views_sell.customer_new, name="customer_new"),
    path("synchro/", views_sell.sync, name="sync"),
    path("sw.js", views_sell.service_worker, name="sw"),
]
