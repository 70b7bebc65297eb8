"""Requests too long for daphne get an answer instead of a dropped connection.

Daphne reads requests with Twisted's HTTPChannel, a LineReceiver: a request line (or a header
line) longer than MAX_LENGTH (16 384 bytes) calls `lineLengthExceeded`, whose default just
closes the connection, so a 20 000-character `?q=` got no answer at all. Here it answers
414 (request line) or 431 (a header line) with a short French page, then closes. Gunicorn, the
production HTTP tier, already answers 400 past its `limit_request_line` (docs/adr/0007).
"""

from __future__ import annotations

from twisted.web.http import HTTPChannel

_STATUS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


def _page(status: int) -> bytes:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):
        if status == 414:
            title, message = (
                _("Adresse trop longue"),
                _("Cette adresse est trop longue pour être traitée : raccourcissez la recherche."),
            )
        else:
            title, message = (
                _("En-têtes trop longs"),
                _("Cette requête porte des en-têtes trop longs pour être traitée."),
            )
    return (
        f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>{title}</title>'
        f"<h1>{title}</h1><p>{message}</p></html>"
    ).encode()


def _line_length_exceeded(self, line: bytes) -> None:
    status = 414 if getattr(self, "_HTTPChannel__first_line", True) else 431
    body = _page(status)
    self.transport.write(
        b"HTTP/1.1 %d %s\r\nContent-Type: text/html; charset=utf-8\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
        % (status, _STATUS[status], len(body), body)
    )
    self.loseConnection()


def install() -> None:
    HTTPChannel.lineLengthExceeded = _line_length_exceeded  # type: ignore[method-assign]
