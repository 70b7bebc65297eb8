"""The provider's callback on the structure's domain (secret token in the URL)."""

from django.urls import path

from modules.sms import views

PREFIX = "sms/"
NAMESPACE = "sms_site"

urlpatterns = [
    path("rappel/<str:token>/<str:provider>/", views.callback, name="callback"),
]
