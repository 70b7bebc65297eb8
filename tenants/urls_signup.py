from django.urls import path

from tenants import views_signup

app_name = "signup"

urlpatterns = [
    path("", views_signup.start, name="start"),
]
