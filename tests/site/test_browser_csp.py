"""The built help site works in Chromium under the app's Content-Security-Policy.

The app serves the fixture site with the console's headers; Material's inline scripts are
allowed by hash, anything else inline is blocked. No page may log a CSP violation or a script
error, and the search box still finds an article.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from tests.browser import chromium
from tests.site.test_browser import search
from triage.desk.pgtemp import free_port
from triage.web import create_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_site(fixture_site, tmp_path_factory) -> Iterator[str]:
    """The fixture site served by the app (werkzeug, a thread); yields its base URL."""
    tmp = tmp_path_factory.mktemp("app-site")
    app = create_app(
        {
            "TESTING": True,
            "SITE_DIR": str(fixture_site),
            "DATABASE_URL": f"sqlite:///{tmp / 'desk.db'}",
            "SECRET_KEY": "t",
            "MODEL_DIR": str(tmp / "no-model"),
            "INDEX_DIR": str(tmp / "no-index"),
            "RATELIMIT_ENABLED": False,
        }
    )
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium."""
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page and the CSP violations and script errors it reports."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    p = context.new_page()
    problems: list[str] = []
    p.on("pageerror", lambda exc: problems.append(f"error: {exc}"))
    p.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield p, problems
    context.close()


@pytest.mark.parametrize("path", ["", "access/reset-password/", "ru/access/reset-password/"])
def test_pages_run_without_csp_violations(page, app_site, path):
    p, problems = page
    response = p.goto(app_site + path)
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    expect(p.locator("h1").first).to_be_visible()
    p.wait_for_load_state("networkidle")
    assert problems == []


def test_search_works_under_the_policy(page, app_site):
    p, problems = page
    p.goto(app_site)
    search(p, "passphrase")
    results = p.locator(".md-search-result__item")
    expect(results.filter(has_text="Reset a forgotten password").first).to_be_visible(
        timeout=15_000
    )
    assert problems == []


def test_an_injected_inline_script_is_blocked(page, app_site, fixture_site):
    p, problems = page
    p.goto(app_site + "access/reset-password/")
    p.wait_for_load_state("networkidle")
    assert problems == []
    # the same markup the page has, with a script of its own: the browser refuses to run it
    p.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__pwned = 1'; document.body.append(s); }"""
    )
    assert p.evaluate("() => window.__pwned") is None
    assert any("Content Security Policy" in m for m in problems)
