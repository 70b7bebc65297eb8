"""Translation catalogues: French source strings, an English catalogue kept complete, and a French
identity catalogue so that other apps' French catalogues never replace our words.

architecture.md (User interface): "French first, every string through gettext, English catalogue
kept complete". `make messages` regenerates and compiles the catalogues.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.utils import translation

from tests.conftest import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "platform" / "ponton" / "locale"
LANGUAGES = ("en", "fr")

FIX = "Run `make messages`, then translate the new entries of platform/ponton/locale/en."


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def label(self) -> str:
        return f"[{self.msgctxt}] {self.msgid!r}" if self.msgctxt else repr(self.msgid)


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (header and obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
            elif line.startswith("#") or not line.strip():
                continue
            elif line.startswith('"'):
                fields[current] += ast.literal_eval(line)
            else:
                current, _, value = line.partition(" ")
                fields[current] = ast.literal_eval(value)
        if not fields.get("msgid"):
            continue  # the header, or a block of obsolete entries
        msgstr = {0: fields["msgstr"]} if "msgstr" in fields else {}
        for name, value in fields.items():
            if name.startswith("msgstr["):
                msgstr[int(name[7:-1])] = value
        entries.append(
            Entry(
                msgid=fields["msgid"],
                msgctxt=fields.get("msgctxt"),
                msgid_plural=fields.get("msgid_plural"),
                msgstr=msgstr,
                flags=flags,
            )
        )
    return entries


def makefile_ignores() -> list[str]:
    """The --ignore patterns of `make messages` (only platform/, tenants/, modules/, realtime/)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    value = re.search(r"^I18N_IGNORE :=((?:.*\\\n)*.*)$", text, re.MULTILINE).group(1)
    return [p.strip("'") for p in re.findall(r"--ignore=(\S+)", value)]


def po_path(base: Path, language: str) -> Path:
    return base / language / "LC_MESSAGES" / "django.po"


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as fp:
        catalog = dict(gettext.GNUTranslations(fp)._catalog)
    catalog.pop("", None)  # the header (creation dates)
    return catalog


def test_english_catalogue_is_fully_translated():
    """Every entry of the English catalogue has a translation, none is fuzzy."""
    entries = parse_po(po_path(LOCALE_DIR, "en"))
    assert len(entries) > 400
    untranslated = [e.label() for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.label() for e in entries if "fuzzy" in e.flags]
    assert untranslated == [], f"Untranslated English entries: {untranslated}. {FIX}"
    assert fuzzy == [], f"Fuzzy English entries (check them, then drop the flag): {fuzzy}."
    plurals = [e for e in entries if e.msgid_plural]
    assert plurals and all(sorted(e.msgstr) == [0, 1] for e in plurals)


def test_french_catalogue_maps_every_msgid_to_itself():
    """The French catalogue is an identity: the French UI shows exactly the source words."""
    entries = parse_po(po_path(LOCALE_DIR, "fr"))
    assert len(entries) == len(parse_po(po_path(LOCALE_DIR, "en")))
    wrong = [
        e.label()
        for e in entries
        if "fuzzy" in e.flags
        or e.msgstr.get(0) != e.msgid
        or (e.msgid_plural and {e.msgstr[n] for n in e.msgstr if n} != {e.msgid_plural})
    ]
    assert wrong == [], f"French entries that are not their own msgid: {wrong}. {FIX}"


def test_catalogues_hold_every_string_of_the_code(tmp_path, monkeypatch, settings):
    """makemessages on a copy of the committed catalogues finds no new or stale msgid."""
    assert shutil.which("xgettext"), "GNU gettext is missing (apt-get install gettext)."
    ignores = makefile_ignores()
    assert {".venv", ".data", "tests", "deploy", "docs"} <= set(ignores)
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, copy)
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(ROOT)  # makemessages scans the current directory
    before = {path: path.read_bytes() for path in LOCALE_DIR.rglob("django.*")}
    call_command(
        "makemessages",
        locale=list(LANGUAGES),
        # Hide the committed catalogues: makemessages would write into any `locale` dir it finds.
        ignore_patterns=[*ignores, str(LOCALE_DIR.relative_to(ROOT))],
        no_obsolete=True,
        verbosity=0,
    )
    assert {path: path.read_bytes() for path in LOCALE_DIR.rglob("django.*")} == before
    for language in LANGUAGES:
        committed = {e.key: e for e in parse_po(po_path(LOCALE_DIR, language))}
        regenerated = {e.key: e for e in parse_po(po_path(copy, language))}
        missing = sorted(regenerated[k].label() for k in regenerated.keys() - committed.keys())
        stale = sorted(committed[k].label() for k in committed.keys() - regenerated.keys())
        assert missing == [], f"{language}: msgids missing from the catalogue: {missing}. {FIX}"
        assert stale == [], f"{language}: msgids no longer in the code: {stale}. {FIX}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_its_po(tmp_path, language):
    """The committed .mo holds exactly the translations of the committed .po."""
    assert shutil.which("msgfmt"), "GNU gettext is missing (apt-get install gettext)."
    fresh = tmp_path / "django.mo"
    po = po_path(LOCALE_DIR, language)
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    committed = mo_catalog(po.with_suffix(".mo"))
    assert committed == mo_catalog(fresh), f"{po.with_suffix('.mo')} is out of date. {FIX}"
    assert len(committed) > 400


