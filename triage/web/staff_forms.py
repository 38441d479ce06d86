"""The staff console's forms: each a TextForm (a FlaskForm), so every post has a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from triage.desk.intake import LIMITS
from triage.desk.lifecycle import ACTIONS
from triage.desk.users import MAX_PASSWORD, MIN_PASSWORD
from triage.web.validation import TextForm

try:  # WTForms >= 3.3 wants SelectChoice; older releases take (value, label) tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def options(pairs) -> list:
    """Select options from (value, label) pairs, in the form this WTForms expects."""
    pairs = [(p, p.replace("_", " ")) if isinstance(p, str) else p for p in pairs]
    return [SelectChoice(v, label) if SelectChoice else (v, label) for v, label in pairs]


REASON = [DataRequired(_l("A reason is required.")), Length(max=2000)]
MESSAGE = [DataRequired(_l("The message must not be empty.")), Length(max=20000)]


class LoginForm(TextForm):
    """Sign in with name and password."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Sign in"))


class PasswordSetForm(TextForm):
    """An admin sets a member's password (typed twice)."""

    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=_l("Between %(min)d and %(max)d characters."),
            ),
        ],
    )
    confirm = PasswordField(
        _l("The same again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class PostForm(TextForm):
    """A button that only posts (logout, assign to me): the CSRF token is the whole form."""

    submit = SubmitField(_l("Go"))


class NoteForm(TextForm):
    """An internal note, or a reply the customer sees."""

    message = TextAreaField(_l("Message"), validators=MESSAGE)
    submit = SubmitField(_l("Add"))


class AskInfoForm(TextForm):
    """Ask the customer for information: the ticket waits on them, its clock pauses."""

    message = TextAreaField(_l("Message to the customer"), validators=MESSAGE)
    submit = SubmitField(_l("Ask for information"))


class AnswerForm(TextForm):
    """Answer with a suggested article: its link goes to the customer, the ticket is resolved."""

    url = HiddenField(validators=[DataRequired(), Length(max=500), Regexp(r"^/?[\w./-]*$")])
    title = HiddenField(validators=[DataRequired(), Length(max=300)])
    article = HiddenField(validators=[Optional(), Length(max=200), Regexp(r"^[\w.-]+$")])
    lang = HiddenField(validators=[Optional(), Length(max=8), Regexp(r"^[a-z]{2,3}(-\w+)?$")])
    submit = SubmitField(_l("Answer with this article"))


class StatusForm(TextForm):
    """A lifecycle action with its reason (a coded one for defer and decline)."""

    action = SelectField(_l("Action"), choices=options(ACTIONS))
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    coded_reason = SelectField(
        _l("Reason code"), choices=options([("", "")]), validate_choice=False
    )
    submit = SubmitField(_l("Apply"))


class EscalateForm(TextForm):
    """Move the ticket one line up or down, with a reason."""

    direction = SelectField(
        _l("Direction"), choices=options([("up", _l("Escalate")), ("down", _l("De-escalate"))])
    )
    reason = StringField(_l("Reason"), validators=REASON)
    submit = SubmitField(_l("Move"))


class ClassForm(TextForm):
    """Correct the request class (the ticket moves to the class's line)."""

    value = SelectField(_l("Class"), validate_choice=False)
    reason = StringField(_l("Reason"), validators=REASON)
    submit = SubmitField(_l("Correct class"))


class PriorityForm(TextForm):
    """Correct the priority; the reason is shown to the customer."""

    value = SelectField(_l("Priority"), validate_choice=False)
    reason = StringField(_l("Reason (shown to the customer)"), validators=REASON)
    submit = SubmitField(_l("Correct priority"))


class PhoneTicketForm(TextForm):
    """A request taken on the phone: the intake fields, filed with channel ``phone``."""

    contact = StringField(
        _l("Caller's contact (email or phone)"), validators=[DataRequired(), Length(max=320)]
    )
    module = StringField(_l("Module"), validators=[Length(max=LIMITS["module"])])
    version = StringField(_l("Version"), validators=[Length(max=LIMITS["version"])])
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(), Length(max=LIMITS["description"])]
    )
    steps = TextAreaField(_l("Steps to reproduce"), validators=[Length(max=LIMITS["steps"])])
    lang = SelectField(_l("Language"), validate_choice=False)
    priority = SelectField(_l("Priority the caller gives"), validate_choice=False)
    submit = SubmitField(_l("File ticket"))
