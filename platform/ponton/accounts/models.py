"""Platform-wide identities (public schema) and their memberships of structures."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("email required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True, is_platform_operator=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """One identity per person, whatever the structures they work for or buy from."""

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("adresse email"), unique=True)
    is_platform_operator = models.BooleanField(
        _("opérateur de la plateforme"),
        default=False,
        help_text=_("Accède à la console de la plateforme (Egestion)."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("utilisateur")

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    OWNER = "owner", _("Super Administrateur")
    ADMIN = "admin", _("Administrateur")
    STAFF = "staff", _("Équipe")
    ACCOUNTANT = "accountant", _("Comptable")
    CASHIER = "cashier", _("Caissier")


class Membership(models.Model):
    """A user works for a structure with one role."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    structure = models.ForeignKey(
        "tenants.Structure", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=12, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"], name="one_membership_per_structure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.structure} ({self.role})"


class CustomerLink(models.Model):
    """A person is a customer of a structure: the platform-wide index of the customer rows.

    The customer itself lives in the structure's schema (`customers.Customer`, whose
    `account_id` is this user's id); this row lets the platform list a person's structures
    ("Mes discussions") without opening every schema.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="customer_links")
    structure = models.ForeignKey(
        "tenants.Structure", on_delete=models.CASCADE, related_name="customer_links"
    )
    customer_id = models.BigIntegerField()  # customers.Customer id in the structure's schema
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "structure"], name="one_customer_link_per_structure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.structure} (customer {self.customer_id})"
