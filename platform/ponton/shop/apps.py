from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    """The MarketPlace (each structure's online shop at /) and the customer space (MP-1..MP-4)."""

    name = "ponton.shop"
    label = "shop"
    verbose_name = _("MarketPlace")
    default_auto_field = "django.db.models.BigAutoField"
