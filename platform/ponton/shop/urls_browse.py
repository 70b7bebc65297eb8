from django.urls import path

from ponton.web import views as web_views

urlpatterns = [
    path("", web_views.structure_home, name="home"),
]
