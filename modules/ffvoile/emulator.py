"""FF-1: an emulator of the federation's licence web service, on loopback.

It answers as `modules.ffvoile.client` expects (docs/adr/0021) and checks each request field by
field: a request it does not understand is answered 400 and kept in `errors` (tests assert
there is none). Like a registry would, it refuses a second licence for the same person (last
name, first name, birth date) and season (a passport apart): 409 "Déjà licencié pour la
saison 2026". The same `request_id` answers the same licence again (a retry after a
timeout issues nothing twice).
It can be told to answer the next calls with a fault: "500", "timeout" (answers after the
client gave up), "malformed" (not JSON) or "incomplete" (JSON without the licence's validity
and PDF link), and to refuse a person.

Used by the tests (tests/support/ffvoile_emulator.py starts it in a thread) and by `make run`
(`python -m modules.ffvoile.emulator --port N`, started by the launcher, which points
FFVOILE_BASE_URL at it; it then accepts any credentials)."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LICENCE_TYPES = {"licence_club_adulte", "licence_club_jeune", "passeport_voile"}
PREFIXES = {"licence_club_adulte": "LA", "licence_club_jeune": "LJ", "passeport_voile": "PV"}
LICENSEE_FIELDS = {
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "email",
}
TOP_FIELDS = {"club_number", "request_id", "licence_type", "season", "licensee"}
# A minimal valid PDF (one empty page): the link the licence points to opens.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class FederationEmulator:
    login: str = ""  # empty: any credentials (make run)
    password: str = ""
    club_number: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    faults: list[str] = field(default_factory=list)  # "500", "timeout", "malformed"…
    timeout_seconds: float = 2.0
    delay_seconds: float = 0.0  # every answer this late (a slow federation)
    refused_people: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    issued: dict[str, dict] = field(default_factory=dict)  # by request_id
    licensed: dict[tuple[str, str, str, int, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://{self.host}:{self.server.server_address[1]}"

    def start(self) -> FederationEmulator:
        self.server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def refuse(self, last_name: str, first_name: str, reason: str) -> None:
        self.refused_people[(last_name.upper(), first_name.upper())] = reason

    # The checks, field by field ------------------------------------------------------------

    def check(self, headers, body: bytes) -> tuple[dict | None, list[str]]:
        problems = []
        if headers.get("Content-Type", "").split(";")[0] != "application/json":
            problems.append("Content-Type must be application/json")
        auth = headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None, ["missing Basic authentication"]
        try:
            login, _sep, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, ["bad Basic authentication"]
        if self.login and (login, password) != (self.login, self.password):
            return None, ["credentials"]
        try:
            data = json.loads(body)
        except ValueError:
            return None, ["body is not JSON"]
        if not isinstance(data, dict):
            return None, ["body is not an object"]
        if set(data) != TOP_FIELDS:
            problems.append(f"fields {sorted(data)} != {sorted(TOP_FIELDS)}")
        club = data.get("club_number")
        if not isinstance(club, str) or not club or (self.club_number and club != self.club_number):
            problems.append(f"club_number {club!r}")
        request_id = data.get("request_id")
        try:
            uuid.UUID(str(request_id))
        except ValueError:
            problems.append(f"request_id {request_id!r}")
        if headers.get("Idempotency-Key") != request_id:
            problems.append("Idempotency-Key != request_id")
        if data.get("licence_type") not in LICENCE_TYPES:
            problems.append(f"licence_type {data.get('licence_type')!r}")
        season = data.get("season")
        if not isinstance(season, int) or not 2000 <= season <= 2100:
            problems.append(f"season {season!r}")
        person = data.get("licensee")
        if not isinstance(person, dict) or set(person) != LICENSEE_FIELDS:
            problems.append("licensee fields")
            return data, problems
        for name in LICENSEE_FIELDS - {"address_line2"}:
            if not isinstance(person.get(name), str) or not person[name].strip():
                problems.append(f"licensee.{name} empty")
        try:
            born = dt.date.fromisoformat(str(person.get("birth_date")))
            if born >= dt.datetime.now(tz=dt.UTC).date():
                problems.append("licensee.birth_date in the future")
        except ValueError:
            problems.append(f"licensee.birth_date {person.get('birth_date')!r}")
        if person.get("sex") not in ("F", "M"):
            problems.append(f"licensee.sex {person.get('sex')!r}")
        if not re.fullmatch(r"\d{5}", str(person.get("postal_code", ""))):
            problems.append(f"licensee.postal_code {person.get('postal_code')!r}")
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", str(person.get("email", ""))):
            problems.append(f"licensee.email {person.get('email')!r}")
        return data, problems

    def answer(self, data: dict) -> tuple[int, dict]:
        """The federation's decision for a well-formed request."""
        request_id = data["request_id"]
        person = data["licensee"]
        season = data["season"]
        with self.lock:
            if request_id in self.issued:
                return 200, self.issued[request_id]
            refused = self.refused_people.get(
                (person["last_name"].upper(), person["first_name"].upper())
            )
            if refused:
                return 409, {"status": "refused", "reason": refused}
            # One licence (adult or youth) and one passport per person and season.
            family = "passport" if data["licence_type"] == "passeport_voile" else "licence"
            key = (
                person["last_name"].upper(),
                person["first_name"].upper(),
                person["birth_date"],
                season,
                family,
            )
            if key in self.licensed:
                return 409, {
                    "status": "refused",
                    "reason": f"Déjà licencié pour la saison {season} "
                    f"(licence {self.licensed[key]}).",
                }
            number = f"{PREFIXES[data['licence_type']]}{season % 100:02d}{len(self.issued) + 1:06d}"
            answer = {
                "status": "issued",
                "licence_number": number,
                "season": season,
                "valid_until": f"{season}-12-31",
                "pdf_url": f"{self.base_url}/pdf/{number}.pdf",
            }
            self.issued[request_id] = answer
            self.licensed[key] = number
            return 201, answer


