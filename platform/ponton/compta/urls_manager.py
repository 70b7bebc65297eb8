"""Club Manager > Compta, under /manager/compta/ (namespace "manager"), CO-1 to CO-5."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
