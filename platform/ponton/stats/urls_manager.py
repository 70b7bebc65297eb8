"""Club Manager > Statistiques, under /manager/statistiques/ (namespace "manager"), ST-1, ST-2."""

from django.urls import path

from ponton.stats import views

urlpatterns = [
    path("frequentation/", views.attendance, name="stats_attendance"),
    path(
        "frequentation/export/<slug:table>/<slug:fmt>/",
        views.attendance_export,
        name="stats_attendance_export",
    ),
    path("finances/", views.finance, name="stats_finance"),
    path(
        "finances/export/<slug:table>/<slug:fmt>/",
        views.finance_export,
        name="stats_finance_export",
    ),
]
