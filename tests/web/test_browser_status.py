"""The status page and Ask support's hints in a real browser, on a desktop and on a phone.

Layout assertions: no element wider than the viewport, no word broken across lines inside a
ref or a date; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.web.test_browser_public import browser, live, new_page, screenshot  # noqa: F401
from triage.desk import tickets
from triage.desk.intake import Classified, Intake
from triage.web.services import services

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# JavaScript run in the page: what sticks out of the viewport, and which words of the page's
# refs and dates are broken across two lines (a word whose range has more than one line box).
LAYOUT = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    const out = r.width && (r.right > width + 1 || r.left < -1);
    if (out) wide.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(r.right)}`);
  }
  const broken = [];
  const targets = document.querySelectorAll(
    "h1, .fl-title, #ticket-status, .fl-facts dd, time, .fl-event__meta");
  for (const el of targets) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  const title = document.querySelector(".fl-title a");
  const logo = document.querySelector(".fl-logo svg").getBoundingClientRect();
  const header = {
    title: (() => {  // wholly inside the (clipping) title bar, not cut to "Hel"
      const r = title.getBoundingClientRect(), box = title.parentElement.getBoundingClientRect();
      return r.width > 0 && r.left >= box.left - 1 && r.right <= box.right + 1;
    })(),
    logo: logo.width > 0 && logo.height > 0,
  };
  return {scroll: document.documentElement.scrollWidth, width, wide, broken, header};
}"""

INTAKE = Intake(
    description="The VM console shows a black screen after the 5.1 upgrade",
    contact="ann@example.com",
    module="Compute",
    version="5.1",
    steps="1. open Compute\n2. click Console on vm-prod-0001\n3. the screen stays black",
)
REPLY = "Please try the steps in http://127.0.0.1/consultation/create-vm/ and tell us."


def filed(app) -> tuple[str, str]:
    """A ticket with the customer's words and a public staff reply; (ref, token)."""
    now = datetime.now(UTC)
    with app.app_context():
        db, policy = services().db, services().policy
        decided = Classified("component", "medium", "L2", 0.8)
        done = tickets.file_ticket(db, policy, INTAKE, decided, now)
        tickets.comment(db, policy, done.ref, "bob-l1", now, "internal: ask Carol", False)
        tickets.comment(db, policy, done.ref, "bob-l1", now, REPLY, True)
    return done.ref, done.token


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_status_page_shows_the_customers_words_and_the_reply_at_desktop_and_phone(
    live,  # noqa: F811
    browser,  # noqa: F811
    tmp_path,
    width,
    height,
):
    url, app = live
    ref, token = filed(app)
    page = new_page(browser, "en-US")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{url}/t/{ref}?token={token}&lang=en")
    expect(page.locator("h1")).to_have_text(f"Ticket {ref}")
    expect(page.locator("#ticket-status")).to_have_text("We answered: see below")
    wrote = page.locator("#wrote")
    expect(wrote).to_contain_text(INTAKE.description)
    expect(wrote.locator(".fl-wrote__steps")).to_contain_text("click Console on vm-prod-0001")
    expect(wrote).to_contain_text("Compute")
    reply = page.locator(".fl-event--support").filter(has_text="Please try the steps")
    expect(reply).to_be_visible()
    link = reply.locator("a")
    expect(link).to_have_attribute("href", "http://127.0.0.1/consultation/create-vm/")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("body")).not_to_contain_text("internal: ask Carol")
    expect(page.locator("#solved-submit")).to_be_visible()
    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= layout["width"], layout
    assert layout["wide"] == [], layout["wide"]
    assert layout["broken"] == [], layout["broken"]
    assert layout["header"] == {"title": True, "logo": True}, layout["header"]  # not "Hel"
    shot = screenshot(page, tmp_path, f"status-conversation-{width}")
    assert shot.stat().st_size > 10_000
    assert page.errors == []  # type: ignore[attr-defined]


HINTS = {
    "en": "Write at least three letters",
    "ru": "Напишите хотя бы три буквы",
    "uk": "Напишіть щонайменше три літери",
    "de": "Schreiben Sie mindestens drei Buchstaben",
}


@pytest.mark.parametrize("lang", list(HINTS))
def test_a_too_short_question_says_why(live, browser, tmp_path, lang):  # noqa: F811
    url, _app = live
    page = new_page(browser, lang)
    page.goto(f"{url}/ask?lang={lang}")
    hint = page.locator("#question-hint")
    expect(hint).to_be_hidden()
    for typed in ("   ", "ab"):
        page.locator("#question").fill(typed)
        page.locator("#ask-submit").click()
        expect(hint).to_be_visible()
        expect(hint).to_contain_text(HINTS[lang])
    page.locator("#question").fill("I forgot my password")
    expect(hint).to_be_hidden()
    if lang == "en":
        page.locator("#question").fill("ab")
        page.locator("#ask-submit").click()
        screenshot(page, tmp_path, "ask-short-question")
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_a_refused_contact_keeps_the_question_and_the_suggestions(
    live,  # noqa: F811
    browser,  # noqa: F811
    tmp_path,
    width,
    height,
):
    """``me@localhost`` passes the browser's own check but the server refuses it: the question,
    the suggestions and the form stay, and the error sits under the field without squeezing it."""
    url, _app = live
    page = new_page(browser, "en-US")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{url}/ask?lang=en")
    question = "I forgot my password and cannot sign in"
    page.locator("#question").press_sequentially(question, delay=10)
    expect(page.locator(".fl-sugg").first).to_be_visible(timeout=10_000)
    titles = page.locator(".fl-sugg__title").all_inner_texts()
    page.locator("#contact-button").click()
    for name, value in (("module", "Portal"), ("version", "4.2"), ("steps", "1. sign in")):
        page.locator(f"#{name}").fill(value)
    page.locator("#contact").fill("me@localhost")
    before = page.locator("#contact").bounding_box()
    page.locator("#ticket-submit").click()
    error = page.locator("#contact-errors")
    expect(error).to_contain_text("Enter an email address")
    expect(page.locator("#question")).to_have_value(question)
    expect(page.locator("#suggestions")).to_be_visible()
    assert page.locator(".fl-sugg__title").all_inner_texts() == titles
    expect(page.locator("#contact")).to_have_value("me@localhost")
    after = page.locator("#contact").bounding_box()
    assert after["width"] == pytest.approx(before["width"], abs=1)  # not squeezed
    box = error.bounding_box()
    assert box["y"] >= after["y"] + after["height"] - 1  # under its field
    assert box["x"] >= after["x"] - 1 and box["x"] + box["width"] <= after["x"] + after["width"] + 1
    layout = page.evaluate(LAYOUT)
    assert layout["scroll"] <= layout["width"] and layout["wide"] == [], layout
    page.locator("#contact").scroll_into_view_if_needed()
    screenshot(page, tmp_path, f"ask-refused-contact-{width}")
    assert page.errors == []  # type: ignore[attr-defined]
