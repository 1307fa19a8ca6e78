"""Property test: over random histories, no mail reaches anyone the gate refuses when it is sent.

Histories mix what people and staff do with the worker: people join the list by
the real double opt-in, leave by the link's button or the RFC 8058 one-click POST,
deactivate or erase their account; a new policy version adds a use; newsletters
and mail for the new use are queued for everyone between steps (to plant what
could leak), and the worker delivers to a real SMTP server at random points.

Each message the server receives is checked against two answers taken just
before the pass that sent it (nothing changes during a pass): the gate's, and
the statement's, from the history alone (``Model.may``). People also leave by
mailing the List-Unsubscribe address of a mail they got, and an address can
hard-bounce (a delivery report to the VERP return path of a mail sent to it);
both go in through the inbound intake, as the mail server would hand them over.
"""

from __future__ import annotations

import copy
import uuid

from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pledge.mail.delivery import deliver_due
from pledge.mail.inbound.intake import receive
from pledge.mail.lists import confirm_subscription, request_subscription
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import unsubscribe_token
from pledge.mail.transport import return_path, unsubscribe_address
from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.declaration import Declaration
from pledge.policy.loaded import configured_declaration
from pledge.policy.versions import publish_version
from pledge.rights.deactivation import deactivate_person
from pledge.rights.erasure import erase_person

# A use the second policy version adds: service basis, so people whose data was
# collected before it are not mailed for it without their yes (C22).
TIPS = {
    "label": "Tips",
    "description": "Tips on using the products you own",
    "use": "marketing.communications.email",
    "basis": "service",
    "contact": True,
    "transactional": False,
    "categories": ["user.name", "user.contact.email"],
}

person_ops = st.tuples(
    st.sampled_from(
        [
            "join",
            "leave_by_link",
            "leave_by_one_click",
            "leave_by_mail",
            "hard_bounce",
            "deactivate",
            "erase",
        ]
    ),
    st.integers(0, 3),
)
ops = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["register", "publish_tips", "newsletter", "tips", "deliver"])),
        person_ops,
    ),
    min_size=1,
    max_size=12,
)


