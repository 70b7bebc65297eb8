"""Writes on the customer base: creating customers, inviting them into the customer space, and
what customers change themselves in their space (profile, family, password; MP-4)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ponton.accounts.models import CustomerLink, User
from ponton.accounts.services import password_set_path, user_get_or_create
from ponton.customers.models import Address, Customer
from ponton.web.mail import email_send
from tenants.selectors import structure_url


class CustomerError(Exception):
    """A refused action on a customer, with a French message for the user."""


@dataclass(frozen=True)
class AddressData:
    line1: str
    postal_code: str
    city: str
    label: str = ""
    line2: str = ""
    country: str = "France"


@transaction.atomic
def customer_create(
    *,
    first_name: str,
    last_name: str,
    email: str = "",
    mobile: str = "",
    phone: str = "",
    birth_date: date | None = None,
    address: AddressData | None = None,
    company_name: str = "",
    company_siren: str = "",
    company_vat_number: str = "",
) -> Customer:
    """CU-1: a new customer in the current structure's schema, with their first postal
    address if given (both or neither); a company's SIREN or VAT number makes them a
    business customer (CO-5)."""
    customer = Customer.objects.create(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        mobile=mobile,
        phone=phone,
        birth_date=birth_date,
        company_name=company_name.strip(),
        company_siren=company_siren,
        company_vat_number=company_vat_number,
    )
    if address is not None:
        address_add(customer=customer, **dataclasses.asdict(address))
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    first_name: str,
    last_name: str,
    email: str = "",
    mobile: str = "",
    phone: str = "",
    birth_date: date | None = None,
    company_name: str | None = None,
    company_siren: str | None = None,
    company_vat_number: str | None = None,
) -> Customer:
    """CU-1: edit the customer's identity (phones already normalised by the form); the
    company fields are kept when not given (None)."""
    customer.first_name = first_name.strip()
    customer.last_name = last_name.strip()
    customer.email = email.strip().lower()
    customer.mobile = mobile
    customer.phone = phone
    customer.birth_date = birth_date
    fields = ["first_name", "last_name", "email", "mobile", "phone", "birth_date"]
    for name, value in (
        ("company_name", company_name),
        ("company_siren", company_siren),
        ("company_vat_number", company_vat_number),
    ):
        if value is not None:
            setattr(customer, name, value.strip())
            fields.append(name)
    customer.save(update_fields=fields)
    return customer


@transaction.atomic
def customer_set_payer(*, customer: Customer, payer: Customer | None) -> Customer:
    """CU-1: `payer` pays for `customer` (None: nobody). Refused when the customer would be
    their own payer, or when the link would close a cycle (the payer is paid for, directly or
    through others, by the customer)."""
    if customer.erased_at is not None:
        raise CustomerError(_("Ce client a été effacé (RGPD) : sa fiche ne se modifie plus."))
    if payer is not None:
        if payer.pk == customer.pk:
            raise CustomerError(_("Un client ne peut pas être son propre payeur."))
        seen = set()
        current: Customer | None = payer
        while current is not None and current.pk not in seen:
            if current.payer_id == customer.pk:
                raise CustomerError(
                    _(
                        "%(payer)s est déjà payé par %(name)s : ce lien créerait une boucle "
                        "entre payeurs."
                    )
                    % {"payer": payer.full_name, "name": customer.full_name}
                )
            seen.add(current.pk)
            current = current.payer
    customer.payer = payer
    customer.save(update_fields=["payer"])
    return customer


@transaction.atomic
def address_add(
    *,
    customer: Customer,
    line1: str,
    postal_code: str,
    city: str,
    label: str = "",
    line2: str = "",
    country: str = "France",
) -> Address:
    """CU-1: a postal address of the customer (postal code validated by the form)."""
    return Address.objects.create(
        customer=customer,
        label=label.strip(),
        line1=line1.strip(),
        line2=line2.strip(),
        postal_code=postal_code.strip(),
        city=city.strip(),
        country=country.strip() or "France",
    )


@transaction.atomic
def address_delete(*, address: Address) -> None:
    address.delete()


ERASED_NAME = "Client effacé"


@transaction.atomic
def customer_erase(*, structure, customer: Customer) -> Customer:
    """CU-2 (GDPR): pseudonymise the customer, keeping the row (financial documents refer to
    it): names become "Client effacé", email, phones, birth date and addresses are cleared,
    family links removed, the platform account unlinked (account_id null, CustomerLink
    deleted). Refused when already erased."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.erased_at is not None:
        raise CustomerError(_("Ce client a déjà été effacé."))
    if customer.account_id is not None:
        CustomerLink.objects.filter(user_id=customer.account_id, structure=structure).delete()
    customer.addresses.all().delete()
    customer.consumers.update(payer=None)
    customer.first_name = ""
    customer.last_name = ERASED_NAME
    customer.email = ""
    customer.mobile = ""
    customer.phone = ""
    customer.birth_date = None
    customer.company_name = customer.company_siren = customer.company_vat_number = ""
    customer.payer = None
    customer.account_id = None
    customer.erased_at = timezone.now()
    customer.save()
    return customer


