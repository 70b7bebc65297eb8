from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "ponton.catalogue"
    label = "catalogue"
    verbose_name = "Offre"
    default_auto_field = "django.db.models.BigAutoField"
