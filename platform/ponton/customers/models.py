"""The structure's customer base (tenant schema).

Minimal for now (CU-1: identity and contact details); the catalogue/customers work extends it.
A customer may have a platform-wide account (`account_id`, an `accounts.User` id in the public
schema: never a cross-schema foreign key) to reach the customer space.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("client")
        constraints = [
            models.UniqueConstraint(
                fields=["account_id"],
                condition=models.Q(account_id__isnull=False),
                name="one_customer_per_account",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
