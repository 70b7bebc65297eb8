"""Writes of the signup wizard (EG-1): the draft, its stored files, and the final step that
creates the structure whole or not at all."""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from PIL import Image

from ponton.accounts.models import User
from ponton.accounts.services import password_set_path
from ponton.catalogue.services import site_create
from ponton.plugins.manager import all_modules
from ponton.web.mail import email_send
from tenants.models import (
    ActivationKey,
    ContactRole,
    ContractSignature,
    SignupDraft,
    Structure,
    StructureContact,
    StructureImage,
    StructureState,
)
from tenants.selectors import structure_url
from tenants.selectors_signup import Contract
from tenants.services import StructureData, StructureError, schema_name_for, structure_create

logger = logging.getLogger(__name__)

LAST_STEP = 11
IMAGE_EXTENSIONS: dict[str | None, str] = {
    "JPEG": ".jpg",
    "PNG": ".png",
    "GIF": ".gif",
    "WEBP": ".webp",
}


class SignupError(Exception):
    """The last step cannot finish; `step` is the step the person must go back to."""

    def __init__(self, message: str, *, step: int | None = None):
        super().__init__(message)
        self.step = step


# --- The draft ------------------------------------------------------------------------------


def signup_draft_create() -> SignupDraft:
    return SignupDraft.objects.create()


@transaction.atomic
def signup_step_save(*, draft: SignupDraft, step: int, data: dict) -> SignupDraft:
    """Record a validated step; the next step becomes reachable."""
    if draft.completed_at is not None:
        raise SignupError(_("Cette inscription est déjà terminée."))
    draft.data = {**draft.data, str(step): data}
    draft.current_step = max(draft.current_step, step + 1)
    draft.save(update_fields=["data", "current_step", "updated_at"])
    return draft


@transaction.atomic
def signup_key_attach(*, draft: SignupDraft, key: ActivationKey) -> SignupDraft:
    """Step 3: link the (checked) activation key to the draft and pass the step."""
    draft.activation_key = key
    draft.save(update_fields=["activation_key", "updated_at"])
    return signup_step_save(draft=draft, step=3, data={"key": key.key})


def _extension(name: str, upload) -> str:
    if name == "cgv":
        return ".pdf"
    upload.seek(0)
    with Image.open(upload) as image:
        fmt = image.format
    upload.seek(0)
    return IMAGE_EXTENSIONS.get(fmt, ".img")


def signup_files_store(*, draft: SignupDraft, uploads: dict) -> SignupDraft:
    """Store checked uploads at once under signup/<draft id>/ (the public schema's media), so a
    refusal on another field of the page does not lose them. Replaces any earlier file."""
    if not uploads:
        return draft
    files = dict(draft.files)
    replaced = []
    stored: list[str] = []
    try:
        for name, upload in uploads.items():
            path = default_storage.save(
                f"signup/{draft.pk}/{name}{_extension(name, upload)}", upload
            )
            stored.append(path)
            if name in files:
                replaced.append(files[name]["path"])
            files[name] = {"path": path, "name": posixpath.basename(upload.name or path)}
        draft.files = files
        draft.save(update_fields=["files", "updated_at"])
    except Exception:  # a full disk on the second file: the first one goes too, the draft unchanged
        for path in stored:
            default_storage.delete(path)
        raise
    for path in replaced:
        default_storage.delete(path)
    return draft


def signup_files_remove(*, draft: SignupDraft, names: list[str]) -> SignupDraft:
    files = dict(draft.files)
    removed = [files.pop(name)["path"] for name in names if name in files]
    if removed:
        draft.files = files
        draft.save(update_fields=["files", "updated_at"])
        for path in removed:
            default_storage.delete(path)
    return draft


# --- The last step --------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractChoice:
    """Step 11 as submitted: how the contract is signed, the exact text shown, who and where."""

    method: str
    contract: Contract
    signer_name: str
    ip_address: str | None
    user_agent: str


def _check_complete(draft: SignupDraft) -> None:
    for step in range(1, LAST_STEP):
        if str(step) not in draft.data:
            raise SignupError(_("Cette étape n'est pas encore validée."), step=step)
    if "logo" not in draft.files:
        raise SignupError(_("Ajoutez le logo de votre structure."), step=1)
    if "cgv" not in draft.files:
        raise SignupError(_("Ajoutez vos conditions générales de vente au format PDF."), step=10)


