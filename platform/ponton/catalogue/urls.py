"""Sites of the structure (EG-4, CA-7), under /manager/structure/sites/ (namespace "manager")."""

from django.urls import path

from ponton.catalogue import views

urlpatterns = [
    path("", views.site_list, name="sites"),
    path("ajouter/", views.site_create, name="site_create"),
    path("<int:site_id>/", views.site_edit, name="site_edit"),
    path("<int:site_id>/supprimer/", views.site_delete, name="site_delete"),
]
