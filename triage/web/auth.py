"""Staff sign-in: Flask-Login sessions over the desk's users, with safe cookie settings.

Passwords are checked by the desk (scrypt hashes); a wrong name or password gets one generic
message; sign-in attempts are rate-limited per address, and a name is locked for
``LOGIN_LOCK_MINUTES`` after ``LOGIN_LOCK_FAILURES`` failures (known names and unknown ones
alike, so the lock tells nothing about who exists). The cookie carries a session key that the
database checks on every request (``triage.desk.sessions``): signing out, deactivating the
user or changing the password ends it on every app node. Cookies are HttpOnly and
SameSite=Lax, and Secure unless the public address is plain HTTP on this machine.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, wraps
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from triage.desk import sessions
from triage.desk.models import utcnow as now  # the wall clock, not the desk's pinned one
from triage.desk.tokens import hash_password, password_matches
from triage.desk.users import by_name, by_password
from triage.web.api import limiter
from triage.web.services import services
from triage.web.staff_forms import LoginForm, PostForm
from triage.web.staff_roles import may, refusal

bp = Blueprint("auth", __name__, url_prefix="/staff")
login_manager = LoginManager()
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
WRONG = _l("Wrong name or password.")
LOCKED = _l(
    "Too many failed sign-ins with this name: signing in with it is locked for %(minutes)s "
    "more minute(s). Ask an admin if you cannot wait."
)


@dataclass(frozen=True, eq=True)
class Member(UserMixin):
    """A signed-in staff member (the cookie keeps the session key only)."""

    name: str
    role: str
    lang: str | None = None  # the console's language the member chose; None: the browser's
    key: str = ""  # the session key, checked against the database on every request

    def get_id(self) -> str:
        """The key kept in the session."""
        return self.key


def session_lifetime() -> timedelta:
    """How long a console sign-in lasts at most (``STAFF_SESSION_HOURS``)."""
    return timedelta(hours=float(current_app.config["STAFF_SESSION_HOURS"]))


@login_manager.user_loader
def _load(key: str) -> Member | None:
    staff = sessions.session_staff(services().db, key, now(), session_lifetime())
    return Member(staff.name, staff.role, staff.lang, key) if staff else None


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def secure_cookies(public_url: str) -> bool:
    """Whether cookies must be Secure: always, except plain HTTP on this machine."""
    url = urlsplit(public_url)
    return not (url.scheme == "http" and url.hostname in LOCAL_HOSTS)


def init_app(app: Flask) -> None:
    """Install the login manager, the cookie settings and the sign-in pages."""
    secure = secure_cookies(str(app.config.get("PUBLIC_URL", "")))
    for key, value in {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "RATELIMIT_LOGIN": "10 per minute",
    }.items():
        if app.config.get(key) == app.default_config.get(key):  # Flask presets SESSION_*
            app.config[key] = value
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to use the staff console.")
    login_manager.localize_callback = str  # the lazy message in the page's language
    login_manager.session_protection = "strong"
    app.register_blueprint(bp)


@bp.app_context_processor
def _layout() -> dict:
    """What the console layout needs: the sign-out form, the role check, the home page."""
    if not request.path.startswith("/staff"):
        return {}
    return {"logout_form": PostForm(), "staff_may": _may, "console_home": home}


def _may(part: str) -> bool:
    return bool(current_user.is_authenticated and may(current_user.role, part))


def home() -> str:
    """The first console page the member may use: the queue, else the writers' page."""
    if not _may("queue") and _may("kb") and "writers.page" in current_app.view_functions:
        return url_for("writers.page")
    return url_for("staff.queue") if current_user.is_authenticated else url_for("auth.login")


def member() -> Member:
    """The signed-in member (views behind ``allowed`` only)."""
    return current_user._get_current_object()  # type: ignore[attr-defined]


def allowed(part: str) -> Callable:
    """Decorate a view: sign-in required (else the login page), and the role's right (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not may(current_user.role, part):
                abort(403, description=refusal(role=current_user.role))
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _next_url() -> str:
    """Where to go after signing in: a console path from ``next``, else the member's home."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") or target == "/staff/":
        return home()
    return target


@bp.errorhandler(CSRFError)
def _csrf_refused(exc: CSRFError):
    reason = exc.description
    flash(
        _("The form was refused: %(reason)s Reload the page and try again.", reason=reason), "error"
    )
    return render_template("staff/login.html", form=LoginForm()), 400


@bp.errorhandler(429)
def _too_many(_exc):
    flash(_("Too many sign-in attempts from your address: wait a minute and try again."), "error")
    return render_template("staff/login.html", form=LoginForm()), 429


def _locked(until: datetime, form: LoginForm):
    minutes = max(1, math.ceil((until - now()).total_seconds() / 60))
    flash(str(LOCKED) % {"minutes": minutes}, "error")
    return render_template("staff/login.html", form=form), 429


def _refuse(name: str, password: str, form: LoginForm):
    """A failed sign-in: counted for the name; the lock message when this one locks it."""
    db, cfg = services().db, current_app.config
    if by_name(db, name) is None:  # hash anyway: an unknown name takes as long as a known one
        password_matches(password, _dummy_hash())
    lock_for = timedelta(minutes=float(cfg["LOGIN_LOCK_MINUTES"]))
    until = sessions.record_failure(db, name, now(), int(cfg["LOGIN_LOCK_FAILURES"]), lock_for)
    if until is not None:
        return _locked(until, form)
    flash(str(WRONG), "error")
    return render_template("staff/login.html", form=form), 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """The sign-in form; a wrong name or password gets one generic message (401)."""
    form = LoginForm()
    if form.validate_on_submit():
        db, name = services().db, form.name.data.strip()
        until = sessions.locked_until(db, name, now())
        if until is not None:  # the password is not even looked at
            return _locked(until, form)
        staff = by_password(db, name, form.password.data)
        if staff is None:
            return _refuse(name, form.password.data, form)
        sessions.clear_failures(db, name)
        key = sessions.start_session(db, staff.name, now(), session_lifetime())
        login_user(Member(staff.name, staff.role, staff.lang, key))
        return redirect(_next_url())
    if request.method == "POST":
        return render_template("staff/login.html", form=form), 400
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out (a form post, so it carries the CSRF token): the session ends on the server."""
    if PostForm().validate_on_submit():
        if current_user.is_authenticated:
            sessions.end_session(services().db, member().key)
        logout_user()
        flash(_("Signed out."), "info")
    return redirect(url_for("auth.login"))
