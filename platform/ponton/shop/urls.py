"""The MarketPlace at / of a structure's domain (namespace "shop"): browsing
(`urls_browse.py`) and the basket and checkout (`urls_basket.py`)."""

from django.urls import include, path

app_name = "shop"

urlpatterns = [
    path("", include("ponton.shop.urls_browse")),
    path("", include("ponton.shop.urls_basket")),
    path("", include("ponton.shop.urls_live")),
]
