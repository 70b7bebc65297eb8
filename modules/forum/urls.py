from django.urls import path

from modules.forum import views

urlpatterns = [path("", views.index, name="index")]