def _lock_key(draft: SignupDraft) -> ActivationKey:
    key = (
        ActivationKey.objects.select_for_update().filter(pk=draft.activation_key_id).first()
        if draft.activation_key_id
        else None
    )
    if key is None:
        raise SignupError(_("Entrez votre clé d'activation."), step=3)
    if key.used_at is not None:
        raise SignupError(_("Cette clé d'activation a déjà été utilisée."), step=3)
    if key.expires_at <= timezone.now():
        raise SignupError(
            _("Cette clé d'activation a expiré. Demandez-en une nouvelle à la plateforme."), step=3
        )
    return key


def _structure_data(draft: SignupDraft, method: str) -> StructureData:
    d = draft.data
    identity, owner, address, coords, choices, bank = (
        d["1"],
        d["4"],
        d["5"],
        d["6"],
        d["8"],
        d["9"],
    )
    modules = all_modules()
    return StructureData(
        name=identity["name"],
        slug=identity["slug"],
        owner_email=owner["email"],
        owner_first_name=owner["first_name"],
        owner_last_name=owner["last_name"],
        state=(
            StructureState.ACTIVE
            if method == ContractSignature.Method.ELECTRONIC
            else StructureState.CONTRACT_PENDING
        ),
        profile={
            "title": identity.get("title", ""),
            "description": identity.get("description", ""),
            "siret": identity["siret"],
            "email": identity["email"],
            "phone": identity["phone"],
            "website": identity.get("website", ""),
            "address_line1": address["address_line1"],
            "address_line2": address.get("address_line2", ""),
            "postal_code": address["postal_code"],
            "city": address["city"],
            "latitude": Decimal(coords["latitude"]),
            "longitude": Decimal(coords["longitude"]),
            "themes": list(choices.get("themes", [])),
            "bank_account_holder": bank["bank_account_holder"],
            "iban": bank["iban"],
            "bic": bank["bic"],
        },
        modules=[
            label
            for label in choices.get("free_modules", [])
            if label in modules and not modules[label].paid
        ],
        paid_modules_requested=[
            label
            for label in choices.get("paid_modules", [])
            if label in modules and modules[label].paid
        ],
    )


def _read_draft_file(draft: SignupDraft, name: str) -> ContentFile:
    """A stored upload of the draft (stored while on the public schema)."""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        with default_storage.open(draft.files[name]["path"], "rb") as fh:
            return ContentFile(fh.read())


def _attach_files(draft: SignupDraft, structure: Structure, saved: list[str]) -> None:
    """Copy the draft's files into the structure's own media (they are served on its host)."""
    ext = {name: posixpath.splitext(info["path"])[1] for name, info in draft.files.items()}
    contents = {name: _read_draft_file(draft, name) for name in draft.files}
    images = []
    with schema_context(structure.schema_name):
        structure.logo.save(f"{structure.slug}-logo{ext['logo']}", contents["logo"], save=False)
        saved.append(structure.logo.name)
        structure.cgv.save(f"{structure.slug}-cgv.pdf", contents["cgv"], save=False)
        saved.append(structure.cgv.name)
        for position, name in enumerate(("image_1", "image_2", "image_3")):
            if name not in contents:
                continue
            image = StructureImage(structure=structure, position=position)
            image.image.save(
                f"{structure.slug}-{position + 1}{ext[name]}", contents[name], save=False
            )
            saved.append(image.image.name)
            images.append(image)
    structure.save(update_fields=["logo", "cgv"])
    StructureImage.objects.bulk_create(images)


def _create_contacts(draft: SignupDraft, structure: Structure) -> None:
    contacts = draft.data["2"]
    StructureContact.objects.bulk_create(
        [
            StructureContact(
                structure=structure,
                role=role,
                first_name=contact["first_name"],
                last_name=contact["last_name"],
                email=contact["email"],
                phone=contact.get("phone", ""),
            )
            for role in ContactRole.values
            if (contact := contacts.get(role))
        ]
    )