def _account_for(*, customer: Customer) -> User:
    """The customer's platform account: the one already linked, else the one of their email
    (created when nobody has it yet)."""
    if customer.account_id is not None:
        user = User.objects.filter(pk=customer.account_id).first()
        if user is not None:
            return user
    if not customer.email:
        raise CustomerError(
            _("Ajoutez d'abord une adresse email à ce client : l'invitation part par email.")
        )
    user = user_get_or_create(
        email=customer.email, first_name=customer.first_name, last_name=customer.last_name
    )
    other = Customer.objects.filter(account_id=user.pk).exclude(pk=customer.pk).first()
    if other is not None:
        raise CustomerError(
            _("Le compte %(email)s est déjà celui du client %(name)s.")
            % {"email": user.email, "name": other.full_name}
        )
    return user


@transaction.atomic
def customer_invite(*, structure, customer: Customer) -> User:
    """Give the customer a platform account (created, or found by email), link it to the
    customer in this structure, and email a link to choose a password (or to log in, when the
    account already has one) with the address of the customer space. No password is emailed.

    Whole or not at all: a refusal (no email, account already another customer's) leaves no
    account, no link and no email behind.
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    user = _account_for(customer=customer)
    if customer.account_id != user.pk:
        customer.account_id = user.pk
        customer.save(update_fields=["account_id"])
    CustomerLink.objects.update_or_create(
        user=user, structure=structure, defaults={"customer_id": customer.pk}
    )
    has_password = user.has_usable_password()
    path = reverse("login") if has_password else password_set_path(user=user)
    with translation.override(settings.LANGUAGE_CODE):
        email_send(
            to=[user.email],
            subject=_("Votre espace client chez %(name)s") % {"name": structure.display_title},
            template="customers/email/invitation",
            structure_id=structure.pk,
            context={
                "customer": customer,
                "structure": structure,
                "user": user,
                "has_password": has_password,
                "link": structure_url(structure=structure, path=path),
                "space_url": structure_url(
                    structure=structure,
                    path=reverse("compte:home", urlconf=settings.ROOT_URLCONF),
                ),
            },
        )
    return user


@dataclass(frozen=True)
class Identified:
    """The payer of an online order: their customer row here, their platform account, and
    whether that account still has no password (a set-password link goes with the order)."""

    customer: Customer
    user: User
    needs_password: bool


@transaction.atomic
def customer_for_account(
    *,
    structure,
    user: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    mobile: str = "",
) -> Identified:
    """MP-3: the customer who orders online. Logged in: their customer here (created from the
    account the first time). Otherwise the account of `email` — created when nobody has it —
    and its customer here (the structure's existing customer of that email without an account
    is linked, else a new one). The same happens whether or not the email had an account: the
    caller says nothing different either way, and nobody is logged in by giving an email."""
    if user is None:
        email = email.strip().lower()
        if not email:
            raise CustomerError(_("Indiquez votre adresse email."))
        user = user_get_or_create(email=email, first_name=first_name, last_name=last_name)
    customer = Customer.objects.select_for_update().filter(account_id=user.pk).first()
    if customer is None:
        customer = (
            Customer.objects.select_for_update()
            .filter(email=user.email, account_id__isnull=True, erased_at__isnull=True)
            .order_by("id")
            .first()
        )
        if customer is None:
            customer = customer_create(
                first_name=first_name or user.first_name,
                last_name=last_name or user.last_name,
                email=user.email,
                mobile=mobile,
            )
        customer.account_id = user.pk
        customer.save(update_fields=["account_id"])
        CustomerLink.objects.update_or_create(
            user=user, structure=structure, defaults={"customer_id": customer.pk}
        )
    if customer.erased_at is not None:
        raise CustomerError(_("Ce compte client a été effacé (RGPD) : il ne peut plus commander."))
    if mobile and not customer.mobile:
        customer.mobile = mobile
        customer.save(update_fields=["mobile"])
    return Identified(customer=customer, user=user, needs_password=not user.has_usable_password())


# --- The customer space (MP-4): what customers change themselves ------------------------------

FAMILY_LIMIT = 30


@dataclass(frozen=True)
class ProfileData:
    """What "Mon profil" edits: the name, phones (normalised by the form) and the main postal
    address (None: the customer cleared it)."""

    first_name: str
    last_name: str
    mobile: str = ""
    phone: str = ""
    address: AddressData | None = None


@transaction.atomic
def customer_profile_update(*, customer: Customer, data: ProfileData) -> Customer:
    """MP-4 "Mon profil": the customer's own contact details. The main address (their first
    one) is updated, created, or removed when they cleared it; other addresses stay."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.first_name = data.first_name.strip()
    customer.last_name = data.last_name.strip()
    customer.mobile = data.mobile
    customer.phone = data.phone
    customer.save(update_fields=["first_name", "last_name", "mobile", "phone"])
    main = customer.addresses.order_by("id").first()
    if data.address is None:
        if main is not None:
            main.delete()
        return customer
    fields = dataclasses.asdict(data.address)
    if main is None:
        address_add(customer=customer, **fields)
        return customer
    for name, value in fields.items():
        setattr(main, name, value.strip())
    main.country = main.country or "France"
    main.save(update_fields=list(fields))
    return customer


