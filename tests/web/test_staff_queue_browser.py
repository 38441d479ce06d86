"""The console's queue in a real browser (Debian's Chromium through Playwright) at 1366 and
390 px: sort by a column, open a view, a bulk action refused on one ticket that moved to
another line meanwhile; nothing wider than the window, the header's text not clipped.
Screenshots go to tests/artifacts/ (``tests.browser.save_screenshot``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from tests.browser import chromium, save_screenshot
from tests.web.staff_fixtures import NOW, PASSWORD, file, make_app
from triage.desk import tickets
from triage.desk.views import find_staff_view

pytestmark = pytest.mark.browser

#: Elements wider than the window, and header elements whose text is cut.
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > width + 1 || r.left < -1);
  }).map(e => e.tagName + '.' + e.className);
  const clipped = [...document.querySelectorAll('header *')].filter(e =>
    e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
  ).map(e => e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40));
  return {page: document.documentElement.scrollWidth - width, wide, clipped};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def live(staff_desk_url, tmp_path) -> Iterator[tuple[str, object]]:
    """(base URL, app) served from a thread, CSRF on, clock pinned."""
    app = make_app(staff_desk_url, tmp_path, WTF_CSRF_ENABLED=True, SITE_DIR=str(tmp_path / "s"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=5)


def check_layout(page: Page) -> None:
    found = page.evaluate(LAYOUT)
    assert found["page"] <= 0, found
    assert found["wide"] == [], found["wide"][:5]
    assert found["clipped"] == [], found["clipped"][:5]


def refs(page: Page) -> list[str]:
    return page.locator("table.queue tbody tr[data-ref]").evaluate_all(
        "rows => rows.map(r => r.dataset.ref)"
    )


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_queue_sort_view_and_bulk_refusal(browser, live, tmp_path, width, lang):
    base, app = live
    db, policy = app.extensions["triage"].db, app.extensions["triage"].policy
    subjects = ["Printer offline", "Add a user to the wiki", "VPN rejects my token", "Mail quota"]
    own = [file(db, policy, subject=s) for s in subjects]
    waiting = file(db, policy, subject="Need the export log", klass="consultation")
    tickets.transition(db, policy, waiting, "wait_customer", "l1-user", NOW, reason="logs")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    shot = lambda name: save_screenshot(page, tmp_path / f"queue-{lang}-{width}-{name}.png")  # noqa: E731

    page.goto(f"{base}/staff/login")
    page.fill("input[name=name]", "l1-user")
    page.fill("input[name=password]", PASSWORD)
    page.click("form[action*='/staff/login'] button[type=submit]")
    expect(page.locator(".st-who")).to_be_visible()
    page.goto(f"{base}/staff/?lang={lang}")
    expect(page.locator("table.queue")).to_be_visible()
    assert refs(page) == [*own, waiting]  # first come, first served
    shot("1-queue")
    check_layout(page)

    page.click("a[data-sort=subject]")
    expect(page.locator("th[aria-sort=ascending] a[data-sort=subject]")).to_be_visible()
    by_subject = [
        r for _s, r in sorted(zip([*subjects, "Need the export log"], [*own, waiting], strict=True))
    ]
    assert refs(page) == by_subject
    shot("2-sorted-by-subject")
    check_layout(page)

    page.click("a[data-view=customer]")
    expect(page.locator("a.current[data-view=customer]")).to_be_visible()
    assert refs(page) == [waiting]
    shot("3-view-waiting-customer")
    check_layout(page)

    page.goto(f"{base}/staff/")
    for ref in own:
        page.check(f"input[type=checkbox][value='{ref}']")
    page.select_option("#bulk-action", "assign")
    moved = own[-1]  # a colleague escalates it to L2 while the page is open
    tickets.escalate(db, policy, moved, "admin-user", NOW, "needs L2", steps=1)
    page.click("#bulk-submit")
    flash = page.locator(".flash").first
    expect(flash).to_be_visible()
    text = flash.inner_text()
    if lang == "en":
        assert text == f"3 done, 1 refused: {moved} (Your role cannot do this on a ticket of L2.)"
    else:
        assert text.startswith("Выполнено: 3, отказано: 1:") and moved in text and "L2" in text
    assert [find_staff_view(db, policy, r, NOW).assignee for r in own] == ["l1-user"] * 3 + [None]
    assert moved not in refs(page)  # it is L2's now
    shot("4-bulk-refused-one")
    check_layout(page)
    assert re.search(r"\bl1-user\b", page.locator("table.queue").inner_text())
    context.close()
