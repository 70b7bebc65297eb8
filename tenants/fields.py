"""Form fields shared by the signup wizard (EG-1) and Ma structure (EG-4)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class WebsiteField(forms.URLField):
    """The structure's website: "cn-aber.fr" is accepted and stored as "https://cn-aber.fr".
    A text input (with the URL keyboard on phones), not `type="url"`, which browsers refuse
    without a scheme before the form is even sent."""

    widget = forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"})

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("help_text", _("Ex. : cn-aber.fr (https:// est ajouté)."))
        super().__init__(**kwargs)
