from django import forms
from django.utils.translation import gettext_lazy as _


class StripeAccountForm(forms.Form):
    publishable_key = forms.CharField(
        label=_("Clé publiable"),
        max_length=255,
        required=False,
        help_text=_("Commence par « pk_live_ » (ou « pk_test_ » pour vos essais)."),
    )
    secret_key = forms.CharField(
        label=_("Clé secrète"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Laissez vide pour garder la clé enregistrée."),
    )
    webhook_secret = forms.CharField(
        label=_("Secret de signature des webhooks"),
        max_length=255,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Commence par « whsec_ ». Laissez vide pour garder le secret enregistré."),
    )


class ReminderForm(forms.Form):
    subject = forms.CharField(label=_("Objet de l'email"), max_length=200)
    body = forms.CharField(
        label=_("Contenu de l'email"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Le lien de paiement est ajouté à la fin s'il n'y est pas."),
    )


class OnlineRefundForm(forms.Form):
    document = forms.TypedChoiceField(label=_("Document remboursé"), coerce=int)
    amount = forms.DecimalField(label=_("Montant (€)"), max_digits=12, decimal_places=2)
