"""Club Manager > Paramètres > Utilisateurs (EG-4 team settings, EG-1 step 4 invitation habit):
list the team, invite by email with a set-password link (never a password), change a role,
deactivate. The last active Super Administrateur stays; an administrator names no owner."""

from __future__ import annotations

import re
import threading
import time
from email.header import decode_header, make_header
from urllib.parse import urlsplit

import pytest
from django.db import connection

from ponton.accounts import services
from ponton.accounts.models import Membership, Role, User
from tests.conftest import TEST_PASSWORD


def memberships(structure) -> list[tuple[str, str, bool]]:
    return sorted(
        Membership.objects.filter(structure=structure).values_list(
            "user__email", "role", "is_active"
        )
    )


def membership_of(structure, user) -> Membership:
    return Membership.objects.get(structure=structure, user=user)


@pytest.fixture
def club(make_structure):
    return make_structure(name="Club nautique", slug="cnteam")


# --- List and access --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_managers_see_the_team(role, club, make_member, client_for):
    """EG-4: owner and administrators list the team with roles and states."""
    structure, owner = club
    cashier = make_member(structure, Role.CASHIER)
    user = owner if role == Role.OWNER else make_member(structure, role)
    page = client_for(structure, user).get("/manager/utilisateurs/").content.decode()
    assert owner.email in page
    assert cashier.email in page
    assert "Super Administrateur" in page
    assert "Caissier" in page
    assert 'href="/manager/utilisateurs/inviter/"' in page
    assert f'href="/manager/utilisateurs/{membership_of(structure, cashier).pk}/"' in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.ACCOUNTANT, Role.CASHIER])
def test_other_roles_cannot_see_or_change_the_team(role, club, make_member, client_for):
    """EG-4: staff.view / staff.manage belong to owner and administrators only."""
    structure, owner = club
    user = make_member(structure, role)
    client = client_for(structure, user)
    before = memberships(structure)
    own = membership_of(structure, owner).pk
    assert client.get("/manager/utilisateurs/").status_code == 403
    assert client.get("/manager/utilisateurs/inviter/").status_code == 403
    response = client.post(
        "/manager/utilisateurs/inviter/",
        {"email": "x@cnteam.test", "first_name": "X", "last_name": "Y", "role": Role.OWNER},
    )
    assert response.status_code == 403
    assert client.post(f"/manager/utilisateurs/{own}/", {"role": Role.STAFF}).status_code == 403
    assert client.post(f"/manager/utilisateurs/{own}/desactiver/").status_code == 403
    assert memberships(structure) == before


# --- Invitation -------------------------------------------------------------------------------


