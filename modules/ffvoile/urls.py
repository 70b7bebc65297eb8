from django.urls import path

from modules.ffvoile import views

urlpatterns = [path("", views.index, name="index")]
