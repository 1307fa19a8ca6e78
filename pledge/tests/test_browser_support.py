"""C11 in a real browser: a customer mails support, customer service answers in the admin.

The customer's mail arrives over LMTP at the listener of ``pledge mail serve``; the
acknowledgement and the answer leave through the worker over SMTP to an aiosmtpd
sink; the answer is threaded under the customer's mail, and the customer's reply to
it lands in the same ticket. A marketing user is refused the ticket. Debian's
chromium, driven by Playwright; screenshots under test-artifacts/.
"""

from __future__ import annotations

import smtplib  # noqa: TID251 - a real LMTP client, as the mail server is
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from pledge.mail.delivery import deliver_due
from pledge.mail.inbound.lmtp import start
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role
from pledge.support.models import Ticket
from pledge.support.tests.conftest import SUPPORT, customer_mail, settled, stop

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "support desk password 2026"
QUESTION = (
    "Hello,\n\nContactGenie 6.2 stops at the splash screen since yesterday's update.\n"
    "The error log is attached.\n\nAda\n\n"
    "On Mon, 2 Mar 2026, ContactGenie <news@claxton.localhost> wrote:\n"
    "> Version 6.2 is out: faster search and a new address book.\n"
    "> Update from the Help menu.\n"
)


@pytest.fixture
def base(live_server: Any, settings: Any, policy: Any) -> str:
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    return f"http://contactgenie.localhost:{settings.PUBLIC_PORT}"


@pytest.fixture
def lmtp(policy: Any) -> Any:
    listener = start("127.0.0.1", 0)
    yield listener
    stop(listener)


def _staff(role: str) -> Person:
    person = Person.objects.create_user(
        f"{role}@claxton.localhost",
        STAFF_PASSWORD,
        point="staff",
        name={"customer_service": "Chris Desk", "marketing": "Mo Market"}[role],
        email_verified_at=timezone.now(),
    )
    assign_role(person, role, by=None)
    return person


def _send_in(lmtp: Any, message: EmailMessage) -> None:
    with smtplib.LMTP("127.0.0.1", lmtp.port) as client:
        client.sendmail("ada@example.com", [SUPPORT], message.as_bytes())
    settled(lmtp)


def _sign_in(page: Any, base: str, email: str, then: str) -> None:
    page.goto(f"{base}/account/sign-in/?next={then}")
    page.get_by_label("Email address").fill(email)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_customer_mails_support_staff_answer_in_the_admin_the_thread_holds(
    page: Any, chromium: Any, base: str, lmtp: Any, smtp_sink: Any
) -> None:
    agent = _staff("customer_service")
    _staff("marketing")

    # The customer writes to support over LMTP; the ticket opens and is acknowledged.
    question = customer_mail(
        subject="ContactGenie will not start",
        text=QUESTION,
        attachments=[("error log.txt", "text/plain", b"0x80070005 access denied\n")],
    )
    _send_in(lmtp, question)
    deliver_due()
    ticket = Ticket.objects.get()
    ack = smtp_sink.messages[-1].message
    assert ack["Subject"] == f"Re: ContactGenie will not start [{ticket.reference}]"
    assert ack["Auto-Submitted"] == "auto-replied"

    # Customer service finds it in the admin and reads it, quoted text folded.
    _sign_in(page, base, agent.email, "/staff/support/ticket/")
    page.get_by_role("link", name=ticket.reference).click()
    page.wait_for_load_state()
    quoted = page.locator("details.support-quoted")
    assert quoted.get_attribute("open") is None
    assert not page.get_by_text("Version 6.2 is out").is_visible()
    assert page.get_by_text("error log.txt").is_visible()
    screenshot(page, "support-01-ticket")
    quoted.locator("summary").click()
    assert page.get_by_text("Version 6.2 is out").is_visible()

    # ... and answers it.
    page.get_by_label("Your reply").fill(
        "Hello Ada,\n\nPlease run Repair from the Help menu, then start ContactGenie again."
    )
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Your reply to {ticket.reference} is on its way.").is_visible()

    # The answer arrives by mail, in the customer's thread, from the support address.
    deliver_due()
    answer = smtp_sink.messages[-1].message
    assert smtp_sink.messages[-1].rcpt_tos == ["ada@example.com"]
    assert answer["From"].addresses[0].addr_spec == SUPPORT
    assert answer["Subject"] == f"Re: ContactGenie will not start [{ticket.reference}]"
    assert answer["In-Reply-To"] == question["Message-ID"]
    assert answer["References"] == question["Message-ID"]
    assert answer.get_body(("plain",)).get_content().startswith("Hello Ada,")

    # The customer's reply to the answer lands in the same ticket.
    _send_in(
        lmtp,
        customer_mail(
            subject=f"Re: {answer['Subject']}",
            text="That worked, thank you!\n\nOn Tue, Customer service wrote:\n> Please run Repair\n",
            in_reply_to=answer["Message-ID"],
            references=f"{answer['References']} {answer['Message-ID']}",
        ),
    )
    page.reload()
    assert page.get_by_text("That worked, thank you!").is_visible()
    assert page.locator(".support-state").inner_text() == "waiting on us"
    screenshot(page, "support-02-answered")
    assert page.console_errors == []  # no CSP violation
    assert [m.kind for m in Ticket.objects.get().messages.all()] == [
        "mail",
        "acknowledgement",
        "reply",
        "mail",
    ]

    # Marketing may not open it, and that leaves no read in the trail.
    reads = AuditEvent.objects.filter(action="staff.view").count()
    other = chromium.new_context()
    marketer = other.new_page()
    _sign_in(marketer, base, "marketing@claxton.localhost", "/staff/")
    response = marketer.goto(f"{base}/staff/support/ticket/{ticket.pk}/change/")
    assert response.status == 403
    screenshot(marketer, "support-03-marketing-refused")
    other.close()
    assert AuditEvent.objects.filter(action="staff.view").count() == reads
