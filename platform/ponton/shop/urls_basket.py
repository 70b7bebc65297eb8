from django.urls import path

from ponton.shop import views_basket

urlpatterns = [
    path("panier/", views_basket.basket, name="basket"),
    path("panier/ajouter/", views_basket.basket_add, name="basket_add"),
]
