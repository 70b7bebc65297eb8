"""Live availability (MP-1): the HTTP catch-up of the shop pages' seat counts."""

from django.urls import path

from ponton.shop import views_live

urlpatterns = [
    path("disponibilites/", views_live.availability, name="availability"),
]
