from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ponton.payments"
    label = "payments"
    verbose_name = "Paiements en ligne"
    default_auto_field = "django.db.models.BigAutoField"