def _check_member(
    *, payer: Customer, first_name: str, last_name: str, birth_date: date | None, exclude=None
) -> None:
    if birth_date is not None and birth_date > timezone.localdate():
        raise CustomerError(_("La date de naissance ne peut pas être dans le futur."))
    same = payer.consumers.filter(
        first_name__iexact=first_name.strip(),
        last_name__iexact=last_name.strip(),
        birth_date=birth_date,
        erased_at__isnull=True,
    )
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise CustomerError(
            _("%(name)s fait déjà partie de votre famille.")
            % {"name": f"{first_name.strip()} {last_name.strip()}"}
        )


@transaction.atomic
def family_member_add(
    *, payer: Customer, first_name: str, last_name: str, birth_date: date | None
) -> Customer:
    """MP-4 "Ma famille" > "Ajouter un membre": a new customer of the structure whose payer is
    the logged-in customer. Refused, with nothing written, for a birth date in the future, a
    member already in the family (same names and birth date) or a family already at
    FAMILY_LIMIT members. The payer's row is locked so that two additions at once cannot pass
    the limit together."""
    payer = Customer.objects.select_for_update().get(pk=payer.pk)
    if payer.consumers.filter(erased_at__isnull=True).count() >= FAMILY_LIMIT:
        raise CustomerError(
            _("Votre famille compte déjà %(count)s membres : contactez la structure.")
            % {"count": FAMILY_LIMIT}
        )
    _check_member(payer=payer, first_name=first_name, last_name=last_name, birth_date=birth_date)
    member = customer_create(first_name=first_name, last_name=last_name, birth_date=birth_date)
    member.payer = payer
    member.save(update_fields=["payer"])
    return member


@transaction.atomic
def family_member_update(
    *,
    payer: Customer,
    member: Customer,
    first_name: str,
    last_name: str,
    birth_date: date | None,
) -> Customer:
    """MP-4 "Ma famille": the payer corrects a member's names and birth date. A member who has
    their own customer-space account edits their own profile: refused here."""
    member = Customer.objects.select_for_update().get(pk=member.pk)
    if member.payer_id != payer.pk:
        raise CustomerError(_("Cette personne ne fait pas partie de votre famille."))
    if member.account_id is not None:
        raise CustomerError(
            _("%(name)s a son propre espace client : c'est là qu'il ou elle modifie sa fiche.")
            % {"name": member.full_name}
        )
    _check_member(
        payer=payer,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        exclude=member,
    )
    member.first_name = first_name.strip()
    member.last_name = last_name.strip()
    member.birth_date = birth_date
    member.save(update_fields=["first_name", "last_name", "birth_date"])
    return member


def account_password_change(*, user: User, password: str) -> User:
    """MP-4 "Mon profil" > "Changer mon mot de passe": the platform account's new password
    (already checked by the form: old password, confirmation, validators). It is the same
    account for every structure the person is a customer of."""
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
