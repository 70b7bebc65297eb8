from django.apps import AppConfig


class FFVoileConfig(AppConfig):
    name = "modules.ffvoile"
    label = "ffvoile"
    verbose_name = "FF Voile"
    default_auto_field = "django.db.models.BigAutoField"