def _get(client, path: str, language: str):
    # override() puts the previous language back afterwards (LocaleMiddleware does not).
    with translation.override(language):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response["Content-Language"] == language
    return response.content.decode()


def test_login_page_follows_the_browser_language(structure_a, client_for):
    """EG-2 shell: the structure's login page in English for an English browser, else French."""
    structure, _ = structure_a
    client = client_for(structure)
    english = _get(client, "/connexion/", "en")
    assert '<html lang="en">' in english
    assert "Log in to Club A" in english
    assert "Email address" in english
    assert "Password" in english
    assert "Adresse email" not in english
    assert "Mot de passe" not in english
    french = _get(client, "/connexion/", "fr")
    assert '<html lang="fr">' in french
    assert "Connexion à Club A" in french
    assert "Adresse email" in french
    assert "Email address" not in french
    with translation.override("fr"):
        default = client.get("/connexion/")  # no Accept-Language: French
    assert "Adresse email" in default.content.decode()


def test_club_manager_dashboard_in_english_and_french(structure_a, client_for):
    """EG-2 shell: the owner's dashboard and menu in English, then in French."""
    structure, owner = structure_a
    client = client_for(structure, owner)
    english = _get(client, "/manager/", "en")
    for label in ("Dashboard", "Catalogue", "Schedule", "Customers", "Settings", "Log out"):
        assert label in english
    assert "Tableau de bord" not in english
    assert "Se déconnecter" not in english
    french = _get(client, "/manager/", "fr")
    for label in ("Tableau de bord", "Offre", "Planning", "Clients", "Paramètres"):
        assert label in french
    assert "Dashboard" not in french


def test_english_form_error_on_a_wrong_password(structure_a, client_for):
    """EG-2 shell: a refused login explains itself in the browser's language."""
    structure, owner = structure_a
    client = client_for(structure)
    with translation.override("en"):
        response = client.post(
            "/connexion/",
            {"email": owner.email, "password": TEST_PASSWORD + "x"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "Incorrect email address or password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_french_ui_keeps_our_words_over_other_catalogues():
    """django.contrib.auth's French says "Courriel" for "Email": ours wins, for every msgid."""
    auth_fr = Path(django.__file__).parent / "contrib" / "auth" / "locale" / "fr" / "LC_MESSAGES"
    with (auth_fr / "django.mo").open("rb") as fp:
        assert gettext.GNUTranslations(fp).gettext("Email") == "Courriel"  # why this matters
    assert str(settings.LOCALE_PATHS[0]) == str(LOCALE_DIR)
    with translation.override("fr"):
        assert translation.gettext("Email") == "Email"
        assert translation.pgettext("signup form label", "Email") == "Email"
        assert Template("{% load i18n %}{% translate 'Email' %}").render(Context()) == "Email"
        changed = []
        for e in parse_po(po_path(LOCALE_DIR, "en")):
            if e.msgid_plural:
                got = [translation.ngettext(e.msgid, e.msgid_plural, n) for n in (1, 2)]
                expected = [e.msgid, e.msgid_plural]
            elif e.msgctxt:
                got, expected = translation.pgettext(e.msgctxt, e.msgid), e.msgid
            else:
                got, expected = translation.gettext(e.msgid), e.msgid
            if got != expected:
                changed.append(f"{e.label()} -> {got!r}")
    assert changed == [], f"French msgids translated by another app's catalogue: {changed}"
    with translation.override("en"):
        assert translation.gettext("Email") == "Email"
        assert translation.gettext("Adresse email") == "Email address"
        assert translation.gettext("Tableau de bord") == "Dashboard"