def test_invite_emails_a_set_password_link_and_no_password(
    club, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EG-4: the invited person gets an email with a link to choose a password; no password is
    ever sent. The link works on the structure's domain and the new member can log in."""
    structure, owner = club
    client = client_for(structure, owner)
    page = client.get("/manager/utilisateurs/inviter/").content.decode()
    for label in ("Adresse email", "Prénom", "Nom", "Rôle"):
        assert f">{label}</label>" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manager/utilisateurs/inviter/",
            {
                "email": "Marie.Caradec@CNteam.test",
                "first_name": "Marie",
                "last_name": "Caradec",
                "role": Role.STAFF,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/manager/utilisateurs/"
    user = User.objects.get(email="marie.caradec@cnteam.test")
    assert (user.first_name, user.last_name, user.has_usable_password()) == (
        "Marie",
        "Caradec",
        False,
    )
    assert membership_of(structure, user).role == Role.STAFF
    assert (
        "Invitation envoyée à marie.caradec@cnteam.test"
        in client.get("/manager/utilisateurs/").content.decode()
    )

    [message] = smtp_server.wait_for(1)
    assert message["X-Rcpt-To"] == "marie.caradec@cnteam.test"
    assert str(make_header(decode_header(message["Subject"]))) == (
        "Votre accès au Club Manager de Club nautique"
    )
    body = smtp_server.text_of(message)
    assert "avec le rôle « Équipe »" in body
    assert "Choisissez votre mot de passe en ouvrant ce lien :" in body
    assert TEST_PASSWORD not in body
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1
    link = urlsplit(links[0])
    assert (link.scheme, link.netloc) == ("http", "cnteam.localhost:8000")
    assert re.fullmatch(r"/mot-de-passe/[\w-]+/[\w-]+/", link.path)

    newcomer = client_for(structure)
    response = newcomer.get(link.path)
    assert response.status_code == 302
    form_url = response["Location"]
    response = newcomer.post(
        form_url, {"new_password1": "Voile-au-large-2026", "new_password2": "Voile-au-large-2026"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Voile-au-large-2026")
    response = client_for(structure).post(
        "/connexion/", {"email": user.email, "password": "Voile-au-large-2026"}
    )
    assert response["Location"] == "/manager/"


def test_admin_is_not_offered_and_cannot_invite_an_owner(
    club, make_member, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EG-4: an administrator cannot make someone Super Administrateur."""
    structure, _owner = club
    admin = make_member(structure, Role.ADMIN)
    client = client_for(structure, admin)
    page = client.get("/manager/utilisateurs/inviter/").content.decode()
    assert 'value="admin"' in page
    assert 'value="owner"' not in page
    before = memberships(structure)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/manager/utilisateurs/inviter/",
            {"email": "chef@cnteam.test", "first_name": "C", "last_name": "D", "role": "owner"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "role": ["Seul un Super Administrateur peut nommer un Super Administrateur."]
    }
    assert memberships(structure) == before
    assert not User.objects.filter(email="chef@cnteam.test").exists()
    assert smtp_server.messages == []


def test_owner_may_invite_another_owner(
    club, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EG-4: a Super Administrateur names another Super Administrateur."""
    structure, owner = club
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(structure, owner).post(
            "/manager/utilisateurs/inviter/",
            {"email": "co@cnteam.test", "first_name": "Co", "last_name": "Dir", "role": "owner"},
        )
    assert response.status_code == 302
    assert memberships(structure) == [
        ("co@cnteam.test", Role.OWNER, True),
        (owner.email, Role.OWNER, True),
    ]
    assert len(smtp_server.wait_for(1)) == 1


def test_inviting_a_current_member_is_refused(
    club, make_member, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EG-4: inviting someone already in the team does not silently change their role."""
    structure, owner = club
    admin = make_member(structure, Role.ADMIN)
    before = memberships(structure)
    for actor, email in ((admin, owner.email), (owner, admin.email.upper())):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(structure, actor).post(
                "/manager/utilisateurs/inviter/",
                {"email": email, "first_name": "A", "last_name": "B", "role": Role.CASHIER},
            )
        assert response.status_code == 200
        assert response.context["form"].errors == {
            "email": [
                "Cette personne fait déjà partie de l'équipe : changez son rôle dans la liste."
            ]
        }
    assert memberships(structure) == before
    assert smtp_server.messages == []


def test_a_deactivated_member_can_be_invited_back(
    club, make_member, client_for, smtp_server, django_capture_on_commit_callbacks
):
    """EG-4: inviting a former member gives them their access back with the new role."""
    structure, owner = club
    former = make_member(structure, Role.STAFF)
    Membership.objects.filter(user=former).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(structure, owner).post(
            "/manager/utilisateurs/inviter/",
            {"email": former.email, "first_name": "Sam", "last_name": "M", "role": "cashier"},
        )
    assert response.status_code == 302
    m = membership_of(structure, former)
    assert (m.role, m.is_active) == (Role.CASHIER, True)
    body = smtp_server.text_of(smtp_server.wait_for(1)[0])
    assert "Connectez-vous avec votre mot de passe habituel :" in body
    assert "http://cnteam.localhost:8000/connexion/" in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "pas-un-email", "Saisissez une adresse e-mail valide."),
        ("first_name", "", "Ce champ est obligatoire."),
        ("role", "patron", "Sélectionnez un choix valide. patron n’en fait pas partie."),
    ],
)
def test_invite_bad_input_is_refused(field, value, message, club, client_for, smtp_server):
    """EG-4: French message next to the field, nobody invited."""
    structure, owner = club
    data = {"email": "new@cnteam.test", "first_name": "N", "last_name": "W", "role": "staff"}
    data[field] = value
    before = memberships(structure)
    response = client_for(structure, owner).post("/manager/utilisateurs/inviter/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert memberships(structure) == before
    assert smtp_server.messages == []


# --- Role changes -----------------------------------------------------------------------------


def test_owner_changes_a_role(club, make_member, client_for):
    """EG-4: change a member's role."""
    structure, owner = club
    staff = make_member(structure, Role.STAFF)
    m = membership_of(structure, staff)
    client = client_for(structure, owner)
    page = client.get(f"/manager/utilisateurs/{m.pk}/").content.decode()
    assert '<option value="staff" selected>' in page
    response = client.post(f"/manager/utilisateurs/{m.pk}/", {"role": Role.ACCOUNTANT})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.role == Role.ACCOUNTANT
    assert client_for(structure, staff).get("/manager/section/compta/").status_code == 200


def test_the_last_owner_keeps_the_role(club, make_member, client_for):
    """EG-4: nobody can take the role of the last active Super Administrateur."""
    structure, owner = club
    own = membership_of(structure, owner)
    before = memberships(structure)
    response = client_for(structure, owner).post(
        f"/manager/utilisateurs/{own.pk}/", {"role": Role.ADMIN}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "role": [
            "Impossible : c'est le dernier Super Administrateur actif de la structure. "
            "Nommez d'abord un autre Super Administrateur."
        ]
    }
    assert "Nommez d&#x27;abord un autre Super Administrateur." in response.content.decode()
    assert memberships(structure) == before

    # An inactive second owner does not count.
    second = make_member(structure, Role.OWNER)
    Membership.objects.filter(user=second).update(is_active=False)
    with pytest.raises(services.MembershipError, match="dernier Super Administrateur"):
        services.membership_set_role(membership=own, role=Role.STAFF)
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_with_two_owners_one_may_step_down(club, make_member, client_for):
    """EG-4: with another active owner, an owner may change their own role."""
    structure, owner = club
    make_member(structure, Role.OWNER)
    own = membership_of(structure, owner)
    response = client_for(structure, owner).post(
        f"/manager/utilisateurs/{own.pk}/", {"role": Role.ADMIN}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.role == Role.ADMIN


def test_admin_cannot_promote_to_owner_nor_change_an_owner(club, make_member, client_for):
    """EG-4: an administrator cannot make someone owner, nor demote or deactivate an owner."""
    structure, owner = club
    make_member(structure, Role.OWNER)  # so the owner is not the last one
    admin = make_member(structure, Role.ADMIN)
    staff = make_member(structure, Role.STAFF)
    client = client_for(structure, admin)
    before = memberships(structure)

    page = client.get(f"/manager/utilisateurs/{membership_of(structure, staff).pk}/")
    assert 'value="owner"' not in page.content.decode()
    response = client.post(
        f"/manager/utilisateurs/{membership_of(structure, staff).pk}/", {"role": Role.OWNER}
    )
    assert response.context["form"].errors == {
        "role": ["Seul un Super Administrateur peut nommer un Super Administrateur."]
    }
    own = membership_of(structure, owner)
    response = client.post(f"/manager/utilisateurs/{own.pk}/", {"role": Role.STAFF})
    assert response.context["form"].errors == {
        "role": ["Seul un Super Administrateur peut modifier un Super Administrateur."]
    }
    response = client.post(f"/manager/utilisateurs/{own.pk}/desactiver/", follow=True)
    assert "Seul un Super Administrateur peut modifier un Super Administrateur." in (
        response.content.decode()
    )
    assert memberships(structure) == before


def test_members_of_another_structure_are_out_of_reach(club, make_structure, client_for):
    """EG-4: a membership id of another structure answers 404."""
    structure, owner = club
    other, other_owner = make_structure(name="Autre club")
    foreign = membership_of(other, other_owner)
    client = client_for(structure, owner)
    assert client.get(f"/manager/utilisateurs/{foreign.pk}/").status_code == 404
    assert client.post(f"/manager/utilisateurs/{foreign.pk}/", {"role": "staff"}).status_code == 404
    assert client.post(f"/manager/utilisateurs/{foreign.pk}/desactiver/").status_code == 404
    foreign.refresh_from_db()
    assert (foreign.role, foreign.is_active) == (Role.OWNER, True)


# --- Deactivation -----------------------------------------------------------------------------


def test_deactivated_member_loses_access_and_can_be_reactivated(club, make_member, client_for):
    """EG-4: deactivate a member (account and history kept), then give the access back."""
    structure, owner = club
    staff = make_member(structure, Role.STAFF)
    m = membership_of(structure, staff)
    client = client_for(structure, owner)
    assert client_for(structure, staff).get("/manager/").status_code == 200

    response = client.post(f"/manager/utilisateurs/{m.pk}/desactiver/")
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.is_active is False
    assert User.objects.filter(pk=staff.pk, is_active=True).exists()
    assert client_for(structure, staff).get("/manager/").status_code == 403
    assert "Désactivé" in client.get("/manager/utilisateurs/").content.decode()

    assert client.get(f"/manager/utilisateurs/{m.pk}/desactiver/").status_code == 405
    assert client.post(f"/manager/utilisateurs/{m.pk}/reactiver/").status_code == 302
    m.refresh_from_db()
    assert m.is_active is True
    assert client_for(structure, staff).get("/manager/").status_code == 200


def test_nobody_deactivates_the_last_owner_nor_themselves(club, make_member, client_for):
    """EG-4: the last active owner cannot be deactivated; nobody deactivates their own access."""
    structure, owner = club
    second = make_member(structure, Role.OWNER)
    own, other = membership_of(structure, owner), membership_of(structure, second)
    client = client_for(structure, owner)

    response = client.post(f"/manager/utilisateurs/{own.pk}/desactiver/", follow=True)
    assert "Vous ne pouvez pas désactiver votre propre accès." in response.content.decode()
    own.refresh_from_db()
    assert own.is_active is True

    assert client.post(f"/manager/utilisateurs/{other.pk}/desactiver/").status_code == 302
    other.refresh_from_db()
    assert other.is_active is False

    before = memberships(structure)
    with pytest.raises(services.MembershipError, match="dernier Super Administrateur actif"):
        services.membership_deactivate(membership=own)
    assert memberships(structure) == before


@pytest.mark.django_db(transaction=True)
def test_two_owners_demoting_each_other_at_once_leave_one_owner(make_structure, monkeypatch):
    """EG-4, race: each of the two owners demotes the other at the same moment; the owner rows
    are locked, so exactly one change wins and one Super Administrateur remains."""
    structure, owner = make_structure(name="Club concurrent")
    second = User.objects.create_user(email="second@concurrent.test", password=TEST_PASSWORD)
    Membership.objects.create(user=second, structure=structure, role=Role.OWNER)
    a, b = membership_of(structure, owner), membership_of(structure, second)

    check = services._refuse_unless_owner_may

    def slow_check(**kwargs):  # widen the window between the check and the write
        time.sleep(0.3)
        return check(**kwargs)

    monkeypatch.setattr(services, "_refuse_unless_owner_may", slow_check)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def demote(target: Membership, actor: Membership) -> None:
        try:
            barrier.wait()
            services.membership_set_role(membership=target, role=Role.ADMIN, by=actor)
            outcomes.append("ok")
        except services.MembershipError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=demote, args=(Membership.objects.get(pk=b.pk), a)),
        threading.Thread(target=demote, args=(Membership.objects.get(pk=a.pk), b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Membership.objects.filter(structure=structure, role=Role.OWNER).count() == 1
