from django.apps import AppConfig


class EmarketingConfig(AppConfig):
    name = "modules.emarketing"
    label = "emarketing"
    verbose_name = "Emarketing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from modules.emarketing import events  # noqa: F401 - registers the event types
