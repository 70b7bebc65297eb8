"""Forms of Club Manager > Paramètres > Utilisateurs: invite a member, change a role."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ponton.accounts.models import Role

OWNER_ONLY = _("Seul un Super Administrateur peut nommer un Super Administrateur.")


class _RoleMixin:
    """The role choice: a member who is not a Super Administrateur is not offered that role
    (and is refused it with a clear message if it is sent anyway)."""

    def _setup_role(self, actor_role: str) -> None:
        self.actor_role = actor_role
        field = self.fields["role"]  # type: ignore[attr-defined]
        field.choices = Role.choices
        if actor_role != Role.OWNER:
            field.widget.choices = [c for c in Role.choices if c[0] != Role.OWNER]

    def clean_role(self) -> str:
        role = self.cleaned_data["role"]  # type: ignore[attr-defined]
        if role == Role.OWNER and self.actor_role != Role.OWNER:
            raise forms.ValidationError(OWNER_ONLY, code="owner_only")
        return role


class InviteForm(_RoleMixin, forms.Form):
    email = forms.EmailField(label=_("Adresse email"))
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices, initial=Role.STAFF)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_role(actor_role)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class RoleForm(_RoleMixin, forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)

    def __init__(self, *args, actor_role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_role(actor_role)
