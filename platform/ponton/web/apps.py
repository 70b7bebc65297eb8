from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "ponton.web"
    label = "web"
    verbose_name = "Interface"
    default_auto_field = "django.db.models.BigAutoField"
