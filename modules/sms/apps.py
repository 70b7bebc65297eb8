from django.apps import AppConfig


class SMSConfig(AppConfig):
    name = "modules.sms"
    label = "sms"
    verbose_name = "SMS"
    default_auto_field = "django.db.models.BigAutoField"
