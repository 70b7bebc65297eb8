from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ponton.ledger"
    label = "ledger"
    verbose_name = "Journal inaltérable"
    default_auto_field = "django.db.models.BigAutoField"
