"""Staff accounts in the console (``/staff/users``, admins only): the same as ``triage users``.

An admin lists the users, sets a password (the member's other sessions end), deactivates a
user (tokens revoked, sessions ended at once) or reactivates it, and lists, revokes or issues
API tokens; a new token is shown once, on the page that answers the post, never in a cookie.
Every change is a CSRF-protected form post through ``triage.desk.users``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from triage.desk import sessions, users
from triage.desk.models import utcnow
from triage.web import staff_forms as forms
from triage.web.auth import allowed, member
from triage.web.services import services
from triage.web.staff import bp, form_errors


def _account(name: str) -> users.Account:
    found = next((a for a in users.accounts(services().db) if a.name == name), None)
    if found is None:
        abort(404, description=_("No user %(name)s.", name=name))
    return found


def _page(name: str, code: int = 200, new_token: tuple[int, str] | None = None, **forms_):
    """One user's page: state, password form, activation, API tokens."""
    account = _account(name)
    page = render_template(
        "staff/user.html",
        a=account,
        tokens=users.list_tokens(services().db, name),
        password_form=forms_.get("password_form") or forms.PasswordSetForm(formdata=None),
        post_form=forms.PostForm(formdata=None),
        new_token=new_token,
        me=member().name,
    )
    return page, code


def _back(name: str):
    return redirect(url_for("staff.user", name=name), code=303)


@bp.get("/users")
@allowed("users")
def users_page():
    """Every staff account with its state, live tokens and open sessions."""
    return render_template("staff/users.html", accounts=users.accounts(services().db))


@bp.get("/users/<name>")
@allowed("users")
def user(name: str):
    """One staff account."""
    return _page(name)


@bp.post("/users/<name>/password")
@allowed("users")
def set_password(name: str):
    """Set a member's password; their other console sessions end."""
    _account(name)
    form = forms.PasswordSetForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return _page(name, 400, password_form=form)
    keep = member().key if name == member().name else None
    try:
        ended = users.set_password(services().db, name, form.password.data, keep_session=keep)
    except users.UserError as exc:
        flash(str(exc), "error")
        return _page(name, 422)
    sessions.clear_failures(services().db, name)  # a new password lifts a sign-in lock
    flash(_("Password changed; %(count)s other session(s) ended.", count=ended), "success")
    return _back(name)


def _post_ok(name: str) -> bool:
    _account(name)
    form = forms.PostForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
        return False
    return True


@bp.post("/users/<name>/deactivate")
@allowed("users")
def deactivate(name: str):
    """Deactivate a member: API tokens revoked, console sessions ended, at once."""
    if not _post_ok(name):
        return _page(name, 400)
    if name == member().name:
        flash(_("You cannot deactivate yourself."), "error")
        return _page(name, 409)
    try:
        users.set_active(services().db, name, False, utcnow())
    except users.UserError:
        flash(_("%(name)s is the last active admin and cannot be deactivated.", name=name), "error")
        return _page(name, 409)
    flash(_("%(name)s deactivated: API tokens revoked, sessions ended.", name=name), "success")
    return _back(name)


@bp.post("/users/<name>/reactivate")
@allowed("users")
def reactivate(name: str):
    """Reactivate a member (their old tokens stay revoked)."""
    if not _post_ok(name):
        return _page(name, 400)
    users.set_active(services().db, name, True, utcnow())
    flash(_("%(name)s reactivated.", name=name), "success")
    return _back(name)


@bp.post("/users/<name>/tokens")
@allowed("users")
def issue_token(name: str):
    """Issue an API token; the answer shows it this once."""
    if not _post_ok(name):
        return _page(name, 400)
    try:
        issued = users.issue_token(services().db, name, utcnow())
    except users.UserError:
        flash(_("%(name)s is deactivated: reactivate the account first.", name=name), "error")
        return _page(name, 409)
    return _page(name, 201, new_token=issued)


@bp.post("/users/<name>/tokens/<int:token_id>/revoke")
@allowed("users")
def revoke_token(name: str, token_id: int):
    """Revoke one API token of a member."""
    if not _post_ok(name):
        return _page(name, 400)
    try:
        users.revoke_token(services().db, name, token_id, utcnow())
    except users.UserError:
        flash(_("No live API token %(id)s of %(name)s.", id=token_id, name=name), "error")
        return _page(name, 404)
    flash(_("API token %(id)s revoked.", id=token_id), "success")
    return _back(name)
