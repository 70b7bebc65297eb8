from django.apps import AppConfig


class ComptaConfig(AppConfig):
    name = "ponton.compta"
    label = "compta"
    verbose_name = "Compta"
    default_auto_field = "django.db.models.BigAutoField"
