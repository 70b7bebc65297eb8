from django.urls import path

from modules.pos import views_archives

urlpatterns = [
    path("caisses/<int:till_id>/archives/", views_archives.archives, name="archives"),
    path(
        "caisses/<int:till_id>/archives/produire/",
        views_archives.archive_produce,
        name="archive_produce",
    ),
    path(
        "caisses/<int:till_id>/archives/<int:archive_id>/telecharger/",
        views_archives.archive_download,
        name="archive_download",
    ),
]
