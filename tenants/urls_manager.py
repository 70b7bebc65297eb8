"""Club Manager > Paramètres > Ma structure, under /manager/structure/ (namespace "manager")."""

from django.urls import include, path

from tenants import views_manager

urlpatterns = [
    path("", views_manager.structure_settings, name="structure_settings"),
    path("identite/", views_manager.structure_identity, name="structure_identity"),
    path("contacts/", views_manager.structure_contacts, name="structure_contacts"),
    path("adresse/", views_manager.structure_address, name="structure_address"),
    path("banque/", views_manager.structure_bank, name="structure_bank"),
    path("cgv/", views_manager.structure_cgv, name="structure_cgv"),
    path("cgv.pdf", views_manager.structure_cgv_file, name="structure_cgv_file"),
    path("notifications/", views_manager.structure_notifications, name="structure_notifications"),
    path("boutique/", views_manager.structure_shop, name="structure_shop"),
    path("sites/", include("ponton.catalogue.urls")),
    path("modules/", views_manager.modules, name="modules"),
]