def _record_contract(
    structure: Structure, owner: User, choice: ContractChoice, now
) -> ContractSignature:
    electronic = choice.method == ContractSignature.Method.ELECTRONIC
    return ContractSignature.objects.create(
        structure=structure,
        method=choice.method,
        contract_version=choice.contract.version,
        contract_sha256=choice.contract.sha256,
        signer_name=choice.signer_name.strip() or f"{owner.first_name} {owner.last_name}".strip(),
        signer_email=owner.email,
        signed_at=now if electronic else None,
        ip_address=choice.ip_address or None,
        user_agent=choice.user_agent,
    )


def _send_welcome(structure: Structure, owner: User) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        email_send(
            to=[owner.email],
            subject=_("Bienvenue sur %(platform)s : choisissez votre mot de passe")
            % {"platform": settings.PLATFORM_NAME},
            template="tenants/email/signup_welcome",
            structure_id=structure.pk,
            context={
                "structure": structure,
                "owner": owner,
                "password_url": structure_url(
                    structure=structure, path=password_set_path(user=owner)
                ),
                "manager_url": structure_url(structure=structure, path="/manager/"),
                "contract_pending": structure.state == StructureState.CONTRACT_PENDING,
                "platform_name": settings.PLATFORM_NAME,
            },
        )


def _forget_draft_files(paths: list[str]) -> None:
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        for path in paths:
            default_storage.delete(path)


@transaction.atomic
def _complete(*, draft_pk, choice: ContractChoice, saved: list[str]) -> tuple[Structure, User]:
    draft = SignupDraft.objects.select_for_update().get(pk=draft_pk)
    if draft.completed_at is not None:
        raise SignupError(_("Cette inscription est déjà terminée."))
    _check_complete(draft)
    key = _lock_key(draft)
    data = _structure_data(draft, choice.method)
    if Structure.objects.filter(slug=data.slug).exists():
        raise SignupError(
            _("Cet identifiant est déjà pris par une autre structure : choisissez-en un autre."),
            step=1,
        )
    try:
        structure, owner = structure_create(data=data)
    except StructureError as exc:
        raise SignupError(str(exc), step=1) from exc
    now = timezone.now()
    _attach_files(draft, structure, saved)
    _create_contacts(draft, structure)
    _record_contract(structure, owner, choice, now)
    key.used_at = now
    key.structure = structure
    key.save(update_fields=["used_at", "structure"])
    draft.completed_at = now
    draft.structure = structure
    draft.current_step = LAST_STEP + 1
    draft.save(update_fields=["completed_at", "structure", "current_step", "updated_at"])
    if draft.data["7"].get("production_site"):
        address, coords = draft.data["5"], draft.data["6"]
        with schema_context(structure.schema_name):
            site_create(
                name=structure.name,
                address_line1=address["address_line1"],
                address_line2=address.get("address_line2", ""),
                postal_code=address["postal_code"],
                city=address["city"],
                latitude=Decimal(coords["latitude"]),
                longitude=Decimal(coords["longitude"]),
                is_production=True,
            )
    _send_welcome(structure, owner)
    draft_paths = [info["path"] for info in draft.files.values()]
    transaction.on_commit(lambda: _forget_draft_files(draft_paths))
    return structure, owner


def signup_complete(*, draft: SignupDraft, choice: ContractChoice) -> tuple[Structure, User]:
    """Step 11: create the structure (schema, domain, Super Administrateur, modules), its
    files, contacts and contract, use the activation key, close the draft and create the
    first production site, all in one transaction; then (after commit) email the owner a
    link to choose a password on the structure's domain. Raises SignupError, nothing saved."""
    saved: list[str] = []
    try:
        return _complete(draft_pk=draft.pk, choice=choice, saved=saved)
    except Exception as exc:
        # The transaction is rolled back: remove the copies already written for the structure.
        slug = draft.data.get("1", {}).get("slug", "")
        if saved and slug:
            with schema_context(schema_name_for(slug)):
                for name in saved:
                    default_storage.delete(name)
        if isinstance(exc, IntegrityError) and Structure.objects.filter(slug=slug).exists():
            raise SignupError(
                _(
                    "Cet identifiant vient d'être pris par une autre structure : "
                    "choisissez-en un autre."
                ),
                step=1,
            ) from exc
        raise
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
