from django.urls import path

from ponton.shop import views_basket as views

urlpatterns = [
    path("panier/", views.basket, name="basket"),
    path("panier/ajouter/", views.basket_add, name="basket_add"),
    path("panier/<int:line_id>/retirer/", views.basket_remove, name="basket_remove"),
    path("panier/reserver-a-nouveau/", views.basket_hold_again, name="basket_hold_again"),
    path("commande/", views.checkout, name="checkout"),
    path("commande/<str:token>/paiement/", views.checkout_pay, name="checkout_pay"),
    path("commande/<str:token>/carte/", views.checkout_pay_card, name="checkout_pay_card"),
    path("commande/<str:token>/test/", views.checkout_pay_test, name="checkout_pay_test"),
    path("commande/<str:token>/statut/", views.checkout_status, name="checkout_status"),
    path("commande/<str:token>/", views.checkout_done, name="checkout_done"),
    path("commande/<str:token>/facture.pdf", views.checkout_invoice_pdf, name="checkout_invoice"),
    path("cgv/", views.cgv, name="cgv"),
]
