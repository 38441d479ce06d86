"""The help site in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import chromium, save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (``.ci/run`` installs it with apt-get)."""
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page at desktop size, so the search box is in the header."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    p = context.new_page()
    yield p
    context.close()


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """Save a screenshot under the test's tmp path and copy it to tests/artifacts/."""
    path = tmp_path / f"{name}.png"
    return save_screenshot(page, path, full_page=False)


def search(page: Page, query: str) -> None:
    """Open the search box and type the query as a user would."""
    box = page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=40)
    # Playwright inserts non-US-keyboard letters (Cyrillic) without key events, which a real
    # keyboard sends and material's search listens to: finish with one real key press.
    box.press("End")


@pytest.mark.parametrize(
    ("query", "title", "name"),
    [
        ("passphrase", "Reset a forgotten password", "search-en"),
        ("восстановление", "Сброс забытого пароля", "search-ru"),
        ("Sicherheitsschlüssel", "Zwei-Faktor-Anmeldung einrichten", "search-de"),
        ("перевірте", "Консоль недоступна", "search-uk"),
    ],
)
def test_search_box_finds_the_article(page, served_site, tmp_path, query, title, name):
    page.goto(served_site)
    search(page, query)
    results = page.locator(".md-search-result__item")
    expect(results.filter(has_text=title).first).to_be_visible(timeout=15_000)
    shot = screenshot(page, tmp_path, name)
    assert shot.stat().st_size > 10_000
    results.filter(has_text=title).first.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(title)


def test_article_page_switches_language_and_asks_quietly(page, served_site, tmp_path):
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served_site + "access/reset-password/")
    expect(page.locator(".kb-meta__applies")).to_contain_text("Compute >= 1.0")
    page.get_by_role("button", name="Yes").click()  # no /api/feedback here: must fail quietly
    expect(page.locator(".kb-feedback__thanks")).to_be_visible()
    ask = page.get_by_role("link", name="Ask support").last
    assert ask.get_attribute("href") == "/ask?from=reset-password&lang=en"
    screenshot(page, tmp_path, "article-en")
    page.locator(".kb-meta__translations a", has_text="Русский").click()
    expect(page.locator("h1")).to_contain_text("Сброс забытого пароля")
    expect(page.locator(".kb-feedback__title")).to_have_text("Статья помогла?")
    assert errors == []
