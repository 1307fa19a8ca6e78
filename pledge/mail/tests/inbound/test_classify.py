"""The classifier's rules, one small hand-made message each."""

from __future__ import annotations

from pledge.mail.inbound.classify import Classification, classify

DSN = b"""From: MAILER-DAEMON@mx.example.net
To: bounces+tok123@mail.example.com
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; Gone.Person@Some-Host.example
Action: failed
Status: %(status)s
Diagnostic-Code: smtp; %(diagnostic)s

--b--
"""


def dsn(status: str, diagnostic: str) -> bytes:
    return DSN % {b"status": status.encode(), b"diagnostic": diagnostic.encode()}


def test_user_unknown_report_is_a_hard_bounce_naming_the_recipient_and_token() -> None:
    result = classify(dsn("5.1.1", "550 5.1.1 User unknown"))

    assert result == Classification(
        "bounce-hard",
        "RFC 3464 delivery-status: 5.1.1 user unknown",
        ("gone.person@some-host.example",),
        "5.1.1",
        "tok123",
    )


def test_mailbox_full_report_is_a_soft_bounce() -> None:
    result = classify(dsn("5.2.2", "552 5.2.2 Mailbox full"))

    assert (result.kind, result.status) == ("bounce-soft", "5.2.2")


def test_delay_warning_is_a_soft_bounce() -> None:
    result = classify(dsn("4.4.7", "421 4.4.7 Delivery time expired"))

    assert result.kind == "bounce-soft"


def test_verp_token_comes_from_the_envelope_recipient() -> None:
    raw = b"From: someone@example.org\nTo: support@example.com\nSubject: hi\n\nHello\n"

    result = classify(raw, ["bounces+abc.DEF-1@mail.example.com"])

    assert (result.kind, result.verp_token) == ("human", "abc.DEF-1")


def test_verp_token_comes_from_delivered_to() -> None:
    raw = b"Delivered-To: bounces+t9@mail.example.com\nFrom: a@example.org\n\nHello\n"

    result = classify(raw)

    assert result.verp_token == "t9"


def test_feedback_report_is_a_complaint() -> None:
    raw = (
        b"From: fbl@isp.example\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nA complaint\n"
        b"--x\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n\n--x--\n"
    )

    result = classify(raw)

    assert result.kind == "complaint"


def test_auto_submitted_no_is_mail_from_a_person() -> None:
    raw = b"From: a@example.org\nAuto-Submitted: no\nSubject: Question\n\nHello\n"

    result = classify(raw)

    assert result.kind == "human"


def test_out_of_office_subject_is_an_auto_reply() -> None:
    raw = b"From: a@example.org\nSubject: Out of Office: your order\n\nBack Monday\n"

    result = classify(raw)

    assert result.kind == "auto-reply"


def test_verify_you_are_human_request_is_a_challenge_not_a_bounce() -> None:
    raw = dsn("5.0.0", "550 Please verify you are human at https://challenge.example/")

    result = classify(raw)

    assert (result.kind, result.recipients) == ("challenge-response", ())


def test_unreadable_message_is_kept_as_human_mail() -> None:
    result = classify(b"\x00\xff\r\r:\n--\n")

    assert result.kind == "human"


def test_person_writing_challenge_words_reaches_support_as_human_mail() -> None:
    raw = (
        b"From: buyer@example.org\nTo: support@example.com\nSubject: Order\n\n"
        b"My order requires confirmation; am I on the guest list?\n"
    )

    result = classify(raw)

    assert result.kind == "human"


def test_reply_about_vacation_plans_is_human_mail() -> None:
    raw = b"From: a@example.org\nSubject: Re: vacation plans\n\nSee you in May\n"

    result = classify(raw)

    assert result.kind == "human"


# flufl.bounce's pattern detector finds this report but drops two@my-host.example.
FAILED_LIST = b"""From: postmaster@relay.example.net
To: bounces+s1@mail.example.com
Subject: Returned mail

Here is your list of failed recipients:
<one@example.org>
<two@my-host.example>
Here is your returned mail.
"""


def test_bounce_keeps_the_recipient_whose_domain_has_a_hyphen() -> None:
    result = classify(FAILED_LIST)

    assert (result.kind, result.recipients, result.verp_token) == (
        "bounce-soft",
        ("one@example.org", "two@my-host.example"),
        "s1",
    )
