from django.urls import path

from modules.pos import views

urlpatterns = [path("", views.index, name="index")]
