"""C2 end to end over real SMTP: register, receive the mail, follow its link, sign in."""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent

from .conftest import PASSWORD


def test_verification_mail_over_smtp(client, register, smtp_sink, mail_link, sign_in):
    register("ada@example.com")

    deliver_due()
    [received] = smtp_sink.messages
    text = received.message.get_body(("plain",)).get_content()
    link = mail_link(text, "verify")
    shown = client.get(link)
    unverified = Person.objects.get().email_verified_at
    confirmed = client.post(link)
    signed_in = sign_in("ada@example.com", PASSWORD)

    person = Person.objects.get()
    assert received.rcpt_tos == ["ada@example.com"]
    assert received.message["Subject"] == "Confirm your email address for ContactGenie"
    assert OutboundMessage.objects.get().status == OutboundMessage.Status.SENT
    assert (shown.status_code, unverified) == (200, None)
    assert confirmed["Location"] == reverse("people:login")
    assert person.email_verified_at is not None
    assert signed_in["Location"] == reverse("people:account")
    assert client.session[SESSION_KEY] == str(person.pk)
    assert list(
        AuditEvent.objects.filter(action__startswith="person.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["person.register", "person.verify_email", "person.sign_in"]
