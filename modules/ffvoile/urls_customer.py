"""Customer pages, under /compte/ on the structure's domain (namespace "ffvoile_compte"; 404
when the module is off)."""

from django.urls import path

from modules.ffvoile import views

urlpatterns = [path("licences-ffvoile/", views.space_licences, name="licences")]
