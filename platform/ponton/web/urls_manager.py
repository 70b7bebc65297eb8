from django.urls import include, path

from ponton.web import views

app_name = "manager"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("section/<slug:slug>/", views.section, name="section"),
    path("emails/", views.structure_outbox, name="outbox"),
    path("structure/", include("tenants.urls_manager")),
    path("utilisateurs/", include("ponton.accounts.urls_manager")),
    path("notifications/", include("realtime.urls")),
    path("clients/", include("ponton.customers.urls_manager")),
    path("offre/", include("ponton.catalogue.urls_products")),
    path("planning/", include("ponton.planning.urls_manager")),
    path("factures/", include("ponton.billing.urls_manager")),
    path("commandes/", include("ponton.sales.urls_manager")),
    path("compta/", include("ponton.compta.urls_manager")),
    path("statistiques/", include("ponton.stats.urls_manager")),
]
