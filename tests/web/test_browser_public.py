"""The public pages in a real browser: Debian's Chromium driven by Playwright, a live app.

The app runs in a thread on 127.0.0.1 with a fresh SQLite desk, the tiny real engine and the
help site built from the tiny KB; every page's screenshot goes to tests/artifacts/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.browser import chromium, save_screenshot
from tests.site.conftest import build_site
from tests.web.ask_fixtures import make_public_app
from triage.desk.deflection import QuestionSession, deflection_report, feedback_counts
from triage.web.services import services

RU_QUESTION = "забыл пароль, не могу войти в консоль"

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine_dirs) -> Iterator[tuple[str, object]]:
    """(base URL, app): the app with the built tiny site, served from a thread."""
    root = tmp_path_factory.mktemp("live")
    site = root / "site"
    built = build_site(Path(engine_dirs["KB_DIR"]), site)
    assert built.returncode == 0, built.stderr
    server = make_server("127.0.0.1", 0, None, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app = make_public_app(root, engine_dirs, NOW=None, SITE_DIR=str(site), PUBLIC_URL=url)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url, app
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (``.ci/run`` installs it with apt-get)."""
    with chromium() as b:
        yield b


def new_page(browser: Browser, locale: str, js: bool = True) -> Page:
    """A fresh page in its own context (cookies), at desktop size, speaking ``locale``."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=locale, java_script_enabled=js
    )
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    return page


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """Save a screenshot under the test's tmp path and copy it to tests/artifacts/."""
    path = tmp_path / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top of the picture
    return save_screenshot(page, path)


def session_row(app, question: str) -> QuestionSession:
    """The question session recorded for a question."""
    with app.app_context(), services().db.read() as s:
        q = select(QuestionSession).where(QuestionSession.question == question)
        return s.execute(q).scalar_one()


def test_russian_question_finds_a_russian_article_and_is_deflected(live, browser, tmp_path):
    url, app = live
    page = new_page(browser, "ru-RU")
    page.goto(f"{url}/ask")
    expect(page.locator("h1")).to_have_text("Спросить поддержку")
    page.locator("#question").press_sequentially(RU_QUESTION, delay=20)
    item = page.locator(".fl-sugg").filter(has_text="Сброс забытого пароля")
    expect(item).to_be_visible(timeout=10_000)
    expect(item.locator(".fl-badge")).to_have_text("Русский")
    expect(item.locator(".fl-sugg__snippet mark").first).to_be_visible()
    screenshot(page, tmp_path, "ask-ru-suggestions")
    with page.expect_popup() as popup:
        item.locator(".fl-sugg__title").click()
    article = popup.value
    expect(article.locator("h1")).to_contain_text("Сброс забытого пароля")
    screenshot(article, tmp_path, "ask-ru-article")
    article.close()
    item.get_by_role("button", name="Да, это решило проблему").click()
    expect(page.locator("h1#solved")).to_have_text("Рады, что помогло!")
    screenshot(page, tmp_path, "ask-ru-solved")
    row = session_row(app, RU_QUESTION)
    assert (row.lang, row.predicted_class, row.solved) == ("ru", "access", True)
    assert row.opened == ["reset-password"] and row.solved_article == "reset-password"
    later = datetime.now(UTC) + timedelta(minutes=31)
    with app.app_context():
        rows = {(r.request_class, r.lang): r for r in deflection_report(services().db, later)}
    assert rows[("access", "ru")].deflected == 1 and rows[("access", "ru")].rate == 1.0
    assert page.errors == []  # type: ignore[attr-defined]


