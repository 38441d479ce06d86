"""The ticket status page at the tracking link: what it shows, what it hides, the reply."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.ask_fixtures import NOW, csrf_of, make_public_app
from triage.desk import tickets
from triage.desk.intake import Classified, Intake
from triage.desk.sla import business_seconds
from triage.desk.views import find_staff_view
from triage.web.services import services

INTAKE = Intake(
    description="I cannot sign in since the update",
    contact="ann@example.com",
    module="Portal",
    version="4.2",
    steps="1. open the portal 2. sign in",
)
H = timedelta(hours=1)


def file(app, when=NOW, intake=INTAKE):
    """File a ticket through the desk; (ref, token)."""
    with app.app_context():
        policy = services().policy
        decided = Classified("access", "medium", "L1", 0.9)
        filed = tickets.file_ticket(services().db, policy, intake, decided, when)
    return filed.ref, filed.token


def act(app, fn, *args, **kw):
    """Run a desk writer inside the app (db and policy filled in)."""
    with app.app_context():
        return fn(services().db, services().policy, *args, **kw)


@pytest.fixture
def later_app(tmp_path, engine_dirs):
    """The app with its clock at Monday 13:00 Berlin (three hours after NOW)."""
    return make_public_app(tmp_path, engine_dirs, NOW=NOW + 3 * H)


def test_wrong_or_missing_token_is_a_404_like_an_unknown_ref(public_app):
    ref, token = file(public_app)
    client = public_app.test_client()
    assert client.get(f"/t/{ref}?token={token}").status_code == 200
    unknown = client.get(f"/t/SUP-999999?token={token}")
    wrong = client.get(f"/t/{ref}?token={token[:-1]}x")
    missing = client.get(f"/t/{ref}")
    assert unknown.status_code == wrong.status_code == missing.status_code == 404
    assert unknown.get_data() == wrong.get_data() == missing.get_data()
    assert ref not in wrong.get_data(as_text=True)


def test_page_shows_public_history_and_hides_internal_things(public_app):
    ref, token = file(public_app)
    act(public_app, tickets.comment, ref, "bob-l1", NOW + H, "secret internal note", public=False)
    act(public_app, tickets.assign, ref, "bob-l1", NOW + H, "carol-l2")
    act(public_app, tickets.escalate, ref, "bob-l1", NOW + H, "runbook says L2 for portals")
    act(public_app, tickets.correct_class, ref, "carol-l2", NOW + H, "component", "misfiled by L1")
    reason = "the portal works for other users"
    act(public_app, tickets.correct_priority, ref, "carol-l2", NOW + H, "low", reason)
    act(public_app, tickets.comment, ref, "carol-l2", NOW + H, "Please clear the cache", True)
    html = public_app.test_client().get(f"/t/{ref}?token={token}").get_data(as_text=True)
    for hidden in ("secret internal note", "carol-l2", "bob-l1", "runbook says", "misfiled"):
        assert hidden not in html
    assert "Please clear the cache" in html and reason in html
    assert "Priority changed to: Low: a secondary function is affected" in html
    assert "Request received." in html and "First answer given" in html


def test_reply_on_a_ticket_waiting_on_the_customer_reopens_it_and_resumes_the_clock(later_app):
    ref, token = file(later_app)
    ask = "Please send the browser console log."
    act(later_app, tickets.transition, ref, "wait_customer", "bob-l1", NOW + H, "logs", ask)
    client = later_app.test_client()
    page = client.get(f"/t/{ref}?token={token}").get_data(as_text=True)
    assert 'data-status="waiting_customer"' in page and ask in page
    with later_app.app_context():
        before = find_staff_view(services().db, services().policy, ref, NOW + 3 * H)
    assert before.status == "waiting_customer" and before.clocks.resolution.paused
    data = {"csrf_token": csrf_of(page), "token": token, "message": "Here is the log: ..."}
    sent = client.post(f"/t/{ref}", data=data)
    assert sent.status_code == 302 and sent.location.startswith(f"/t/{ref}?token=")
    with later_app.app_context():
        after = find_staff_view(services().db, services().policy, ref, NOW + 3 * H)
    assert after.status == "open" and not after.clocks.resolution.paused
    # one support hour ran before the pause (10:00-11:00); the two paused hours do not count
    assert after.clocks.resolution.elapsed_hours == pytest.approx(1.0)
    assert after.clocks.resolution.due == before.clocks.resolution.due
    shown = client.get(sent.location).get_data(as_text=True)
    assert 'data-status="open"' in shown and "Here is the log: ..." in shown
    assert "You replied; the ticket is open again." in shown


def test_the_paused_clock_moves_the_due_time(later_app):
    ref, token = file(later_app)
    with later_app.app_context():
        start = find_staff_view(services().db, services().policy, ref, NOW).clocks.resolution.due
    act(later_app, tickets.transition, ref, "wait_customer", "bob-l1", NOW + H, "logs", "Logs?")
    client = later_app.test_client()
    page = client.get(f"/t/{ref}?token={token}").get_data(as_text=True)
    client.post(f"/t/{ref}", data={"csrf_token": csrf_of(page), "token": token, "message": "ok"})
    with later_app.app_context():
        due = find_staff_view(
            services().db, services().policy, ref, NOW + 3 * H
        ).clocks.resolution.due
    with later_app.app_context():
        calendar = services().policy.calendar
    assert business_seconds(start, due, calendar) == 2 * 3600  # the two waiting support hours


def test_missing_intake_pauses_the_promise_until_the_customer_answers(later_app):
    ref, token = file(later_app, intake=Intake(description="It is broken", contact="a@b.example"))
    client = later_app.test_client()
    page = client.get(f"/t/{ref}?token={token}").get_data(as_text=True)
    assert 'data-status="waiting_customer"' in page and 'id="clock-paused"' in page
    # the desk's request for the missing fields, in the customer's words, as form fields
    assert "To work on it we need: Product module, Version, Steps to reproduce" in page
    for name in ("module", "version", "steps"):
        assert f'name="{name}"' in page
    data = {"csrf_token": csrf_of(page), "token": token, "message": "Portal 4.2"}
    shown = client.get(client.post(f"/t/{ref}", data=data).location).get_data(as_text=True)
    assert 'data-status="open"' in shown and 'id="clock-paused"' not in shown


def test_reply_needs_the_token_and_an_open_ticket(public_app):
    ref, token = file(public_app)
    client = public_app.test_client()
    page = client.get(f"/t/{ref}?token={token}").get_data(as_text=True)
    forged = {"csrf_token": csrf_of(page), "token": "guess", "message": "hello"}
    assert client.post(f"/t/{ref}", data=forged).status_code == 404
    no_csrf = {"token": token, "message": "hello"}
    assert client.post(f"/t/{ref}", data=no_csrf).status_code == 400
    act(public_app, tickets.transition, ref, "decline", "bob-l1", NOW, "out_of_scope")
    closed = client.post(f"/t/{ref}", data={**forged, "token": token})
    assert closed.status_code in (200, 409)
    assert "This ticket is closed" in closed.get_data(as_text=True)
    with public_app.app_context():
        view = find_staff_view(services().db, services().policy, ref, NOW)
    assert [e.message for e in view.events if e.actor == "customer" and e.kind == "comment"] == []


def test_status_page_in_russian(public_app):
    ref, token = file(public_app)
    act(public_app, tickets.transition, ref, "wait_customer", "bob-l1", NOW, "logs", "Логи?")
    html = public_app.test_client().get(f"/t/{ref}?token={token}&lang=ru").get_data(as_text=True)
    assert "Мы ответили: ждём вашего ответа" in html and "Поддержка ждёт вашего ответа" in html
    assert f"Заявка {ref}" in html
