from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from ponton.accounts import ratelimit
from ponton.accounts.selectors import membership_for
from ponton.customers.selectors import customer_for_account


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Adresse email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid": _("Adresse email ou mot de passe incorrect."),
        "limited": _("Trop de tentatives de connexion. Réessayez dans quelques minutes."),
        "no_access": _("Ce compte n'a pas accès à cette structure."),
        "no_console": _("Ce compte n'a pas accès à la console de la plateforme."),
    }

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("email") or "").lower()
        password = cleaned.get("password")
        if not email or not password:
            return cleaned
        ip = ratelimit.client_ip(self.request)
        limit = settings.RATELIMIT_LOGIN
        if ratelimit.is_limited(scope="login-ip", ident=ip, limit=limit) or ratelimit.is_limited(
            scope="login-email", ident=email, limit=limit
        ):
            raise forms.ValidationError(self.error_messages["limited"], code="limited")
        user = authenticate(self.request, email=email, password=password)
        if user is None:
            ratelimit.hit(scope="login-ip", ident=ip, limit=limit)
            ratelimit.hit(scope="login-email", ident=email, limit=limit)
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        structure = getattr(self.request, "tenant", None)
        if structure is not None and not structure.is_platform:
            # Staff members of the structure, and its customers (customer space, /compte/).
            if (
                membership_for(user=user, structure=structure) is None
                and customer_for_account(account_id=user.pk) is None
            ):
                raise forms.ValidationError(self.error_messages["no_access"], code="no_access")
        self.user = user
        return cleaned


class PontonPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(label=_("Adresse email"), max_length=254)
