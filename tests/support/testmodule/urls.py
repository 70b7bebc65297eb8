from django.urls import path

from tests.support.testmodule import views

urlpatterns = [path("", views.notes, name="notes")]
