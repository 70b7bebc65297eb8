"""Club Manager > Planning, under /manager/planning/ (namespace "manager")."""

from django.urls import path

from ponton.planning import views

urlpatterns = [
    path("", views.planning_week, name="planning"),
    path("ajouter/", views.planning_add, name="planning_add"),
]
