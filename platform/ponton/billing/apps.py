from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ponton.billing"
    label = "billing"
    verbose_name = "Facturation"
    default_auto_field = "django.db.models.BigAutoField"
