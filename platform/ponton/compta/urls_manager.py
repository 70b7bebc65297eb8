"""Club Manager > Compta, under /manager/compta/ (namespace "manager"), CO-1 to CO-5."""

from django.urls import path

from ponton.compta import views_accounting

urlpatterns: list = [
    path("ecritures/", views_accounting.journals, name="compta_journals"),
    path("ecritures/excel/", views_accounting.entries_excel, name="compta_entries_excel"),
    path("ecritures/fec/", views_accounting.fec, name="compta_fec"),
    path("parametres/", views_accounting.settings, name="compta_settings"),
]
