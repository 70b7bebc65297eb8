from django.urls import path

from ponton.accounts import views_manager

urlpatterns = [
    path("", views_manager.staff_list, name="staff"),
]
