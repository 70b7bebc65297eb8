"""The module's public pages on the structure's domain: the unsubscribe link of campaigns
(no login). Mounted by ponton.config.modules_urls under PREFIX, gated by the module switch."""

from django.urls import path

from modules.emarketing import views

PREFIX = "emailing/"
NAMESPACE = "emarketing_public"

urlpatterns = [path("desinscription/<str:token>/", views.unsubscribe, name="unsubscribe")]
