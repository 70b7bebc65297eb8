"""PL-1 "Ajouter des dates" (issue 11): the button at the top right of the general and the
dedicated plannings (prefilled with that activity), the preview ("Aperçu") that names the
French public holidays among the dates, and "Ne pas créer les séances des jours fériés", on
the direct path and the background (long) one."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from ponton.catalogue.models import Product
from ponton.planning.models import GenerationJob, Session
from ponton.planning.selectors_holidays import public_holidays, recurrence_preview

PARIS = ZoneInfo("Europe/Paris")
PLANNING = "/manager/planning/"
ADD = PLANNING + "ajouter/"


def page(response) -> str:
    return html.unescape(response.content.decode())


def days() -> list[str]:
    return [
        s.starts_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
        for s in Session.objects.order_by("starts_at")
    ]


@pytest.fixture
def tenant(structure_a):
    structure, owner = structure_a
    with schema_context(structure.schema_name):
        yield structure, owner


@pytest.fixture
def activity(tenant):
    return Product.objects.create(
        kind=Product.Kind.ACTIVITY, name="Stage optimist", price=Decimal("120.00")
    )


# Thursdays and Fridays from Monday 21/12/2026 to Sunday 03/01/2027: 24/12, 25/12 (Noël),
# 31/12 and 01/01/2027 (Jour de l'an).
def christmas(activity, **changes) -> dict:
    return {
        "product": activity.pk,
        "start_date": "2026-12-21",
        "end_date": "2027-01-03",
        "weekdays": ["3", "4"],
        "start_time": "10:00",
        "end_time": "12:00",
        "capacity": "8",
        **changes,
    }


def test_public_holidays_are_named_in_french():
    assert public_holidays(start=dt.date(2026, 12, 1), end=dt.date(2027, 1, 31)) == {
        dt.date(2026, 12, 25): "Noël",
        dt.date(2027, 1, 1): "Jour de l'an",
    }
    assert public_holidays(start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 28)) == {}


def test_preview_counts_and_flags_only_holidays_on_session_days():
    common = {
        "start_date": dt.date(2026, 12, 21),
        "end_date": dt.date(2027, 1, 3),
        "times": [(dt.time(10), dt.time(12))],
        "capacity": 8,
    }
    preview = recurrence_preview(weekdays=[3, 4], **common)
    assert (preview.count, preview.first, preview.last) == (
        4,
        dt.date(2026, 12, 24),
        dt.date(2027, 1, 1),
    )
    assert [(h.day, h.name, h.sessions) for h in preview.holidays] == [
        (dt.date(2026, 12, 25), "Noël", 1),
        (dt.date(2027, 1, 1), "Jour de l'an", 1),
    ]
    assert preview.holidays_key == "2026-12-25,2027-01-01"
    skipping = recurrence_preview(weekdays=[3, 4], skip_holidays=True, **common)
    assert (skipping.count, skipping.skipped, skipping.last) == (2, 2, dt.date(2026, 12, 31))
    mondays = recurrence_preview(weekdays=[0], **common)  # 21/12 and 28/12: no holiday
    assert (mondays.count, mondays.holidays) == (2, [])


def test_ajouter_des_dates_at_the_top_right_of_both_plannings(tenant, client_for, activity):
    """The button sits in the page's title bar, before the date picker, on the general
    planning and on the dedicated one (which opens the form with its activity chosen)."""
    structure, owner = tenant
    client = client_for(structure, owner)
    general = page(client.get(PLANNING, {"week": "2026-12-21"}))
    title_bar = general.split('<div class="page-title">')[1].split("<form")[0]
    assert '<a class="btn" href="/manager/planning/ajouter/">Ajouter des dates</a>' in title_bar
    assert "Sélectionnez la semaine" not in title_bar
    assert 'action="/manager/planning/ajouter/"' not in general  # no form at the bottom
    for view in ({"vue": "jour", "date": "2026-12-21"}, {"week": "2026-12-21"}):
        dedicated = page(client.get(f"{PLANNING}activite/{activity.pk}/", view))
        title_bar = dedicated.split('<div class="page-title">')[1].split("<form")[0]
        assert (
            f'<a class="btn" href="/manager/planning/ajouter/?activite={activity.pk}">'
            "Ajouter des dates</a>"
        ) in title_bar
        assert "Ajouter des séances" in title_bar
    form = page(client.get(ADD, {"activite": activity.pk}))
    assert "<h1>Ajouter des dates</h1>" in form
    assert f'<option value="{activity.pk}" selected>Stage optimist</option>' in form
    assert f'href="/manager/planning/activite/{activity.pk}/">← Retour au planning' in form
    assert "Ne pas créer les séances des jours fériés" in form


def test_holidays_previewed_before_anything_is_created_then_skipped(tenant, client_for, activity):
    """ "Ajouter les dates" over Christmas first shows the preview naming the holidays (nothing
    created); ticked "Ne pas créer les séances des jours fériés", the 25/12 and 01/01 sessions
    are left out; "Aperçu" alone never creates."""
    structure, owner = tenant
    client = client_for(structure, owner)
    first = client.post(ADD, christmas(activity))
    assert first.status_code == 200
    content = page(first)
    assert "4 séances seront créées, du 24/12/2026 au 01/01/2027." in content
    assert (
        "Jours fériés parmi ces dates : vendredi 25/12/2026 (Noël), "
        "vendredi 01/01/2027 (Jour de l'an)."
    ) in content
    assert '<input type="hidden" name="jours_feries_vus" value="2026-12-25,2027-01-01">' in content
    assert Session.objects.count() == 0

    preview = page(client.post(ADD, {**christmas(activity), "apercu": "1", "skip_holidays": "on"}))
    assert "2 séances seront créées, du 24/12/2026 au 31/12/2026." in preview
    assert "2 séances de jours fériés ne seront pas créées." in preview
    assert Session.objects.count() == 0

    done = client.post(
        ADD,
        {**christmas(activity), "skip_holidays": "on", "jours_feries_vus": "2026-12-25,2027-01-01"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/manager/planning/?week=2026-12-21"
    assert days() == ["24/12/2026 10:00", "31/12/2026 10:00"]


def test_holidays_kept_when_not_ticked_and_a_new_holiday_shows_the_preview_again(
    tenant, client_for, activity
):
    structure, owner = tenant
    client = client_for(structure, owner)
    # The preview was seen for Christmas only; the period now reaches 14/07: shown again.
    again = client.post(
        ADD,
        christmas(
            activity,
            start_date="2027-07-12",
            end_date="2027-07-18",
            weekdays=["2"],
            jours_feries_vus="2026-12-25,2027-01-01",
        ),
    )
    assert again.status_code == 200
    assert "mercredi 14/07/2027 (Fête nationale)" in page(again)
    assert Session.objects.count() == 0
    kept = client.post(ADD, {**christmas(activity), "jours_feries_vus": "2026-12-25,2027-01-01"})
    assert kept.status_code == 302
    assert days() == [
        "24/12/2026 10:00",
        "25/12/2026 10:00",
        "31/12/2026 10:00",
        "01/01/2027 10:00",
    ]


def test_background_generation_skips_the_holidays_too(
    tenant, client_for, activity, settings, django_capture_on_commit_callbacks
):
    """Past PLANNING_BACKGROUND_THRESHOLD the job records the choice and leaves the holidays
    out: 2 sessions, job total 2."""
    settings.PLANNING_BACKGROUND_THRESHOLD = 1
    structure, owner = tenant
    client = client_for(structure, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD,
            {
                **christmas(activity),
                "skip_holidays": "on",
                "jours_feries_vus": "2026-12-25,2027-01-01",
            },
        )
    job = GenerationJob.objects.get()
    assert response["Location"] == f"/manager/planning/generations/{job.pk}/"
    assert job.parameters["skip_holidays"] is True
    assert (job.state, job.done, job.total) == (GenerationJob.State.DONE, 2, 2)
    assert days() == ["24/12/2026 10:00", "31/12/2026 10:00"]
