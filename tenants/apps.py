from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    label = "tenants"
    verbose_name = "Egestion"
    default_auto_field = "django.db.models.BigAutoField"
