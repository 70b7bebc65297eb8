from django.urls import path

from modules.ffvoile import views

urlpatterns = [
    path("", views.index, name="index"),
    path("appels/<int:call_id>/", views.call_detail, name="call"),
    path("reglages/", views.settings_page, name="settings"),
    path("produit/<int:product_id>/", views.product_option, name="product_option"),
    path("client/<int:customer_id>/", views.identity, name="identity"),
    path("licence/<int:licence_id>/reessayer/", views.licence_retry, name="retry"),
]
