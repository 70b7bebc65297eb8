"""SM-1: the SMS providers' APIs emulated on loopback, answering as their documentation says,
and checking each request field by field (a request the real API would refuse gets the
real API's error status). A thread per server; `fail_next` makes the next answers 500 (an
outage) so the retry path can be tested.

- OVHcloud: `GET /1.0/auth/time` (the client's clock sync), `POST /1.0/sms/{service}/jobs`
  signed with X-Ovh-Application / X-Ovh-Timestamp / X-Ovh-Signature / X-Ovh-Consumer
  ("$1$" + sha1(AS+CK+METHOD+URL+BODY+TS) joined by "+"); answers
  {"ids": [...], "validReceivers": [...], "invalidReceivers": [], "totalCreditsRemoved": n}.
- Brevo: `POST /v3/transactionalSMS/sms` with the `api-key` header and a JSON body
  {sender, recipient, content, type, unicodeEnabled, webUrl, tag}; answers 201
  {"reference", "messageId", "smsCount", "usedCredits", "remainingCredits"}.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Emulator:
    port: int = 0
    requests: list[dict] = field(default_factory=list)  # accepted sends, as parsed
    refused: list[tuple[int, str]] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to the next n sends
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


_ids = itertools.count(900001)


@dataclass
class OvhEmulator(Emulator):
    application_key: str = "ak-test"
    application_secret: str = "as-test"
    consumer_key: str = "ck-test"
    service_name: str = "sms-ab12345-1"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/1.0"

    def signature(self, *, method: str, url: str, body: str, timestamp: str) -> str:
        raw = "+".join([self.application_secret, self.consumer_key, method, url, body, timestamp])
        return "$1$" + hashlib.sha1(raw.encode()).hexdigest()  # noqa: S324 - OVHcloud's scheme


@dataclass
class BrevoEmulator(Emulator):
    api_key: str = "xkeysib-test"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v3"


def _handler(emulator: Emulator):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, payload) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, message: str) -> None:
            emulator.refused.append((status, message))
            self._answer(status, {"message": message, "code": "invalid_parameter"})

        def do_GET(self) -> None:
            if isinstance(emulator, OvhEmulator) and self.path == "/1.0/auth/time":
                self._answer(200, int(time.time()))
                return
            self._answer(404, {"message": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if isinstance(emulator, OvhEmulator):
                self._ovh(body)
            else:
                self._brevo(body)

        def _outage(self) -> bool:
            if emulator.fail_next > 0:
                emulator.fail_next -= 1
                self._answer(500, {"message": "Internal server error"})
                return True
            return False

        def _ovh(self, body: str) -> None:
            em = emulator
            assert isinstance(em, OvhEmulator)
            if self.path != f"/1.0/sms/{em.service_name}/jobs":
                self._answer(404, {"message": f"The requested object ({self.path}) does not exist"})
                return
            headers = self.headers
            if headers.get("X-Ovh-Application") != em.application_key:
                self._answer(
                    403, {"errorCode": "INVALID_KEY", "message": "Invalid application key"}
                )
                return
            if headers.get("X-Ovh-Consumer") != em.consumer_key:
                self._answer(
                    403, {"errorCode": "INVALID_CREDENTIAL", "message": "Invalid credential"}
                )
                return
            timestamp = headers.get("X-Ovh-Timestamp", "")
            if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 180:
                self._answer(400, {"message": "Invalid timestamp"})
                return
            url = f"{em.base_url}/sms/{em.service_name}/jobs"
            expected = em.signature(method="POST", url=url, body=body, timestamp=timestamp)
            if headers.get("X-Ovh-Signature") != expected:
                self._answer(400, {"message": "Invalid signature"})
                return
            if headers.get("Content-Type") != "application/json":
                self._refuse(400, "Content-Type must be application/json")
                return
            data = json.loads(body)
            for name, kind in (("message", str), ("receivers", list), ("charset", str)):
                if not isinstance(data.get(name), kind):
                    self._refuse(400, f"[{name}] is required")
                    return
            if data.get("coding") not in ("7bit", "8bit"):
                self._refuse(400, "Invalid coding")
                return
            sender = data.get("sender", "")
            if sender and len(sender) > 11:
                self._refuse(400, "Invalid sender")
                return
            if self._outage():
                return
            em.requests.append({"headers": dict(headers), "json": data})
            valid = [r for r in data["receivers"] if r.startswith("+") and r[1:].isdigit()]
            invalid = [r for r in data["receivers"] if r not in valid]
            self._answer(
                200,
                {
                    "totalCreditsRemoved": len(valid),
                    "invalidReceivers": invalid,
                    "ids": [next(_ids) for _ in valid],
                    "validReceivers": valid,
                    "tag": data.get("tag", ""),
                },
            )

        def _brevo(self, body: str) -> None:
            em = emulator
            assert isinstance(em, BrevoEmulator)
            if self.path != "/v3/transactionalSMS/sms":
                self._answer(404, {"code": "not_found", "message": "Not found"})
                return
            if self.headers.get("api-key") != em.api_key:
                self._answer(401, {"code": "unauthorized", "message": "Key not found"})
                return
            try:
                data = json.loads(body)
            except ValueError:
                self._refuse(400, "Invalid JSON")
                return
            for name in ("sender", "recipient", "content"):
                if not isinstance(data.get(name), str) or not data[name]:
                    self._refuse(400, f"{name} is missing")
                    return
            digits = data["recipient"].lstrip("+")
            if not digits.isdigit() or not 6 <= len(digits) <= 15:
                self._refuse(400, "Invalid recipient")
                return
            if len(data["sender"]) > 11 and not data["sender"].isdigit():
                self._refuse(400, "Invalid sender")
                return
            if data.get("type", "transactional") not in ("transactional", "marketing"):
                self._refuse(400, "Invalid type")
                return
            if self._outage():
                return
            em.requests.append({"headers": dict(self.headers), "json": data})
            self._answer(
                201,
                {
                    "reference": f"ref-{len(em.requests)}",
                    "messageId": next(_ids),
                    "smsCount": 1,
                    "usedCredits": 1.0,
                    "remainingCredits": 100.0,
                },
            )

    return Handler


def start(emulator: Emulator) -> Emulator:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(emulator))
    emulator.server = server
    emulator.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return emulator
