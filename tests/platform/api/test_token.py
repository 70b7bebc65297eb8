"""The staff API token (`/api/v1/jeton/`): only an active member of the host's structure gets one;
wrong credentials get a French message; DELETE revokes it; attempts are throttled."""

from __future__ import annotations

from django.test import Client
from rest_framework.authtoken.models import Token

from ponton.accounts.models import Membership, Role
from tests.conftest import TEST_PASSWORD, host_of

URL = "/api/v1/jeton/"


def obtain(structure, email: str, password: str):
    client = Client(HTTP_HOST=host_of(structure))
    return client.post(URL, {"email": email, "password": password}, content_type="application/json")


def test_a_staff_member_gets_a_token_that_opens_the_api(club, make_member):
    """API: POST email + password gives a token; the token opens the structure's API."""
    structure, _owner = club
    member = make_member(structure, Role.STAFF)
    response = obtain(structure, member.email, TEST_PASSWORD)
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=member).key == key

    client = Client(HTTP_HOST=host_of(structure))
    assert client.get("/api/v1/products/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert client.get("/api/v1/products/").status_code in (401, 403)
    # Asking again gives the same token.
    assert obtain(structure, member.email.upper(), TEST_PASSWORD).json()["token"] == key


def test_a_bad_password_gets_400_in_french_and_no_token(club):
    structure, owner = club
    response = obtain(structure, owner.email, "pas-le-bon")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Adresse email ou mot de passe incorrect."]}
    assert not Token.objects.filter(user=owner).exists()


def test_an_unknown_email_gets_the_same_answer(club):
    structure, _owner = club
    response = obtain(structure, "personne@example.test", TEST_PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Adresse email ou mot de passe incorrect."]}


def test_a_member_of_another_structure_gets_no_token(club, structure_b):
    """Security: the owner of B has a good password but no access to A: no token."""
    structure, _owner = club
    _b, owner_b = structure_b
    response = obtain(structure, owner_b.email, TEST_PASSWORD)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Ce compte n'a pas accès à cette structure."]}
    assert not Token.objects.filter(user=owner_b).exists()


def test_a_deactivated_member_gets_no_token(club, make_member):
    structure, _owner = club
    member = make_member(structure, Role.STAFF)
    Membership.objects.filter(user=member).update(is_active=False)
    response = obtain(structure, member.email, TEST_PASSWORD)
    assert response.status_code == 400
    assert not Token.objects.filter(user=member).exists()


def test_missing_fields_are_named(club):
    structure, _owner = club
    response = obtain(structure, "", "")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_delete_revokes_the_token(club, api):
    structure, owner = club
    client = api(structure, owner)
    assert client.get("/api/v1/products/").status_code == 200
    assert client.delete(URL).status_code == 204
    assert not Token.objects.filter(user=owner).exists()
    assert client.get("/api/v1/products/").status_code == 401


def test_delete_without_a_token_is_refused(club):
    structure, _owner = club
    response = Client(HTTP_HOST=host_of(structure)).delete(URL)
    assert response.status_code == 401


def test_attempts_are_throttled(club, settings):
    """Security: after 10 attempts a minute, the next one gets 429 (scope "login")."""
    structure, owner = club
    answers = [obtain(structure, owner.email, f"faux-{i}").status_code for i in range(10)]
    assert answers == [400] * 10
    assert obtain(structure, owner.email, TEST_PASSWORD).status_code == 429
