from django.urls import path

from modules.pos import views

urlpatterns = [
    path("", views.index, name="index"),
    path("caisses/<int:till_id>/activer/", views.till_switch, name="till_switch"),
]
