from django.urls import path

from tenants import views_console

app_name = "console"

urlpatterns = [
    path("", views_console.structures, name="structures"),
    path("structures/<int:pk>/", views_console.structure_detail, name="structure"),
    path(
        "structures/<int:pk>/contrat-recu/",
        views_console.structure_contract_received,
        name="structure_contract_received",
    ),
    path(
        "structures/<int:pk>/activer/",
        views_console.structure_activate,
        name="structure_activate",
    ),
    path(
        "structures/<int:pk>/suspendre/",
        views_console.structure_suspend,
        name="structure_suspend",
    ),
    path(
        "structures/<int:pk>/modules/<slug:label>/accorder/",
        views_console.module_grant,
        name="module_grant",
    ),
    path(
        "structures/<int:pk>/modules/<slug:label>/retirer/",
        views_console.module_withdraw,
        name="module_withdraw",
    ),
    path("cles/", views_console.activation_keys, name="activation_keys"),
    path("cles/nouvelle/", views_console.activation_key_new, name="activation_key_new"),
]
