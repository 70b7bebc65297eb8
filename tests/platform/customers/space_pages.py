"""Reading the customer space's pages in tests: the cells of the table rows (or the text of the
sections) marked with a data attribute, tags stripped, entities decoded."""

from __future__ import annotations

import html
import re


def _clean(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(response, attribute: str) -> dict[str, list[str]]:
    """{value of data-<attribute>: [cell texts]} for each <tr data-<attribute>="...">."""
    page = response.content.decode()
    found = {}
    for key, body in re.findall(
        rf'<tr data-{attribute}="([^"]+)">(.*?)</tr>', page, flags=re.DOTALL
    ):
        found[html.unescape(key)] = [
            _clean(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", body, flags=re.DOTALL)
        ]
    return found


def sections(response, attribute: str) -> dict[str, str]:
    """{value of data-<attribute>: its whole text} for each <section data-<attribute>="...">."""
    page = response.content.decode()
    return {
        html.unescape(key): _clean(body)
        for key, body in re.findall(
            rf'<section[^>]* data-{attribute}="([^"]+)"[^>]*>(.*?)</section>',
            page,
            flags=re.DOTALL,
        )
    }


def links(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())
