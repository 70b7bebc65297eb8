"""Club Manager > Clients, under /manager/clients/ (namespace "manager")."""

from django.urls import path

from ponton.customers import views

urlpatterns = [
    path("", views.customer_list, name="customers"),
    path("nouveau/", views.customer_create, name="customer_create"),
    path("<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path("<int:customer_id>/inviter/", views.customer_invite, name="customer_invite"),
]
