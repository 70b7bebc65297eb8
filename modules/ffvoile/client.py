"""FF-1: the client of the French sailing federation's licence web service.

The federation's web service is not publicly documented: this client's interface is what
Ponton assumes (docs/adr/0021-ffvoile-federation-client.md says what must be checked with the
federation before production). One class, `FederationClient`, one call, `licence_issue`: a
JSON POST of the club's credentials and the licensee's identity, answered with the licence
or passport number, its season and the link to its PDF, or a refusal with its reason.

Outcomes:
- `LicenceIssued`: delivered.
- `FederationRefusedError`: the federation said no for good ("déjà licencié pour la saison",
  identity rejected, bad credentials): the line is not retried.
- `FederationUnavailableError`: a timeout, a connection failure, a 5xx or an answer that is not
  the JSON expected: nothing was learnt, the call is retried later (the same
  `request_id`, so that a call the federation did record is not issued twice).

Base URL and timeouts come from settings (FFVOILE_BASE_URL, FFVOILE_CONNECT_TIMEOUT,
FFVOILE_READ_TIMEOUT); the base URL may also come from the environment variable of the same
name (a test's worker process, the embedded emulator of `make run`)."""

from __future__ import annotations

import datetime as dt
import os
import ssl
from dataclasses import asdict, dataclass
from functools import cache

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

PATH_LICENCES = "/v1/licences"


class LicenceType:
    """The licence types the club sells (the federation's codes)."""

    ADULT = "licence_club_adulte"
    YOUTH = "licence_club_jeune"
    PASSPORT = "passeport_voile"


@dataclass(frozen=True)
class Credentials:
    club_number: str
    login: str
    password: str


@dataclass(frozen=True)
class Licensee:
    """The person the licence is for, as the federation asks for them."""

    last_name: str
    first_name: str
    birth_date: dt.date
    sex: str  # "F" or "M"
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    email: str

    def as_json(self) -> dict:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        return data


@dataclass(frozen=True)
class LicenceRequest:
    """One licence or passport asked for: `request_id` is stable per order line (the same on
    every retry), `season` the sporting year (e.g. 2026)."""

    request_id: str
    licence_type: str
    season: int
    licensee: Licensee

    def as_json(self, credentials: Credentials) -> dict:
        """The body sent; the password is not part of it (HTTP Basic authentication)."""
        return {
            "club_number": credentials.club_number,
            "request_id": self.request_id,
            "licence_type": self.licence_type,
            "season": self.season,
            "licensee": self.licensee.as_json(),
        }


@dataclass(frozen=True)
class LicenceIssued:
    number: str
    season: int
    valid_until: dt.date
    pdf_url: str
    raw: dict


class FederationError(Exception):
    """A call that did not deliver: `reason` in French, `raw` what came back (for the log)."""

    def __init__(self, reason: str, *, raw: object = None, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw
        self.status = status


class FederationRefusedError(FederationError):
    """Never retried: the federation refused (already licensed, identity, credentials)."""


class FederationUnavailableError(FederationError):
    """Retried later: timeout, network failure, 5xx, malformed answer."""


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every call: building it (reading the CA bundle) costs more than a
    call to the emulator itself."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def base_url() -> str:
    return (
        getattr(settings, "FFVOILE_BASE_URL", "") or os.environ.get("FFVOILE_BASE_URL", "")
    ).rstrip("/")


class FederationClient:
    def __init__(
        self,
        *,
        credentials: Credentials,
        url: str = "",
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.credentials = credentials
        self.url = (url or base_url()).rstrip("/")
        self.timeout = httpx.Timeout(
            read_timeout or getattr(settings, "FFVOILE_READ_TIMEOUT", 10.0),
            connect=connect_timeout or getattr(settings, "FFVOILE_CONNECT_TIMEOUT", 5.0),
        )
        self.transport = transport

    def licence_issue(self, request: LicenceRequest) -> LicenceIssued:
        """Ask the federation for a licence or passport. Raises `FederationRefusedError` or
        `FederationUnavailableError` (see the module's docstring)."""
        if not self.url:
            raise FederationUnavailableError(
                _("Aucune adresse du service de la FF Voile n'est configurée (FFVOILE_BASE_URL).")
            )
        try:
            with httpx.Client(
                timeout=self.timeout, transport=self.transport, verify=_tls()
            ) as http:
                response = http.post(
                    self.url + PATH_LICENCES,
                    json=request.as_json(self.credentials),
                    auth=(self.credentials.login, self.credentials.password),
                    headers={"Accept": "application/json", "Idempotency-Key": request.request_id},
                )
        except httpx.TimeoutException as exc:
            raise FederationUnavailableError(
                _("Le service de la FF Voile n'a pas répondu à temps (délai dépassé).")
            ) from exc
        except httpx.HTTPError as exc:
            raise FederationUnavailableError(
                _("Le service de la FF Voile est injoignable (%(error)s).")
                % {"error": type(exc).__name__}
            ) from exc
        return self._answer(response)

    @staticmethod
    def _answer(response: httpx.Response) -> LicenceIssued:
        status = response.status_code
        if status >= 500:
            raise FederationUnavailableError(
                _("Le service de la FF Voile est en panne (erreur %(status)s).")
                % {"status": status},
                raw=response.text[:2000],
                status=status,
            )
        try:
            data = response.json()
        except ValueError:
            raise FederationUnavailableError(
                _("Réponse illisible du service de la FF Voile (ce n'est pas du JSON)."),
                raw=response.text[:2000],
                status=status,
            ) from None
        if not isinstance(data, dict):
            raise FederationUnavailableError(
                _("Réponse inattendue du service de la FF Voile."), raw=data, status=status
            )
        if status == 401:
            raise FederationRefusedError(
                _(
                    "Identifiants FF Voile refusés : vérifiez le numéro de club, l'identifiant "
                    "et le mot de passe (Gérer > FF Voile)."
                ),
                raw=data,
                status=status,
            )
        if status in (409, 422) or data.get("status") == "refused":
            reason = str(data.get("reason") or "").strip() or _("Refus sans motif de la FF Voile.")
            raise FederationRefusedError(reason, raw=data, status=status)
        if status not in (200, 201) or data.get("status") != "issued":
            raise FederationUnavailableError(
                _("Réponse inattendue du service de la FF Voile (statut %(status)s).")
                % {"status": status},
                raw=data,
                status=status,
            )
        try:
            return LicenceIssued(
                number=_text(data["licence_number"], 30),
                season=int(data["season"]),
                valid_until=dt.date.fromisoformat(str(data["valid_until"])),
                pdf_url=_url(data["pdf_url"]),
                raw=data,
            )
        except (KeyError, TypeError, ValueError):
            raise FederationUnavailableError(
                _(
                    "Réponse incomplète du service de la FF Voile (numéro, saison, validité ou "
                    "lien du PDF manquant ou invalide)."
                ),
                raw=data,
                status=status,
            ) from None


def _text(value: object, max_length: int) -> str:
    text = str(value).strip()
    if not text or len(text) > max_length or not isinstance(value, str | int):
        raise ValueError(value)
    return text


def _url(value: object) -> str:
    text = str(value).strip()
    if not isinstance(value, str) or not text.startswith(("https://", "http://")):
        raise ValueError(value)
    if len(text) > 500:
        raise ValueError(value)
    return text
