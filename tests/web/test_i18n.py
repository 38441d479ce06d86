"""The pages' translations: complete, compiled, current; dates said in calendar terms."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from triage.web import i18n

WEB = ROOT / "triage" / "web"
LANGS = ("ru", "uk", "de")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def catalog(lang: str, kind: str = "po"):
    """The committed catalog of a language (.po or compiled .mo)."""
    path = WEB / "translations" / lang / "LC_MESSAGES" / f"messages.{kind}"
    with path.open("rb") as f:
        return read_po(f, locale=lang) if kind == "po" else read_mo(f)


def source_ids() -> set[str]:
    """Every UI string the public pages' templates and modules mark for translation.

    The staff console's strings (``staff*``) are extracted into the same catalogs; their
    translation is the console's business, so they are not required here.
    """
    found = extract_from_dir(str(WEB), METHODS, keywords={**KEYWORDS})
    return {m[2] if isinstance(m[2], str) else m[2][0] for m in found if "staff" not in m[0]}


def _context(message) -> str | None:
    """A message's context as text (``read_mo`` gives bytes): ``open`` the status vs the action."""
    return message.context.decode() if isinstance(message.context, bytes) else message.context


@pytest.mark.parametrize("lang", LANGS)
def test_every_ui_string_is_translated_and_compiled(lang):
    po = catalog(lang)
    translated = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    missing = source_ids() - set(translated)
    assert not missing, f"{lang}: untranslated {sorted(missing)[:5]} (run pybabel update)"
    mo = {(_context(m), m.id): m.string for m in catalog(lang, "mo") if m.id}
    po_keyed = {(m.context, m.id): m.string for m in po if m.id and m.string and not m.fuzzy}
    assert mo == po_keyed, f"{lang}: messages.mo is stale (run pybabel compile)"


def test_placeholders_survive_translation():
    for lang in LANGS:
        for m in catalog(lang):
            if m.id and m.string:
                names = sorted(PLACEHOLDER.findall(m.id))
                assert sorted(PLACEHOLDER.findall(m.string)) == names, (lang, m.id)


@pytest.mark.parametrize(
    ("due", "lang", "text"),
    [
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "en", "Tuesday 09:00"),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "ru", "вторник 09:00"),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "uk", "вівторок 09:00"),
        (datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "de", "Dienstag 09:00"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "en", "Monday, December 7, 2026, 16:00"),
        (datetime(2026, 12, 7, 15, 0, tzinfo=UTC), "de", "Montag, 7. Dezember 2026, 16:00"),
        (datetime(2026, 7, 6, 15, 0, tzinfo=UTC), "en", "Monday, July 6, 2026, 17:00"),  # CEST
    ],
)
def test_due_times_in_calendar_terms(public_app, due, lang, text):
    now = (
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        if due.month > 7
        else datetime(2026, 6, 1, tzinfo=UTC)
    )
    with public_app.test_request_context(f"/ask?lang={lang}"):
        assert i18n.by_when(due, now, lang) == text
