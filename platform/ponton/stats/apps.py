from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "ponton.stats"
    label = "stats"
    verbose_name = "Statistiques"
    default_auto_field = "django.db.models.BigAutoField"
