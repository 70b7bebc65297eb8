from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "modules.forum"
    label = "forum"
    verbose_name = "Forum client"
    default_auto_field = "django.db.models.BigAutoField"
