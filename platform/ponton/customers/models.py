"""The structure's customer base (tenant schema).

CU-1: identity and contact details, birth date, postal addresses, family links (a payer and the
consumers they pay for). A customer may have a platform-wide account (`account_id`, an
`accounts.User` id in the public schema: never a cross-schema foreign key) to reach the
customer space.

Search (CU-1, fast on 100,000 customers): one trigram GIN expression index,
`customers_customer_search_trgm` on
`lower(first_name || ' ' || last_name || ' ' || email || ' ' || mobile || ' ' || phone)` with the
opclass `gin_trgm_ops` (pg_trgm extension, installed in the public schema by migration 0002,
which creates the index with raw SQL; the opclass resolves in every tenant schema whose
search_path is "<schema>, public"). `selectors.customer_list` filters that same expression
(`SearchText`) with `LIKE '%word%'`, which the index serves (Bitmap Index Scan). A plain B-tree
`customers_by_name` (last_name, first_name, id) serves the unsearched list's order. Both are
copied with the tables when a structure's schema is cloned from the template (the clone names
them anew, e.g. customers_customer_lower_idx).
Where the PostgreSQL server has no pg_trgm (the embedded server of `make run` without
services), migration 0002 skips the extension and the index: the search still works, unindexed.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_postal_code

SEARCH_INDEX = "customers_customer_search_trgm"


SEARCH_FIELDS = ("first_name", "last_name", "email", "mobile", "phone")


class SearchText(models.Func):
    """lower(first_name || ' ' || last_name || ' ' || email || ' ' || mobile || ' ' || phone):
    the very expression of the trigram index, so the planner uses it."""

    template = "lower(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = models.TextField()

    def __init__(self):
        super().__init__(*SEARCH_FIELDS)


class Customer(models.Model):
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    phone = models.CharField(_("téléphone"), max_length=20, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    payer = models.ForeignKey(
        "self",
        verbose_name=_("payeur"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consumers",
    )
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # A customer buying for a company (B2B): its name, SIREN and VAT number, frozen on the
    # documents; a customer without SIREN nor VAT number is a private person (B2C, CO-5).
    company_name = models.CharField(_("société"), max_length=200, blank=True, default="")
    company_siren = models.CharField(_("SIREN de la société"), max_length=9, blank=True, default="")
    company_vat_number = models.CharField(
        _("numéro de TVA de la société"), max_length=20, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(_("effacé le"), null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("client")
        constraints = [
            models.UniqueConstraint(
                fields=["account_id"],
                condition=models.Q(account_id__isnull=False),
                name="one_customer_per_account",
            ),
            models.CheckConstraint(
                condition=~models.Q(payer=models.F("pk")),
                name="customer_not_own_payer",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "id"], name="customers_by_name"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_company(self) -> bool:
        return bool(self.company_siren or self.company_vat_number)


class Address(models.Model):
    """CU-1: a postal address of a customer (home, holidays, billing...)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="addresses", verbose_name=_("client")
    )
    label = models.CharField(_("libellé"), max_length=50, blank=True)
    line1 = models.CharField(_("adresse"), max_length=200)
    line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[validate_postal_code]
    )
    city = models.CharField(_("ville"), max_length=100)
    country = models.CharField(_("pays"), max_length=100, default="France")

    class Meta:
        ordering = ["id"]
        verbose_name = _("adresse")

    def __str__(self) -> str:
        return f"{self.line1}, {self.postal_code} {self.city}"
