from django.apps import AppConfig


class SMSConfig(AppConfig):
    name = "modules.sms"
    label = "sms"
    verbose_name = "SMS"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ponton.config.celery import app

        # Beat: promotional SMS held for the allowed hours, and any message a lost task left
        # "en attente", leave within the minute.
        app.conf.beat_schedule.setdefault(
            "sms-send-due", {"task": "modules.sms.tasks.sms_send_due_task", "schedule": 60.0}
        )
