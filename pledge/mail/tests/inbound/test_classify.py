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


def test_remote_servers_own_policy_code_outweighs_the_reports_unknown_address() -> None:
    raw = dsn("5.0.0", "5.1.0 - Unknown address error 550-'5.7.1 <x@example.org>... Access denied'")

    result = classify(raw)

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "RFC 3464 delivery-status: the remote server's own code 5.7.1: "
        "refused for the message, not the address",
    )


def test_policy_code_beside_mailbox_gone_words_stays_hard() -> None:
    raw = dsn("5.0.0", "553 sorry, badrcptto(user mail-box not found) (#5.7.1)")

    result = classify(raw)

    assert result.kind == "bounce-hard"


def test_blocklist_reply_outweighs_an_address_code_on_the_report() -> None:
    raw = dsn("5.1.3", "553 http://www.spamhaus.org/query/bl?ip=192.0.2.222 blocked")

    result = classify(raw)

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "RFC 3464 delivery-status: the remote server said 'spam'",
    )


TRANSCRIPT = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>
To: bounces+t1@mail.example.com
Subject: Returned mail: see transcript for details

   ----- The following addresses had permanent fatal errors -----
<gone@example.org>
    (reason: 550 Unknown user gone@example.org)

   ----- Transcript of session follows -----
... while talking to mx.example.org.:
%s
"""


def test_user_unknown_in_answer_to_data_is_a_filter_so_soft() -> None:
    raw = (
        TRANSCRIPT
        % b">>> DATA\n<<< 550 Unknown user gone@example.org\n554 5.0.0 Service unavailable"
    )

    result = classify(raw)

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "flufl.bounce detector: refused after DATA: the recipient was accepted, a filter said no",
    )


def test_pipelined_rcpt_refusal_printed_after_data_stays_hard() -> None:
    raw = TRANSCRIPT % (
        b">>> DATA\n<<< 550 5.1.1 <gone@example.org>... User unknown\n"
        b"<<< 503 5.0.0 Need RCPT (recipient)"
    )

    result = classify(raw)

    assert result.kind == "bounce-hard"


def test_failed_local_delivery_program_is_soft() -> None:
    raw = dsn("5.1.1", "x-unix; procmail: Couldn't create /var/spool/mail/neko: No such user")

    result = classify(raw)

    assert result.kind == "bounce-soft"


def test_not_enough_disk_space_anywhere_in_the_report_is_soft() -> None:
    raw = dsn("5.1.1", "550 5.1.1 User unknown").replace(
        b"Your message could not be delivered.", b"Rejected: Not enough disk space"
    )

    result = classify(raw)

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "RFC 3464 delivery-status: not enough disk space: the mailbox exists",
    )


NO_CODE = b"""From: MAILER-DAEMON@gw.example.net
To: bounces+t2@mail.example.com
Subject: Message status - undeliverable

The message that you sent was undeliverable to the following:
\tgone@example.org (%s)
"""


def test_mailbox_unknown_without_any_smtp_code_is_soft() -> None:
    result = classify(NO_CODE % b"user not found")

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "bounce wording: mailbox unknown, said without any SMTP code",
    )


def test_dead_domain_without_any_smtp_code_is_hard() -> None:
    result = classify(NO_CODE % b"host or domain name not found")

    assert result.kind == "bounce-hard"


def test_content_filter_gateways_no_such_user_is_soft() -> None:
    raw = b"X-Mailer: SurfControl E-mail Filter\n" + dsn(
        "5.0.0", "550 gone@example.org... No such user"
    )

    result = classify(raw)

    assert (result.kind, result.reason) == (
        "bounce-soft",
        "RFC 3464 delivery-status: said by the SurfControl content filter, not the mailbox",
    )
