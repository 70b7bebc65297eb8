"""Real files for upload tests: a PNG made by Pillow, a one-page PDF made by pypdf."""

import io

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter


def png_bytes(size: tuple[int, int] = (16, 12)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (29, 78, 137)).save(buffer, format="PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_upload(name: str = "logo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_upload(name: str = "cgv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def forget_media_root() -> None:
    """After a test changes MEDIA_ROOT: django-tenants' TenantFileSystemStorage keeps its
    cached_property relative_media_root (its setting_changed handler passes the wrong argument),
    so files would be written under the old root while /media/ reads the new one."""
    storage = storages["default"]
    for name in ("relative_media_root", "relative_media_url"):
        vars(storage).pop(name, None)