def test_customer_files_a_ticket_and_opens_the_tracking_link(live, browser, tmp_path):
    url, app = live
    page = new_page(browser, "en-US")
    page.goto(f"{url}/ask")
    question = "the whole console is down for everyone"
    page.locator("#question").press_sequentially(question, delay=15)
    expect(page.locator(".fl-sugg").first).to_be_visible(timeout=10_000)
    page.locator("#contact-button").click()
    expect(page.locator("#contact-support")).to_be_visible()
    expect(page.locator("#description")).to_have_value(question)
    expect(page.locator("#priority")).to_have_value("critical")  # the engine's priority
    page.locator("#module").fill("Console")
    page.locator("#version").fill("5.1")
    page.locator("#steps").fill("1. open the console 2. it times out")
    page.locator("#contact").fill("bob@example.com")
    screenshot(page, tmp_path, "ask-en-ticket-form")
    page.locator("#ticket-submit").click()
    expect(page.locator("#ticket-ref")).to_have_text(re.compile(r"SUP-\d{6}"))
    expect(page.locator("#ticket-class")).to_have_text("Outage")
    expect(page.locator("#ticket-promise")).to_contain_text("by ")
    ref = page.locator("#ticket-ref").inner_text()
    screenshot(page, tmp_path, "ask-en-filed")
    page.locator("#tracking-link").click()
    expect(page.locator("h1")).to_have_text(f"Ticket {ref}")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "new")
    screenshot(page, tmp_path, "status-en")
    assert session_row(app, question).ticket_ref == ref
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_question_left_without_any_action_is_still_counted(live, browser):
    url, app = live
    page = new_page(browser, "en-US")
    page.goto(f"{url}/ask")
    question = "how do I create a virtual machine"
    page.locator("#question").fill(question)
    expect(page.locator(".fl-sugg").first).to_be_visible(timeout=10_000)
    page.goto(f"{url}/ask/")  # leaves at once: the page sends the question as it goes
    for _ in range(50):
        with app.app_context(), services().db.read() as s:
            q = select(QuestionSession).where(QuestionSession.question == question)
            if s.execute(q).scalar() is not None:
                break
        page.wait_for_timeout(100)
    row = session_row(app, question)
    assert row.suggested and not row.solved and row.ticket_ref is None


def test_ask_support_works_without_javascript(live, browser, tmp_path):
    url, app = live
    page = new_page(browser, "de-DE", js=False)
    page.goto(f"{url}/ask")
    page.locator("#question").fill("Passwort vergessen, kann mich nicht anmelden")
    page.get_by_role("button", name="Antworten finden").click()
    item = page.locator(".fl-sugg").filter(has_text="Vergessenes Passwort zurücksetzen")
    expect(item).to_be_visible()
    screenshot(page, tmp_path, "ask-de-nojs")
    page.locator("#contact-button").click()
    expect(page.locator("#contact-support")).to_be_visible()
    expect(page.locator("#description")).to_have_value(
        "Passwort vergessen, kann mich nicht anmelden"
    )


def test_site_search_goes_through_the_service(live, browser, tmp_path):
    url, app = live
    page = new_page(browser, "ru-RU")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(f"{url}/ru/")
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially("забыли пароль", delay=30)
    hit = page.locator(".md-search-result__item").filter(has_text="Сброс забытого пароля")
    expect(hit).to_be_visible(timeout=10_000)
    screenshot(page, tmp_path, "site-search-service")
    assert any("/api/search?q=" in u and "lang=ru" in u for u in asked)
    assert not any("search_index.json" in u for u in asked)
    hit.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text("Сброс забытого пароля")
    before = helpful(app, "reset-password", "ru")
    page.locator(".kb-feedback button[value=yes]").click()  # the footer posts to the app
    expect(page.locator(".kb-feedback__thanks")).to_be_visible()
    assert helpful(app, "reset-password", "ru") == before + 1
    assert page.errors == []  # type: ignore[attr-defined]


def helpful(app, article: str, lang: str) -> int:
    """How many readers said the article helped, as stored."""
    with app.app_context():
        found = [
            c for c in feedback_counts(services().db) if (c.article, c.lang) == (article, lang)
        ]
    return found[0].helpful if found else 0
