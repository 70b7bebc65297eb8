"""Product photos (CA-1): checked by content, stored with a thumbnail in the structure's storage."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from PIL import Image

from ponton.catalogue import services
from ponton.catalogue.models import Product, ProductPhoto
from ponton.catalogue.services import ProductData


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png(width: int = 1200, height: int = 800, name: str = "voile.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def new_product(structure) -> Product:
    return services.product_create(
        kind=Product.Kind.ACTIVITY, data=ProductData(name="Stage voile", price=Decimal(100))
    )


def test_photo_add_stores_image_and_thumbnail(make_structure):
    """CA-1: a real image is stored with a 400 px thumbnail, per structure."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product(structure)
        photo = services.photo_add(product=product, upload=png())
        assert default_storage.exists(photo.image.name)
        assert structure.schema_name in default_storage.path(photo.image.name)
        with default_storage.open(photo.thumbnail.name, "rb") as fh, Image.open(fh) as thumb:
            assert (thumb.format, thumb.size) == ("JPEG", (400, 267))
        second = services.photo_add(product=product, upload=png(name="b.png"))
        assert list(product.photos.values_list("position", flat=True)) == [0, 1]
        services.photo_remove(photo=second)
        assert list(ProductPhoto.objects.values_list("pk", flat=True)) == [photo.pk]


def test_photo_add_refuses_a_fake_image(make_structure):
    """CA-1: a file that is not an image (whatever its name) is refused, nothing saved."""
    structure, _ = make_structure()
    with schema_context(structure.schema_name):
        product = new_product(structure)
        fake = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")
        with pytest.raises(ValidationError) as excinfo:
            services.photo_add(product=product, upload=fake)
        assert excinfo.value.message_dict == {
            "image": ["Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP)."]
        }
        assert ProductPhoto.objects.count() == 0


def test_photo_upload_page_and_preview(make_structure, client_for):
    """CA-1: the edit page uploads a photo; the preview shows it; a fake is refused."""
    structure, owner = make_structure()
    with schema_context(structure.schema_name):
        product = new_product(structure)
    client = client_for(structure, owner)
    url = f"/manager/offre/{product.pk}/"
    refused = client.post(
        url + "photos/ajouter/",
        {"photo-image": SimpleUploadedFile("x.png", b"nope", content_type="image/png")},
    )
    assert refused.status_code == 200
    assert refused.context["photo_form"].errors["image"] == [
        "Ce fichier n'est pas une image valide (JPEG, PNG, GIF ou WebP)."
    ]
    assert "Ce fichier n&#x27;est pas une image valide" in refused.content.decode()
    with schema_context(structure.schema_name):
        assert ProductPhoto.objects.count() == 0
    assert client.post(url + "photos/ajouter/", {"photo-image": png()}).status_code == 302
    with schema_context(structure.schema_name):
        photo = ProductPhoto.objects.get()
    preview = client.get(url + "apercu/").content.decode()
    assert photo.image.url in preview
    edit = client.get(url).content.decode()
    assert photo.thumbnail.url in edit
    assert client.post(f"{url}photos/{photo.pk}/supprimer/").status_code == 302
    with schema_context(structure.schema_name):
        assert ProductPhoto.objects.count() == 0
