"""Reading mail without a server: HTML to text, quotes, refs, fields, and what is refused."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from triage.channels.mailparse import (
    Limits,
    Refused,
    find_ref,
    html_to_text,
    intake_fields,
    parse_mail,
    strip_quoted,
)


def message(**headers) -> EmailMessage:
    """A plain-text mail from ann with the given headers."""
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Ann <Ann@Example.com>")
    msg["To"] = "support@frontline.test"
    msg["Subject"] = headers.pop("Subject", "Cannot sign in")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content("Since this morning the portal rejects my password.\n")
    return msg


def test_html_becomes_text_with_line_breaks_and_no_script():
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        "<p>Hello,</p><p>the <b>portal</b> says&nbsp;&lt;error 500&gt;.<br>Since 9:00.</p>"
        "<script>alert('x')</script><ul><li>step one</li><li>step two</li></ul></body></html>"
    )
    assert html_to_text(html) == (
        "Hello,\n\nthe portal says <error 500>.\nSince 9:00.\n\n- step one\n\n- step two"
    )


@pytest.mark.parametrize(
    "quote_head",
    ["On Mon, 23 Nov 2026 at 10:00, Support <support@x> wrote:", "Am 23.11.2026 schrieb Support:",
     "23.11.2026 Support пишет:", "-----Original Message-----"],
)  # fmt: skip
def test_quoted_text_is_cut(quote_head):
    reply = f"Version 2.3, module Accounts.\n> old line\n\n{quote_head}\n> Hello,\n> we need..."
    assert strip_quoted(reply) == "Version 2.3, module Accounts."


def test_ref_and_fields():
    assert find_ref("Re: [SUP-000123] Cannot sign in", "SUP") == "SUP-000123"
    assert find_ref("Re: [ sup-000123 ] x", "SUP") == "SUP-000123"
    assert find_ref("SUP-000123 without brackets", "SUP") is None
    assert find_ref("[ABC-000001]", "SUP") is None
    text = "Hi\nModule: Compute\nВерсия: 4.2\nversion: 9"
    assert intake_fields(text) == {"module": "Compute", "version": "4.2"}


def test_parse_plain_mail():
    mail = parse_mail(message().as_bytes())
    assert (mail.sender, mail.subject, mail.message_id) == (
        "ann@example.com", "Cannot sign in", "<m1@example.com>",
    )  # fmt: skip
    assert mail.text.startswith("Since this morning") and not mail.automatic
    assert parse_mail(message().as_bytes()).key == mail.key
    assert parse_mail(message(Message_ID="<m2@example.com>").as_bytes()).key != mail.key


def test_auto_replies_are_marked():
    assert parse_mail(message(Auto_Submitted="auto-replied").as_bytes()).automatic
    assert parse_mail(message(Precedence="bulk").as_bytes()).automatic


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"this is not an email at all", "554 5.6.0"),
        (b"From: =?utf-8?q?broken\r\nSubject: x\r\n\r\nbody\r\n", "550 5.1.7"),
        (b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n", "554 5.6.0"),
        (b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\nnone\r\n",
         "554 5.6.0"),
        (b"From: a@b.example\r\nSubject: \r\n\r\n\r\n", "554 5.6.0"),
    ],
)  # fmt: skip
def test_malformed_is_refused(raw, code):
    with pytest.raises(Refused) as err:
        parse_mail(raw)
    assert err.value.reply.startswith(code)


def test_attachment_limits():
    msg = message()
    for i in range(3):
        msg.add_attachment(b"x" * 100, maintype="text", subtype="plain", filename=f"../log{i}.txt")
    mail = parse_mail(msg.as_bytes(), Limits(max_attachments=3, max_attachment_bytes=100))
    assert [p.filename for p in mail.attachments] == ["log0.txt", "log1.txt", "log2.txt"]
    for limits, text in ((Limits(max_attachments=2), "More than 2 attachments"),
                         (Limits(max_attachment_bytes=99), "larger than")):  # fmt: skip
        with pytest.raises(Refused) as err:
            parse_mail(msg.as_bytes(), limits)
        assert err.value.reply.startswith("552 5.3.4") and text in err.value.reply
    with pytest.raises(Refused, match="552 5.3.4 Message too big"):
        parse_mail(msg.as_bytes(), Limits(max_bytes=500))
