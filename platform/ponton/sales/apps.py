from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "ponton.sales"
    label = "sales"
    verbose_name = "Ventes"
    default_auto_field = "django.db.models.BigAutoField"
