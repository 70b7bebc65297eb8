"""The MarketPlace's browsing pages (MP-1), French URLs; the slug is cosmetic (a wrong one
redirects to the right one)."""

from django.urls import path

from ponton.shop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("activites/<int:product_id>-<str:slug>/", views.activity, name="activity"),
    path("activites/<int:product_id>/", views.activity, name="activity_short"),
    path("produits/<int:product_id>-<str:slug>/", views.product, name="product"),
    path("produits/<int:product_id>/", views.product, name="product_short"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
