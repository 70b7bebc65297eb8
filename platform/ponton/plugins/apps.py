from django.apps import AppConfig


class PluginsConfig(AppConfig):
    name = "ponton.plugins"
    label = "plugins"
    verbose_name = "Modules"
