"""Club Manager > Compta, under /manager/compta/ (namespace "manager"), CO-1 to CO-5."""

from django.urls import path

from ponton.compta import views_ereporting

urlpatterns: list = [
    path("e-reporting/", views_ereporting.ereporting, name="compta_ereporting"),
]
