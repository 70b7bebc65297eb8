from django.urls import path

from tenants import views_console

app_name = "console"

urlpatterns = [
    path("", views_console.structures, name="structures"),
]
