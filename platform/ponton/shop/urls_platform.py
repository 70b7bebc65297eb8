"""The platform-wide customer space, under /compte/ on PLATFORM_DOMAIN (namespace "compte")."""

from django.urls import path

from ponton.shop import views_space

app_name = "compte"

urlpatterns = [path("", views_space.platform_space, name="home")]
