from django.apps import AppConfig


class TestModuleConfig(AppConfig):
    name = "tests.support.testmodule"
    label = "testmodule"
    verbose_name = "Module de test"
    default_auto_field = "django.db.models.BigAutoField"
