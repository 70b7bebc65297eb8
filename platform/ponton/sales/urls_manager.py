"""Club Manager > Gérer > Commandes, Devis and the basket, under /manager/commandes/
(namespace "manager")."""

from django.urls import path

from ponton.sales import views, views_basket

urlpatterns = [
    path("", views.order_list, name="orders"),
    path("devis/", views.quote_list, name="quotes"),
    path("panier/", views_basket.basket, name="basket"),
    path("panier/clients/", views_basket.customer_suggestions, name="basket_customers"),
    path("panier/payeur/", views_basket.basket_payer, name="basket_payer"),
    path("panier/planning/", views_basket.basket_planning, name="basket_planning"),
    path("panier/seance/<int:session_id>/", views_basket.basket_session, name="basket_session"),
    path("panier/catalogue/", views_basket.basket_catalogue, name="basket_catalogue"),
    path("panier/produit/<int:product_id>/", views_basket.basket_product, name="basket_product"),
    path("panier/ligne-libre/", views_basket.basket_free_line, name="basket_free_line"),
    path("panier/lignes/<int:line_id>/", views_basket.basket_line_edit, name="basket_line"),
    path(
        "panier/lignes/<int:line_id>/consommateur/",
        views_basket.basket_line_consumer,
        name="basket_line_consumer",
    ),
    path(
        "panier/lignes/<int:line_id>/retirer/",
        views_basket.basket_line_remove,
        name="basket_line_remove",
    ),
    path("panier/vider/", views_basket.basket_empty, name="basket_empty"),
    path("panier/valider/", views_basket.basket_submit, name="basket_submit"),
    path("<int:order_id>/", views.order_detail, name="order"),
    path("<int:order_id>/commander/", views.quote_order, name="quote_order"),
    path("<int:order_id>/facturer/", views.order_invoice, name="order_invoice"),
    path("<int:order_id>/lignes/", views.order_lines_action, name="order_lines_action"),
    path(
        "<int:order_id>/lignes/<int:line_id>/annuler/",
        views.order_line_cancel,
        name="order_line_cancel",
    ),
    path(
        "<int:order_id>/lignes/<int:line_id>/remplacer/",
        views.order_line_replace,
        name="order_line_replace",
    ),
]
