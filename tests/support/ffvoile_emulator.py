"""FF-1: the federation's licence web service emulated on loopback, for the tests.

The emulator itself is `modules/ffvoile/emulator.py` (the same one `make run` starts): it
answers as the client expects, checks each request field by field (`errors` stays empty when
every request was right), issues a licence once per `request_id`, refuses a second licence of
the same person and season ("Déjà licencié pour la saison …"), and can be told to answer the
next calls with a fault (`faults = ["500", "timeout", "malformed", "incomplete"]`) or to
refuse a person (`refuse(last_name, first_name, reason)`).
Here it demands the club's credentials."""

from __future__ import annotations

from modules.ffvoile.emulator import FederationEmulator

CLUB_NUMBER = "29012"
LOGIN = "club-29012"
PASSWORD = "mot-de-passe-test"  # noqa: S105 - a test value


def start(*, timeout_seconds: float = 1.5) -> FederationEmulator:
    return FederationEmulator(
        login=LOGIN, password=PASSWORD, club_number=CLUB_NUMBER, timeout_seconds=timeout_seconds
    ).start()