class Model:
    """What happened, in the statement's terms."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.status: dict[int, str] = {}
        self.on_list: set[int] = set()
        self.tips_declared = False
        self.collected_with_tips: set[int] = set()
        self.hard_bounced: set[int] = set()

    def may(self, pk: int, purpose: str) -> bool:
        """May ``pk`` be mailed for ``purpose`` now, from the history alone?"""
        if self.status[pk] != "active" or pk in self.hard_bounced:
            return False
        if purpose == "newsletter":
            return pk in self.on_list
        if purpose == "tips":
            return self.tips_declared and pk in self.collected_with_tips
        return purpose == "list_confirmation"


def _leave(path: str, *, one_click: bool) -> None:
    # As a mail program sends it: no cookie, no CSRF token; or the page's button.
    browserless = Client(enforce_csrf_checks=one_click)
    if one_click:
        body = "List-Unsubscribe=One-Click"
        response = browserless.post(path, body, content_type="application/x-www-form-urlencoded")
    else:
        response = browserless.post(path)
    assert response.status_code == 200


def _leave_by_mail(person: Person) -> bool:
    """Mail the List-Unsubscribe address of a newsletter written to the person; False if none.

    The newest one sent, else the newest written (its token names the list all the
    same). Each mail has a Message-ID of its own, as a mail program writes: the intake
    takes the same bytes with the same envelope for a retried delivery of one mail.
    """
    written = OutboundMessage.objects.filter(person=person, purpose="newsletter")
    mail = written.filter(status=OutboundMessage.Status.SENT).first() or written.first()
    if mail is None:
        return False
    to = unsubscribe_address(mail.token)
    raw = (
        f"From: {person.email}\nTo: {to}\nMessage-ID: <{uuid.uuid4()}@example.com>\n"
        "Subject: unsubscribe\n\nunsubscribe\n"
    ).encode()
    receive(raw, mail_from=person.email or "", recipients=[to], via="lmtp")
    return True


def _hard_bounce(person: Person) -> bool:
    """A user-unknown report on the last mail sent to the person; False if none was sent."""
    mail = OutboundMessage.objects.filter(person=person, status=OutboundMessage.Status.SENT).last()
    if mail is None:
        return False
    raw = (
        f"From: MAILER-DAEMON@mx.example.net\nTo: {return_path(mail.token)}\n"
        f"Message-ID: <{uuid.uuid4()}@mx.example.net>\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nNot delivered.\n\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
        f"Final-Recipient: rfc822; {mail.to_address}\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--b--\n"
    ).encode()
    receive(raw, mail_from="", recipients=[return_path(mail.token)], via="pipe")
    return True


def _join(person: Person, mail_link) -> None:
    if not request_subscription(person, "news", site="contactgenie"):
        return  # on the list already
    mail = OutboundMessage.objects.filter(person=person, purpose="list_confirmation").latest("pk")
    token = resolve(mail_link(mail.body_text, "lists:confirm")).kwargs["token"]
    confirm_subscription(token, site="contactgenie")


def _deliver(model: Model, sink) -> None:
    """Run the worker until nothing is due; every message sent must have been allowed."""
    people = [p for p in model.people if model.status[p.pk] != "erased"]
    purposes = ("newsletter", "tips", "list_confirmation")
    for person in people:
        person.refresh_from_db()
    gate_allows = {
        (p.pk, purpose)
        for p in people
        for purpose in purposes
        if (purpose != "tips" or model.tips_declared) and gate.allows(p, purpose)
    }
    statement_allows = {
        (p.pk, purpose) for p in people for purpose in purposes if model.may(p.pk, purpose)
    }
    queued = set(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).values_list(
            "person_id", "purpose"
        )
    )
    before = len(sink.messages)
    while deliver_due().deliveries:
        pass
    sent_ids = [received.message["Message-ID"] for received in sink.messages[before:]]
    sent = set(
        OutboundMessage.objects.filter(message_id__in=sent_ids).values_list("person_id", "purpose")
    )
    assert len(sent_ids) == len(set(sent_ids))
    assert sent - gate_allows == set()
    assert sent - statement_allows == set()
    # And nothing allowed is held back: what is sent is exactly what may be.
    assert sent == queued & statement_allows


def apply(model: Model, op: tuple, sink, queue_notice, mail_link) -> None:
    kind = op[0]
    if kind == "register":
        n = len(model.people)
        person = Person.objects.create_user(f"p{n}@example.com", name=f"P {n}")
        person.email_verified_at = person.date_joined
        person.save(update_fields=["email_verified_at"])
        model.people.append(person)
        model.status[person.pk] = "active"
        if model.tips_declared:
            model.collected_with_tips.add(person.pk)
    elif kind == "publish_tips":
        if not model.tips_declared:
            data = copy.deepcopy(configured_declaration().data)
            data["purposes"]["tips"] = TIPS
            publish_version(Declaration(data=data, source="property"))
            model.tips_declared = True
    elif kind in ("newsletter", "tips"):
        if kind == "tips" and not model.tips_declared:
            return
        for person in model.people:
            if model.status[person.pk] != "erased":
                person.refresh_from_db()
                queue_notice(person, purpose="newsletter" if kind == "newsletter" else "tips")
    elif kind == "deliver":
        _deliver(model, sink)
    elif model.people:
        person = model.people[op[1] % len(model.people)]
        if kind != "join":
            # Plant what could leak: mail queued while allowed, about to be refused.
            apply(model, ("newsletter",), sink, queue_notice, mail_link)
            apply(model, ("tips",), sink, queue_notice, mail_link)
        person.refresh_from_db()
        status = model.status[person.pk]
        if kind == "join" and status == "active":
            _join(person, mail_link)
            model.on_list.add(person.pk)
        elif kind in ("leave_by_link", "leave_by_one_click"):
            path = reverse("lists:unsubscribe", args=[unsubscribe_token(person.pk, "newsletter")])
            _leave(path, one_click=kind == "leave_by_one_click")
            model.on_list.discard(person.pk)
        elif kind == "leave_by_mail":
            apply(model, ("deliver",), sink, queue_notice, mail_link)  # a mail to answer
            if _leave_by_mail(person):
                event("left by mail")
                model.on_list.discard(person.pk)
        elif kind == "hard_bounce" and status != "erased":
            if status == "active":
                queue_notice(person, purpose="list_confirmation")  # a mail to bounce
            apply(model, ("deliver",), sink, queue_notice, mail_link)
            if _hard_bounce(person):
                event("hard bounced")
                model.hard_bounced.add(person.pk)
        elif kind == "deactivate" and status == "active":
            deactivate_person(person, via="test")
            model.status[person.pk] = "deactivated"
        elif kind == "erase" and status != "erased":
            erase_person(person, via="test")
            model.status[person.pk] = "erased"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=ops)
def test_no_mail_reaches_anyone_the_gate_refuses_at_send_time(
    history, db, smtp_sink, queue_notice, mail_link
):
    cache.clear()  # the subscription rate limit counts across examples otherwise
    smtp_sink.messages.clear()
    with transaction.atomic():
        publish_version(configured_declaration())
        model = Model()
        apply(model, ("register",), smtp_sink, queue_notice, mail_link)
        for op in history:
            apply(model, op, smtp_sink, queue_notice, mail_link)
        apply(model, ("newsletter",), smtp_sink, queue_notice, mail_link)
        apply(model, ("deliver",), smtp_sink, queue_notice, mail_link)
        queued = OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).count()
        transaction.set_rollback(True)
    assert queued == 0
