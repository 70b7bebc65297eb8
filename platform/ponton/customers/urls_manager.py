"""Club Manager > Clients, under /manager/clients/ (namespace "manager")."""

from django.urls import path

from ponton.customers import views

urlpatterns = [
    path("", views.customer_list, name="customers"),
    path("nouveau/", views.customer_create, name="customer_create"),
    path("importer/", views.customer_import, name="customer_import"),
    path("<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/inviter/", views.customer_invite, name="customer_invite"),
    path("<int:customer_id>/modifier/", views.customer_edit, name="customer_edit"),
    path("<int:customer_id>/payeur/", views.customer_payer, name="customer_payer"),
    path(
        "<int:customer_id>/payeur/retirer/",
        views.customer_payer_remove,
        name="customer_payer_remove",
    ),
    path("<int:customer_id>/adresses/nouvelle/", views.address_add, name="customer_address_add"),
    path(
        "<int:customer_id>/adresses/<int:address_id>/supprimer/",
        views.address_delete,
        name="customer_address_delete",
    ),
    path("<int:customer_id>/rgpd/export/", views.customer_export, name="customer_export"),
    path("<int:customer_id>/rgpd/effacer/", views.customer_erase, name="customer_erase"),
]
