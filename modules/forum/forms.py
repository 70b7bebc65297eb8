from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from modules.forum.services import MAX_LENGTH


class MessageForm(forms.Form):
    """Parses the text only: the service validates it (empty, too long) with its own words."""

    body = forms.CharField(
        label=_("Votre message"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_LENGTH}),
    )
