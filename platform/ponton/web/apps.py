from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ponton.web"
    label = "web"
    verbose_name = "Interface"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ponton.config import checks  # noqa: F401 - registers the deployment's checks
