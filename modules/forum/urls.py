"""Staff pages, under /manager/m/forum/ (namespace "forum"; 404 when the module is off)."""

from django.urls import path

from modules.forum import views

urlpatterns = [
    path("", views.index, name="index"),
    path("clients/<int:customer_id>/", views.customer_conversation, name="customer"),
    path("clients/<int:customer_id>/messages/", views.customer_messages, name="customer_messages"),
    path("clients/<int:customer_id>/lu/", views.customer_read, name="customer_read"),
]
