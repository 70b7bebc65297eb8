"""Club Manager > Statistiques, under /manager/statistiques/ (namespace "manager"), ST-1, ST-2."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
