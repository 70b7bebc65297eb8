from django.apps import AppConfig


class SellingConfig(AppConfig):
    """The selling path (docs/adr/0011): no tables of its own; installed for its tasks and
    email templates."""

    name = "ponton.selling"
    label = "selling"
    verbose_name = "Vente"
