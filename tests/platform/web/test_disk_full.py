"""Issue 17 §3: a full disk for media uploads — a clear French message on the form, nothing
half-saved. A REAL full disk: a tmpfs of 512 KiB (mounted by the test, which needs root, as in
CI) is the MEDIA_ROOT of a real daphne process; a filler file leaves it 8 KiB free.

- CA-1 a product photo (60 KiB): the form says the disk is full, no photo row, no file (the
  partly written one is removed);
- EG-4 the structure's CGV replaced by a new PDF: the form says it, the previous CGV stays
  (row and file, byte for byte);
- once space is freed, the same photo is taken: the refusal was the disk's."""

from __future__ import annotations

import errno
import io
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
import requests
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context
from PIL import Image

from ponton.catalogue.models import ProductPhoto
from ponton.launcher import daphne_args
from ponton.web.errors import DiskFullMiddleware
from tenants.models import Structure
from tests.conftest import free_port, host_of
from tests.support.files import forget_media_root, pdf_bytes
from tests.support.sales import make_shop
from tests.support.servers import ROOT, database_env, serving

FULL_MESSAGE = "Le disque du serveur est plein : le fichier n&#x27;a pas été enregistré"
FREE_LEFT = 8 * 1024


def _noise_png(size: int = 140) -> bytes:
    """A PNG that does not compress (random pixels): about 60 KiB."""
    rng = random.Random(17)
    image = Image.frombytes(
        "RGB", (size, size), bytes(rng.getrandbits(8) for _ in range(3 * size**2))
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def small_disk(tmp_path, settings):
    """A tmpfs of 512 KiB, this test's MEDIA_ROOT (and the server's)."""
    media = tmp_path / "media"
    media.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(media)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here (root needed): {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = media
    forget_media_root()
    try:
        yield media
    finally:
        forget_media_root()
        subprocess.run(["umount", str(media)], check=False)


def _fill(media: Path) -> Path:
    """Leave FREE_LEFT bytes free on the disk."""
    stat = os.statvfs(media)
    filler = media / "filler.bin"
    filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - FREE_LEFT))
    return filler


class Manager:
    """A logged-in team member talking HTTP to the server process."""

    def __init__(self, *, port: int, host: str, session_id: str):
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.headers["Host"] = host
        self.http.cookies.set("sessionid", session_id)

    def post_form(self, page: str, action: str, *, files: dict, data: dict | None = None):
        html = self.http.get(self.base + page, timeout=30).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return self.http.post(
            self.base + action,
            data={"csrfmiddlewaretoken": token, **(data or {})},
            files=files,
            timeout=30,
            allow_redirects=False,
        )


@pytest.mark.django_db(transaction=True)
def test_uploads_on_a_full_disk_say_so_and_keep_nothing(small_disk, make_structure):
    structure, owner = make_structure(name="Musée du disque")
    schema = structure.schema_name
    with schema_context(schema):
        product = make_shop().activity
        structure.cgv.save("cgv-avant.pdf", io.BytesIO(pdf_bytes()), save=False)
        structure.save(update_fields=["cgv"])
        old_cgv = structure.cgv.name
    old_cgv_bytes = (small_disk / schema / old_cgv).read_bytes()
    client = Client(HTTP_HOST=host_of(structure))
    client.force_login(owner)
    port = free_port()
    env = database_env(PONTON_MEDIA_ROOT=str(small_disk))
    log = ROOT / ".data" / f"daphne-disk-full-{port}.log"
    photo = _noise_png()
    assert len(photo) > 6 * FREE_LEFT
    with serving(daphne_args("127.0.0.1", port), port=port, env=env, log=log):
        manager = Manager(
            port=port, host=host_of(structure), session_id=client.cookies["sessionid"].value
        )
        filler = _fill(small_disk)
        before = _files(small_disk)

        # CA-1: a product photo on the full disk.
        page = f"/manager/offre/{product.pk}/"
        response = manager.post_form(
            page,
            f"/manager/offre/{product.pk}/photos/ajouter/",
            files={"photo-image": ("voilier.png", photo, "image/png")},
        )
        assert response.status_code == 200
        assert FULL_MESSAGE in response.text
        with schema_context(schema):
            assert ProductPhoto.objects.filter(product=product).count() == 0
        assert _files(small_disk) == before  # not even the partly written file

        # EG-4: a new CGV on the full disk: the previous one stays.
        response = manager.post_form(
            "/manager/structure/cgv/",
            "/manager/structure/cgv/",
            files={
                "cgv": ("cgv-apres.pdf", pdf_bytes() + b"\n%" + b"x" * 30000, "application/pdf")
            },
        )
        assert response.status_code == 200
        assert FULL_MESSAGE in response.text
        assert Structure.objects.get(pk=structure.pk).cgv.name == old_cgv
        assert (small_disk / schema / old_cgv).read_bytes() == old_cgv_bytes
        assert _files(small_disk) == before

        # Space freed: the same photo is taken.
        filler.unlink()
        response = manager.post_form(
            page,
            f"/manager/offre/{product.pk}/photos/ajouter/",
            files={"photo-image": ("voilier.png", photo, "image/png")},
        )
        assert response.status_code == 302
        with schema_context(schema):
            saved = ProductPhoto.objects.get(product=product)
        assert (small_disk / schema / saved.image.name).read_bytes() == photo
        assert (small_disk / schema / saved.thumbnail.name).is_file()


def test_a_full_disk_met_by_a_page_without_a_form_is_a_french_page():
    """The fallback for the pages that have no form to say it on (a basket's custom-field file,
    an upload's temporary file): a French 507 page, no traceback; other errors go on."""
    middleware = DiskFullMiddleware(lambda request: None)
    request = RequestFactory().post("/panier/")
    response = middleware.process_exception(request, OSError(errno.ENOSPC, "No space left"))
    assert response.status_code == 507
    page = response.content.decode()
    assert FULL_MESSAGE in page and "Traceback" not in page
    assert middleware.process_exception(request, OSError(errno.EACCES, "Denied")) is None
    assert middleware.process_exception(request, ValueError("autre")) is None
