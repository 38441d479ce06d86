"""The staff console in a real browser (Debian's Chromium through Playwright), with the
customer's pages beside it: a ticket's whole round trip, and what the console refuses.

The app runs in a thread on 127.0.0.1 on a fresh SQLite desk with the tiny real engine; the
clock is pinned in the app's config and moved forward between steps, so the SLA figures are
exact.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from tests.browser import chromium, save_screenshot
from tests.web.staff_fixtures import NOW, PASSWORD, make_app
from triage.desk.sla import business_seconds
from triage.desk.views import find_staff_view

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (``.ci/run`` installs it with apt-get)."""
    with chromium() as b:
        yield b


@pytest.fixture
def live(staff_desk_url, engine_dirs, tmp_path) -> Iterator[tuple[str, object]]:
    """(base URL, app) of the real app served from a thread, CSRF on, clock pinned."""
    app = make_app(
        staff_desk_url, tmp_path, WTF_CSRF_ENABLED=True, SITE_DIR=str(tmp_path / "no-site"),
        **engine_dirs,
    )  # fmt: skip
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, app
    server.shutdown()
    thread.join(timeout=5)


def new_page(browser: Browser) -> Page:
    """A page in its own context (own cookies): one per person."""
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="en-US")
    return context.new_page()


def shot(page: Page, tmp_path: Path, name: str) -> None:
    """Save a full-page screenshot under the test's tmp path and copy it to tests/artifacts/."""
    path = tmp_path / f"staff-{name}.png"
    save_screenshot(page, path)
    assert path.stat().st_size > 5_000


def sign_in(page: Page, base: str, role: str, password: str = PASSWORD) -> None:
    """Open the console and sign in through its form."""
    page.goto(f"{base}/staff/")
    page.fill("input[name=name]", f"{role}-user")
    page.fill("input[name=password]", password)
    page.click("button:has-text('Sign in')")


def clock(page: Page, name: str) -> tuple[str, datetime]:
    """(state, due) of one SLA clock on the console's ticket page."""
    box = page.locator(f"[data-clock={name}]")
    return box.get_attribute("data-state"), datetime.fromisoformat(box.get_attribute("data-due"))


def file_as_customer(page: Page, base: str) -> tuple[str, str]:
    """Ask a question, contact support, send the ticket form; (ref, tracking link)."""
    page.goto(f"{base}/ask?lang=en")
    page.fill("#question", "I forgot my password and cannot sign in")
    page.click("#ask-submit")
    page.locator("#contact-button").click()
    form = page.locator("#ticket-form")
    expect(form).to_be_visible()
    form.locator("[name=module]").fill("Portal")
    form.locator("[name=version]").fill("4.2")
    form.locator("[name=description]").fill("I forgot my password and cannot sign in")
    form.locator("[name=steps]").fill("1. open the portal 2. sign in")  # required (seed 003)
    form.locator("[name=contact]").fill("eve@example.com")
    form.locator("#ticket-submit").click()
    ref = page.locator("#ticket-ref").inner_text().strip()
    return ref, page.locator("#tracking-link").get_attribute("href")


def test_ticket_round_trip_with_the_console(browser, live, tmp_path):
    base, app = live
    customer, staff = new_page(browser), new_page(browser)
    policy = app.extensions["triage"].policy
    ref, tracking = file_as_customer(customer, base)
    shot(customer, tmp_path, "1-customer-filed")
    customer.goto(tracking)
    expect(customer.locator("#ticket-status")).to_have_attribute("data-status", "new")
    shot(customer, tmp_path, "2-customer-status-new")

    sign_in(staff, base, "l1")
    row = staff.locator(f"tr[data-ref='{ref}']")
    expect(row).to_be_visible()
    shot(staff, tmp_path, "3-queue")
    row.locator("a").first.click()
    expect(staff.locator("#status")).to_have_text("new")
    expect(staff.locator("#engine")).to_contain_text("access")
    expect(staff.locator("#engine .suggestions")).to_contain_text("Reset a forgotten password")
    assert clock(staff, "reaction")[0] == "running" and clock(staff, "resolution")[0] == "running"
    shot(staff, tmp_path, "4-ticket-new")

    app.config["NOW"] = asked_at = NOW + timedelta(minutes=30)
    due_before = clock(staff, "resolution")[1]
    ask = staff.locator("#ask-form")
    ask.locator("textarea").fill("Which browser do you use, and do you see an error message?")
    ask.locator("button").click()
    expect(staff.locator(".flash.success")).to_contain_text("Information requested")
    expect(staff.locator("#status")).to_have_text("waiting customer")
    assert clock(staff, "reaction")[0] == "met" and clock(staff, "resolution")[0] == "paused"
    shot(staff, tmp_path, "5-ticket-asked")

    app.config["NOW"] = replied_at = asked_at + timedelta(hours=2)
    customer.goto(tracking)
    expect(customer.locator("#ticket-status")).to_have_attribute("data-status", "waiting_customer")
    expect(customer.locator(".fl-history")).to_contain_text("Which browser do you use")
    customer.fill("#message", "Firefox 128, the page says 'invalid credentials'.")
    shot(customer, tmp_path, "6-customer-replying")
    customer.click("#reply-submit")
    expect(customer.locator("#ticket-status")).to_have_attribute("data-status", "open")
    shot(customer, tmp_path, "7-customer-replied")

    staff.reload()
    expect(staff.locator("#status")).to_have_text("open")
    expect(staff.locator("#log")).to_contain_text("invalid credentials")
    state, due_after = clock(staff, "resolution")
    assert state == "running"
    paused = business_seconds(asked_at, replied_at, policy.calendar)
    assert paused == 2 * 3600  # Monday 10:30-12:30 in Berlin: all support time
    assert business_seconds(due_before, due_after, policy.calendar) == paused
    shot(staff, tmp_path, "8-ticket-resumed")
    view = find_staff_view(app.extensions["triage"].db, policy, ref, replied_at)
    assert [e.data.get("to") for e in view.events if e.data.get("to")] == [
        "new",
        "waiting_customer",
        "open",
    ]


def test_console_refuses_wrong_password_role_and_missing_csrf(browser, live, tmp_path):
    base, app = live
    page = new_page(browser)
    sign_in(page, base, "l1", password="not the password")
    expect(page.locator(".flash.error")).to_have_text("Wrong name or password.")
    expect(page.locator("input[name=password]")).to_be_visible()
    shot(page, tmp_path, "9-wrong-password")

    sign_in(page, base, "writer")
    expect(page.locator(".st-nav")).not_to_contain_text("Queue")
    page.goto(f"{base}/staff/")
    expect(page.locator("#error")).to_have_attribute("data-code", "403")
    shot(page, tmp_path, "10-writer-refused")
    page.click("button:has-text('Sign out')")

    sign_in(page, base, "l1")
    page.goto(f"{base}/staff/new")
    page.fill("input[name=contact]", "+49 30 1234567")
    page.fill("textarea[name=description]", "Caller cannot open the console")
    page.locator("form.stack input[name=csrf_token]").evaluate("e => e.remove()")
    page.click("button:has-text('File ticket')")
    expect(page.locator("body")).to_contain_text("The CSRF token is missing")
    shot(page, tmp_path, "11-csrf-refused")
    db = app.extensions["triage"].db
    policy = app.extensions["triage"].policy
    assert find_staff_view(db, policy, "SUP-000001", NOW) is None  # nothing was filed
