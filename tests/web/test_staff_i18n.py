"""The staff console in four languages: the member's own, the browser's, else English."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT
from tests.web.staff_fixtures import file, login
from triage.desk.users import by_name, set_lang

WEB = ROOT / "triage" / "web"
LANGS = ("ru", "uk", "de")
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "pgettext": ((1, "c"), 2)}
STAFF_SOURCES = ("staff", "auth.py", "writers.py", "reports.py", "charts.py")

#: What the queue and a ticket page say, per language (en must stay exactly the English text).
QUEUE = {
    "en": ["Queue", "SLA time left", "Assignee", "medium", "new", "Filter"],
    "ru": ["Очередь", "Осталось до SLA", "Исполнитель", "средний", "новая"],
    "uk": ["Черга", "Залишилося до SLA", "Виконавець", "середній", "нова"],
    "de": ["Warteschlange", "SLA-Restzeit", "Bearbeiter", "mittel", "neu"],
}
TICKET = {
    "en": ["Event log", "Assign to me", "Steps to reproduce", "Similar solved tickets"],
    "ru": ["Журнал событий", "Взять себе", "Шаги для воспроизведения", "Похожие решённые заявки"],
    "uk": ["Журнал подій", "Взяти собі", "Схожі вирішені заявки", "Внутрішня нотатка"],
    "de": ["Ereignisprotokoll", "Mir zuweisen", "Ähnliche gelöste Tickets", "Interne Notiz"],
}
ENGLISH_ONLY = ["SLA time left", "Assignee", "Event log", "Assign to me", "Add note"]


def catalog(lang: str, kind: str = "po"):
    """The committed catalog of a language (.po or compiled .mo)."""
    path = WEB / "translations" / lang / "LC_MESSAGES" / f"messages.{kind}"
    with path.open("rb") as f:
        return read_po(f, locale=lang) if kind == "po" else read_mo(f)


def keyed(cat) -> dict:
    """A catalog's translations keyed by (context, id): ``open`` the status is not the action."""
    ctx = [m.context.decode() if isinstance(m.context, bytes) else m.context for m in cat]
    return {(c, m.id): m.string for c, m in zip(ctx, cat, strict=True) if m.id}


@pytest.mark.parametrize("lang", LANGS)
def test_every_msgid_translated_none_fuzzy_and_compiled(lang):
    po = catalog(lang)
    assert not po.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    for m in po:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(s.strip() for s in strings), f"{lang}: empty msgstr for {m.id!r}"
        assert not m.fuzzy, f"{lang}: fuzzy entry {m.id!r}"
    assert keyed(catalog(lang, "mo")) == keyed(po), f"{lang}: messages.mo is stale"


def test_every_console_string_is_in_the_catalogs():
    found = extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS)
    wanted = set()
    for path, _line, msg, _comments, context in found:
        if any(part in path for part in STAFF_SOURCES):
            wanted.add((context, msg if isinstance(msg, str) else msg[0]))
    assert len(wanted) > 200  # the console's templates and modules are marked
    for lang in LANGS:
        missing = wanted - set(keyed(catalog(lang)))
        assert not missing, f"{lang}: not in the catalog: {sorted(missing)[:5]}"


def _member_page(app, desk, role: str, lang: str | None, path: str, **headers) -> str:
    """A console page as the member of ``role`` with console language ``lang`` sees it."""
    if lang is not None:
        set_lang(desk, f"{role}-user", lang, ("en", "ru", "uk", "de"))
    client = app.test_client()
    login(client, role)
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["ru", "uk", "de", "en"])
def test_queue_and_ticket_in_the_members_language(staff_app, staff_desk, lang):
    ref = file(staff_desk, staff_app.extensions["triage"].policy)
    queue = _member_page(staff_app, staff_desk, "l1", lang, "/staff/")
    ticket = _member_page(staff_app, staff_desk, "l1", None, f"/staff/t/{ref}")
    for text in QUEUE[lang]:
        assert text in queue, (lang, text)
    for text in TICKET[lang]:
        assert text in ticket, (lang, text)
    if lang != "en":
        for text in ENGLISH_ONLY:
            assert text not in queue + ticket, (lang, text)
        assert f'<html lang="{lang}">' in queue


def test_english_by_default_then_browser_then_own_choice(staff_app, staff_desk):
    ref = file(staff_desk, staff_app.extensions["triage"].policy)
    english = _member_page(staff_app, staff_desk, "l1", None, f"/staff/t/{ref}")
    assert "Event log" in english and "Ereignisprotokoll" not in english
    german = _member_page(
        staff_app, staff_desk, "l1", None, f"/staff/t/{ref}", **{"Accept-Language": "de-DE,de"}
    )
    assert "Ereignisprotokoll" in german
    own = _member_page(
        staff_app, staff_desk, "l1", "ru", f"/staff/t/{ref}", **{"Accept-Language": "de"}
    )
    assert "Журнал событий" in own and "Ereignisprotokoll" not in own


def test_lang_switch_is_kept_as_the_members_language(staff_app, staff_desk):
    client = staff_app.test_client()
    login(client, "l2")
    assert "Черга" in client.get("/staff/?lang=uk").get_data(as_text=True)
    assert by_name(staff_desk, "l2-user").lang == "uk"
    fresh = staff_app.test_client()  # another browser: no session, English Accept-Language
    login(fresh, "l2")
    page = fresh.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Черга" in page and "SLA time left" not in page
    assert client.get("/staff/?lang=xx").status_code == 200  # unknown: ignored, kept as it was
    assert by_name(staff_desk, "l2-user").lang == "uk"


def test_flash_and_form_labels_translated(staff_app, staff_desk):
    ref = file(staff_desk, staff_app.extensions["triage"].policy)
    client = staff_app.test_client()
    set_lang(staff_desk, "l1-user", "de", ("en", "ru", "uk", "de"))
    login(client, "l1")
    done = client.post(f"/staff/t/{ref}/note", data={"note-message": "intern"})
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Notiz hinzugefügt." in page and "Note added." not in page
    refused = client.post(f"/staff/t/{ref}/escalate", data={"escalate-direction": "up"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Grund: Ein Grund ist erforderlich." in text
    assert "Grund (für den Kunden sichtbar)" in text  # a form label


def test_login_page_follows_the_browser(staff_app):
    page = staff_app.test_client().get("/staff/login", headers={"Accept-Language": "ru"})
    assert "Войти" in page.get_data(as_text=True)
    english = staff_app.test_client().get("/staff/login").get_data(as_text=True)
    assert "Sign in" in english and "Войти" not in english
