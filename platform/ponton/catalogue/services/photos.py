"""Product photos checked by content, with thumbnails (CA-1)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps

from ponton.catalogue.models import (
    Product,
    ProductPhoto,
)
from tenants.validators import validate_image_upload

THUMBNAIL_SIZE = (400, 400)


def _thumbnail_of(upload) -> ContentFile:
    upload.seek(0)
    image: Image.Image
    with Image.open(upload) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail(THUMBNAIL_SIZE)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    upload.seek(0)
    return ContentFile(buffer.getvalue())


@transaction.atomic
def photo_add(*, product: Product, upload) -> ProductPhoto:
    """Check the file by its content, store it and a thumbnail in the structure's storage."""
    try:
        validate_image_upload(upload)
    except ValidationError as e:
        raise ValidationError({"image": e.messages}) from e
    thumbnail = _thumbnail_of(upload)
    last = product.photos.order_by("-position").values_list("position", flat=True).first()
    photo = ProductPhoto(product=product, position=0 if last is None else last + 1)
    stem = f"{product.pk}-{uuid.uuid4().hex[:12]}"
    extension = Path(upload.name or "").suffix.lower()[:5] or ".img"
    names: list[str] = []
    try:  # a full disk (DiskFullError) on either file: no file kept, no row (the transaction)
        photo.image.save(f"{stem}{extension}", upload, save=False)
        names.append(photo.image.name)
        photo.thumbnail.save(f"{stem}.jpg", thumbnail, save=False)
        names.append(photo.thumbnail.name)
        photo.save()
    except Exception:
        for name in names:
            default_storage.delete(name)
        raise
    return photo


@transaction.atomic
def photo_remove(*, photo: ProductPhoto) -> None:
    names = [photo.image.name, photo.thumbnail.name]
    photo.delete()

    def _delete_files() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(_delete_files)
