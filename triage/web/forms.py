"""The public pages' forms (Flask-WTF: every form carries its CSRF token), messages translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from triage.desk.validation import LIMITS
from triage.web.validation import TextForm

EMAIL = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"


def _required():
    return DataRequired(message=_l("This field is required."))


def _max(n: int):
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class QuestionForm(TextForm):
    """The question on Ask support."""

    question = TextAreaField(
        _l("Your question"), validators=[_required(), _max(LIMITS["question"])]
    )
    sid = HiddenField(validators=[Optional(), _max(LIMITS["session"])])
    came_from = HiddenField(validators=[Optional(), _max(200)])
    lang = HiddenField(validators=[Optional(), _max(8)])


class AnswerForm(TextForm):
    """ "Yes, this solved it" / "No" about one suggested article."""

    sid = HiddenField(validators=[_required(), _max(LIMITS["session"])])
    article = HiddenField(validators=[_required(), _max(LIMITS["article"])])
    answer = HiddenField(validators=[Optional()])
    lang = HiddenField(validators=[Optional(), _max(8)])


class TicketForm(TextForm):
    """The ticket form: the mandatory intake fields and the priority the customer believes."""

    sid = HiddenField(validators=[Optional(), _max(LIMITS["session"])])
    lang = HiddenField(validators=[Optional(), _max(8)])
    subject = StringField(_l("Subject"), validators=[Optional(), _max(LIMITS["subject"])])
    module = StringField(_l("Product module"), validators=[_required(), _max(LIMITS["module"])])
    version = StringField(_l("Version"), validators=[_required(), _max(LIMITS["version"])])
    description = TextAreaField(
        _l("What happened"), validators=[_required(), _max(LIMITS["description"])]
    )
    steps = TextAreaField(_l("Steps to reproduce"), validators=[_required(), _max(LIMITS["steps"])])
    contact = StringField(
        _l("Your email"),
        validators=[
            _required(),
            _max(LIMITS["contact"]),
            Regexp(EMAIL, message=_l("Enter an email address such as name@example.com.")),
        ],
    )
    priority = SelectField(_l("How urgent is it for you?"), validators=[_required()])


class ReplyForm(TextForm):
    """The customer's reply on the ticket status page."""

    token = HiddenField(validators=[_required(), _max(LIMITS["token"])])
    lang = HiddenField(validators=[Optional(), _max(8)])
    message = TextAreaField(_l("Your reply"), validators=[_required(), _max(LIMITS["message"])])
