from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "ponton.customers"
    label = "customers"
    verbose_name = "Clients"
    default_auto_field = "django.db.models.BigAutoField"
