from django.urls import path

from modules.sms import views

urlpatterns = [path("", views.index, name="index")]
