from django.apps import AppConfig


class PosConfig(AppConfig):
    name = "modules.pos"
    label = "pos"
    verbose_name = "Caisse"
    default_auto_field = "django.db.models.BigAutoField"
