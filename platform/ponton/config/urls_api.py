from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from ponton.accounts.access import public_view
from tenants import api as tenants_api

urlpatterns = [
    path("schema/", public_view(SpectacularAPIView.as_view()), name="api-schema"),
    path("structure/", tenants_api.StructureView.as_view(), name="api-structure"),
    path("modules/", tenants_api.ModuleListView.as_view(), name="api-modules"),
    path("modules/<slug:label>/", tenants_api.ModuleDetailView.as_view(), name="api-module"),
]
