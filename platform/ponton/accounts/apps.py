from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ponton.accounts"
    label = "accounts"
    verbose_name = "Comptes"
    default_auto_field = "django.db.models.BigAutoField"
