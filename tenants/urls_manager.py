from django.urls import path

from tenants import views_manager

urlpatterns = [
    path("", views_manager.structure_settings, name="structure_settings"),
    path("modules/", views_manager.modules, name="modules"),
]
