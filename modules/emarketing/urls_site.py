"""The module's public pages on the structure's domain: the unsubscribe link of campaigns
(no login). Mounted by ponton.config.modules_urls under PREFIX and NOT gated by the module
switch: an email already sent must stay unsubscribable after the module is switched off."""

from django.urls import path

from modules.emarketing import views

PREFIX = "emailing/"
NAMESPACE = "emarketing_public"
GATED = False

urlpatterns = [path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe")]
