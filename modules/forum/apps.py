from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "modules.forum"
    label = "forum"
    verbose_name = "Forum client"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from modules.forum import events  # noqa: F401 - registers the forum's event types
