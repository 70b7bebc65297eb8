"""Probe 11 (issue 11): a structure's files are served only on its own host, and only its
public assets (logo, images, product photos) by path; private files (CGV, custom-field
uploads, signup drafts) only through a view that checks rights."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django_tenants.utils import schema_context

from ponton.accounts.models import Role
from tests.support.files import forget_media_root, pdf_bytes, png_bytes


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    forget_media_root()
    yield tmp_path
    forget_media_root()


@pytest.fixture
def a_files(media_root, structure_a):
    """A's logo (public), CGV and a custom-field answer (private), stored as the app does."""
    a, _owner = structure_a
    with schema_context(a.schema_name):
        a.logo.save("a-logo.png", ContentFile(png_bytes()), save=False)
        a.cgv.save("a-cgv.pdf", ContentFile(pdf_bytes()), save=False)
        a.save(update_fields=["logo", "cgv"])
        answer = default_storage.save("orders/answers/abc/passeport.pdf", ContentFile(b"%PDF"))
        logo_url, cgv_url, answer_url = a.logo.url, a.cgv.url, default_storage.url(answer)
    return {"logo": logo_url, "cgv": cgv_url, "answer": answer_url}


def test_public_asset_is_served_on_its_own_host_only(a_files, structure_a, structure_b, client_for):
    a, _ = structure_a
    b, _ = structure_b
    assert a_files["logo"].startswith(f"/media/{a.schema_name}/structures/logos/")
    response = client_for(a).get(a_files["logo"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert client_for(b).get(a_files["logo"]).status_code == 404
    assert client_for().get(a_files["logo"]).status_code == 404


def test_private_files_are_not_reachable_by_their_path(a_files, structure_a, client_for):
    a, owner = structure_a
    for name in ("cgv", "answer"):
        # Not even the structure's owner, on its own host: only through the views.
        assert client_for(a, owner).get(a_files[name]).status_code == 404, name
        assert client_for(a).get(a_files[name]).status_code == 404, name


def test_paths_that_leave_the_structure_are_refused(a_files, structure_a, client_for):
    a, _ = structure_a
    for path in (
        f"/media/{a.schema_name}/structures/logos/../cgv/a-cgv.pdf",
        f"/media/{a.schema_name}/structures/logos/%2e%2e/cgv/a-cgv.pdf",
        "/media/public/signup/1/logo.png",
        f"/media/{a.schema_name}//structures/logos/a-logo.png",
    ):
        assert client_for(a).get(path).status_code == 404, path


def test_cgv_through_the_view_for_the_structure_team_only(
    a_files, structure_a, structure_b, make_member, client_for
):
    a, owner = structure_a
    b, _ = structure_b
    response = client_for(a, owner).get("/manager/structure/cgv.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()
    staff = make_member(a, role=Role.CASHIER)
    assert client_for(a, staff).get("/manager/structure/cgv.pdf").status_code == 200
    assert client_for(b, owner).get("/manager/structure/cgv.pdf").status_code == 403
    anonymous = client_for(a).get("/manager/structure/cgv.pdf")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/connexion/")