def _handler(emulator: FederationEmulator):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            try:
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout)

        def _json(self, status: int, data) -> None:
            self._send(status, json.dumps(data).encode(), "application/json")

        def do_GET(self) -> None:
            if re.fullmatch(r"/pdf/[A-Z0-9]+\.pdf", self.path):
                self._send(200, PDF, "application/pdf")
            else:
                self._json(404, {"status": "error", "reason": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path != "/v1/licences":
                self._json(404, {"status": "error", "reason": "not found"})
                return
            data, problems = emulator.check(self.headers, body)
            with emulator.lock:
                emulator.requests.append(
                    {"body": data, "headers": dict(self.headers), "problems": problems}
                )
                fault = emulator.faults.pop(0) if emulator.faults else ""
            if problems == ["credentials"]:
                self._json(401, {"status": "refused", "reason": "Identifiants inconnus."})
                return
            if problems:
                emulator.errors.extend(problems)
                self._json(400, {"status": "error", "reason": "; ".join(problems)})
                return
            if fault == "500":
                self._json(500, {"status": "error", "reason": "Erreur interne"})
                return
            if fault == "malformed":
                self._send(200, b"<html>Maintenance</html>{", "application/json")
                return
            if fault == "incomplete":  # JSON, but without the PDF link nor the validity
                self._json(201, {"status": "issued", "licence_number": "LA26999999"})
                return
            assert data is not None
            if emulator.delay_seconds:
                time.sleep(emulator.delay_seconds)
            status, answer = emulator.answer(data)
            if fault == "timeout":
                time.sleep(emulator.timeout_seconds)  # decided, but too late for the client
            self._json(status, answer)

    return Handler


def main() -> None:  # pragma: no cover - the launcher's process
    parser = argparse.ArgumentParser(description="Émulateur du service de licences FF Voile")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    emulator = FederationEmulator(port=args.port).start()
    print(f"Émulateur FF Voile : {emulator.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
