"""Club Manager > Compta, under /manager/compta/ (namespace "manager"), CO-1 to CO-5."""

from django.urls import path

from ponton.compta import views_lists

urlpatterns: list = [
    path("listes/", views_lists.lists_index, name="compta_lists"),
    path("listes/<slug:slug>/", views_lists.list_detail, name="compta_list"),
    path("listes/<slug:slug>/export/", views_lists.list_export, name="compta_list_export"),
    path("exports/", views_lists.exports_mine, name="compta_exports"),
    path("exports/<int:job_id>/", views_lists.export_detail, name="compta_export"),
    path(
        "exports/<int:job_id>/progression/",
        views_lists.export_progress,
        name="compta_export_progress",
    ),
    path(
        "exports/<int:job_id>/telecharger/",
        views_lists.export_download,
        name="compta_export_download",
    ),
]
