from django.urls import path

from modules.emarketing import views

urlpatterns = [path("", views.index, name="index")]
