"""Text that cannot be stored is refused at the door, with a French 400, never a 500.

PostgreSQL refuses the NUL character in text and JSON, and text that is not valid Unicode (a
lone UTF-16 surrogate such as "\\udcff", which JSON can carry) cannot even be encoded for it.
Forms and serializer fields already refuse NUL in what they validate; these guards cover what
they do not see:

- `QueryStringGuardMiddleware`: every query parameter of every request (names and values),
  before any view reads it (a search `?q=`, a filter, a page number);
- `TextSafeJSONParser`: every string of an API request's JSON body, keys included (a field
  the serializer keeps as it is, like the answers to a product's custom fields).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored ("nul" or "unicode"), or None when it can."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "unicode"
    return None


def refusal_message(name: str, problem: str) -> str:
    if problem == "nul":
        return _("« %(name)s » contient un caractère nul, qui n'est pas accepté.") % {"name": name}
    return _("« %(name)s » contient du texte qui n'est pas de l'Unicode valide.") % {"name": name}


def _strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    """(where, string) for every string of a parsed JSON document, keys included."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key)
            yield from _strings(value, where)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, f"{path}[{index}]")


def first_problem(data: Any) -> tuple[str, str] | None:
    """(where, problem) of the first string of `data` that cannot be stored."""
    for where, value in _strings(data, ""):
        problem = text_problem(value)
        if problem:
            return where, problem
    return None


class TextSafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing (400) a body with a string that cannot be stored."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        found = first_problem(data)
        if found:
            raise ParseError(refusal_message(text_name(found[0]) or _("la requête"), found[1]))
        return data


class QueryStringGuardMiddleware:
    """A query parameter with a NUL character or text that is not Unicode: 400, in JSON under
    `/api/` (`{"detail": …}`, as every refusal of the API), a French page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, values in request.GET.lists():
            for text in (name, *values):
                problem = text_problem(text)
                if problem:
                    return self.refused(request, refusal_message(text_name(name), problem))
        return self.get_response(request)

    @staticmethod
    def refused(request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "web/bad_request.html", {"message": message}, status=400)


def text_name(name: str) -> str:
    """A parameter's name as shown in the message (its storable part)."""
    return name.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
