"""Club Manager > Paramètres > Utilisateurs, under /manager/utilisateurs/ (namespace "manager")."""

from django.urls import path

from ponton.accounts import views_manager

urlpatterns = [
    path("", views_manager.staff_list, name="staff"),
    path("inviter/", views_manager.staff_invite, name="staff_invite"),
    path("<int:membership_id>/", views_manager.staff_edit, name="staff_edit"),
    path(
        "<int:membership_id>/desactiver/",
        views_manager.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "<int:membership_id>/reactiver/",
        views_manager.staff_reactivate,
        name="staff_reactivate",
    ),
]
