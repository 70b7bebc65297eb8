"""Club Manager > Offre, under /manager/offre/ (namespace "manager")."""

from django.urls import path

from ponton.catalogue import views_products as views

urlpatterns = [
    path("", views.product_list, name="products"),
    path("nouveau/", views.product_create, name="product_create"),
    path("<int:product_id>/", views.product_edit, name="product_edit"),
    path("<int:product_id>/apercu/", views.product_preview, name="product_preview"),
    *[
        path(
            f"<int:product_id>/{action}/",
            views.product_status,
            {"action": action},
            name=f"product_{action}",
        )
        for action in ("publier", "depublier", "archiver")
    ],
    path("<int:product_id>/tarifs/ajouter/", views.rate_add, name="rate_add"),
    path(
        "<int:product_id>/tarifs/<int:rate_id>/supprimer/",
        views.rate_remove,
        name="rate_remove",
    ),
    path("<int:product_id>/photos/ajouter/", views.photo_add, name="photo_add"),
    path(
        "<int:product_id>/photos/<int:photo_id>/supprimer/",
        views.photo_remove,
        name="photo_remove",
    ),
    path("<int:product_id>/promotions/ajouter/", views.promotion_add, name="promotion_add"),
    path(
        "<int:product_id>/promotions/<int:promotion_id>/supprimer/",
        views.promotion_remove,
        name="promotion_remove",
    ),
    path("<int:product_id>/saisons/ajouter/", views.season_add, name="season_add"),
    path(
        "<int:product_id>/saisons/<int:season_id>/supprimer/",
        views.season_remove,
        name="season_remove",
    ),
    path("<int:product_id>/associes/ajouter/", views.association_add, name="association_add"),
    path(
        "<int:product_id>/associes/<int:association_id>/supprimer/",
        views.association_remove,
        name="association_remove",
    ),
    path("<int:product_id>/dupliquer/", views.product_duplicate, name="product_duplicate"),
    path("<int:product_id>/stock/", views.stock_set, name="stock_set"),
    path("champs/", views.custom_fields, name="custom_fields"),
    path("champs/<int:field_id>/supprimer/", views.custom_field_delete, name="custom_field_delete"),
]
