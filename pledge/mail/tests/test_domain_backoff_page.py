"""Staff see the destination domains backing off, and mail staff try one again (issue 7).

The backoff rows are made by the worker's own ``back_off`` (or by a real 421 from
the SMTP sink); the page is the staff admin's, as each role sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pledge.mail.backoff import TRY_NOW
from pledge.mail.delivery import back_off, deliver_due
from pledge.mail.models import DomainBackoff, OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.staff.roles import assign_role, sync_roles

LIST = "/staff/mail/domainbackoff/"
OUTBOX = "/staff/mail/outboundmessage/"
THROTTLED = "421 4.7.0 Too many messages, slow down"
SEE_ONLY = ("billing_clerk", "customer_service", "privacy_officer")
MAIL_STAFF = ("marketing", "administrator")


@pytest.fixture
def make_staff(make_person: Callable[..., Person]) -> Callable[[str], Person]:
    sync_roles()

    def make(role: str) -> Person:
        person = make_person(f"{role}@claxton.localhost", name=f"{role} staff", point="staff")
        assign_role(person, role, by=None)
        return person

    return make


def _time_passes(seconds: int) -> None:
    """Move every wait ``seconds`` into the past: the domains' and the messages'."""
    gone = timedelta(seconds=seconds)
    DomainBackoff.objects.update(until=F("until") - gone)
    OutboundMessage.objects.update(next_attempt_at=F("next_attempt_at") - gone)


def _try_now_url(domain: str) -> str:
    return reverse(
        "admin:mail_domainbackoff_try_now", args=[DomainBackoff.objects.get(domain=domain).pk]
    )


def _everything() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """The backoff rows, the outbox rows and the audit trail's length, to compare."""
    backoffs = list(DomainBackoff.objects.order_by("pk").values_list())
    messages = list(
        OutboundMessage.objects.order_by("pk").values_list(
            "pk", "status", "next_attempt_at", "attempts", "leased_by"
        )
    )
    return backoffs, messages, AuditEvent.objects.count()


@pytest.fixture
def two_domains(make_person: Callable[..., Person], queue_notice: Callable[..., Any]) -> None:
    """busy.example: 450 twice in a row, 3 queued (and one sent, one failed, not waiting);
    slow.example: 421 once, 1 queued; calm.example: queued, not backing off."""
    for n in range(3):
        queue_notice(make_person(f"b{n}@busy.example"))
    for status in (OutboundMessage.Status.SENT, OutboundMessage.Status.FAILED):
        done = queue_notice(make_person(f"{status}@busy.example"))
        OutboundMessage.objects.filter(pk=done.pk).update(status=status)
    queue_notice(make_person("s0@slow.example"))
    queue_notice(make_person("c0@calm.example"))
    back_off("busy.example", 450, timezone.now())
    _time_passes(61)
    back_off("busy.example", 450, timezone.now())
    back_off("slow.example", 421, timezone.now())


def test_mail_staff_see_each_domain_backing_off_with_the_mail_waiting_for_it(
    client, make_staff, two_domains
):
    client.force_login(make_staff("marketing"))

    response = client.get(LIST)

    rows = [
        (b.domain, b.waiting, b.failures, b.last_code) for b in response.context["cl"].result_list
    ]
    assert rows == [("busy.example", 3, 2, 450), ("slow.example", 1, 1, 421)]
    html = response.content.decode()
    assert html.count("Try now</button>") == 2
    assert '450<br><span class="quiet">mailbox unavailable</span>' in html
    assert '421<br><span class="quiet">service not available</span>' in html
    assert "calm.example" not in html


def test_the_newest_wait_comes_first_among_domains_holding_up_as_much_mail(
    client, make_staff, make_person, queue_notice
):
    for domain in ("old.example", "new.example"):
        queue_notice(make_person(f"a@{domain}"))
    back_off("old.example", 421, timezone.now() - timedelta(seconds=30))
    back_off("new.example", 421, timezone.now())
    client.force_login(make_staff("customer_service"))

    response = client.get(LIST)

    assert [b.domain for b in response.context["cl"].result_list] == [
        "new.example",
        "old.example",
    ]


def test_the_list_reads_the_same_queries_for_one_domain_or_three(
    client, make_staff, make_person, queue_notice
):
    client.force_login(make_staff("marketing"))
    counts = []
    for domain in ("a.example", "b.example", "c.example"):
        queue_notice(make_person(f"x@{domain}"))
        back_off(domain, 421, timezone.now())
        if domain == "b.example":
            continue
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", SEE_ONLY)
def test_other_staff_see_the_list_read_only_and_may_not_try_a_domain(
    client, make_staff, two_domains, role
):
    client.force_login(make_staff(role))
    before = _everything()

    page = client.get(LIST)
    tried = client.post(_try_now_url("busy.example"))

    assert page.status_code == 200
    assert [b.domain for b in page.context["cl"].result_list] == ["busy.example", "slow.example"]
    assert "Try now" not in page.content.decode()
    assert tried.status_code == 403
    assert _everything() == before


def test_anyone_not_staff_is_sent_to_the_staff_login(client, make_person, two_domains):
    customer = make_person("customer@example.com")
    before = _everything()
    answers = []
    for who in (None, customer):
        if who is not None:
            client.force_login(who)
        page = client.get(LIST)
        tried = client.post(_try_now_url("busy.example"))
        answers.append((page.status_code, page["Location"].split("?")[0], tried.status_code))

    assert answers == [(302, "/staff/login/", 302)] * 2
    assert _everything() == before


def test_staff_without_a_role_that_sees_the_outbox_are_refused(client, make_person, two_domains):
    bare = make_person("bare@claxton.localhost", point="staff", is_staff=True)
    client.force_login(bare)
    before = _everything()

    page = client.get(LIST)
    tried = client.post(_try_now_url("busy.example"))

    assert (page.status_code, tried.status_code) == (403, 403)
    assert _everything() == before


@pytest.mark.parametrize("role", MAIL_STAFF)
def test_try_now_ends_the_wait_makes_the_backlog_due_and_is_audited(
    client, make_staff, two_domains, role
):
    staff = make_staff(role)
    client.force_login(staff)
    busy = DomainBackoff.objects.get(domain="busy.example")
    slow_before = list(DomainBackoff.objects.filter(domain="slow.example").values_list())
    statuses = dict(OutboundMessage.objects.values_list("pk", "status"))

    response = client.post(_try_now_url("busy.example"), follow=True)

    now = timezone.now()
    after = DomainBackoff.objects.get(pk=busy.pk)
    assert (after.until <= now, after.failures, after.last_code, after.since) == (
        True,
        busy.failures,
        busy.last_code,
        busy.since,
    )
    queued = OutboundMessage.objects.filter(recipient_domain="busy.example", status="queued")
    assert [row.next_attempt_at <= now for row in queued] == [True] * 3
    assert dict(OutboundMessage.objects.values_list("pk", "status")) == statuses
    assert list(DomainBackoff.objects.filter(domain="slow.example").values_list()) == slow_before
    slow_row = OutboundMessage.objects.get(recipient_domain="slow.example")
    assert slow_row.next_attempt_at > now
    audit = AuditEvent.objects.get(action=TRY_NOW)
    assert (audit.actor_id, audit.subject_id, audit.categories, audit.reason) == (
        staff.pk,
        None,
        [],
        "staff ended a domain's wait after 2 temporary failures in a row",
    )
    assert audit.detail == {
        "domain": "busy.example",
        "failures": 2,
        "last_code": 450,
        "since": busy.since.isoformat(),
        "was_until": busy.until.isoformat(),
        "messages": 3,
    }
    assert [str(m) for m in response.context["messages"]] == [
        "Ended the wait of busy.example: 3 queued messages will be tried at the worker's next pass."
    ]
    assert "at the worker&#x27;s next pass" in response.content.decode()


def test_after_try_now_the_next_pass_sends_each_waiting_message_once(
    client, make_staff, make_person, queue_notice, smtp_sink, settings
):
    settings.MAIL_CONNECTIONS, settings.MAIL_MARK_EVERY = 1, 1
    rows = [queue_notice(make_person(f"p{n}@busy.example")) for n in range(3)]
    smtp_sink.answer_next(THROTTLED, at="RCPT")
    deliver_due(limit=1)
    assert deliver_due().deliveries == []  # the domain waits: nothing is claimed
    client.force_login(make_staff("marketing"))

    client.post(_try_now_url("busy.example"))
    result = deliver_due()

    assert sorted(d.outcome for d in result.deliveries) == ["sent"] * 3
    assert sorted(m.rcpt_tos[0] for m in smtp_sink.messages) == [
        "p0@busy.example",
        "p1@busy.example",
        "p2@busy.example",
    ]
    assert (
        list(
            OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                "status", flat=True
            )
        )
        == ["sent"] * 3
    )
    assert not DomainBackoff.objects.exists()  # the first accepted message ended it


def test_every_queued_message_of_the_domain_is_due_and_one_being_sent_is_left_alone(
    client, make_staff, make_person, queue_notice
):
    backlog = queue_notice(make_person("a@busy.example"))
    own = queue_notice(make_person("b@busy.example"))
    leased = queue_notice(make_person("c@busy.example"))
    back_off("busy.example", 421, timezone.now())
    later = DomainBackoff.objects.get().until + timedelta(minutes=10)
    OutboundMessage.objects.filter(pk=own.pk).update(next_attempt_at=later)
    OutboundMessage.objects.filter(pk=leased.pk).update(
        status="sending", leased_by="w/1", lease_until=later, next_attempt_at=later
    )
    client.force_login(make_staff("administrator"))

    client.post(_try_now_url("busy.example"))

    now = timezone.now()
    rows = {r.pk: r for r in OutboundMessage.objects.all()}
    assert (rows[backlog.pk].next_attempt_at <= now, rows[own.pk].next_attempt_at <= now) == (
        True,
        True,
    )
    assert (rows[leased.pk].status, rows[leased.pk].leased_by, rows[leased.pk].next_attempt_at) == (
        "sending",
        "w/1",
        later,
    )
    assert AuditEvent.objects.get(action=TRY_NOW).detail["messages"] == 2


def test_a_domain_whose_wait_is_over_is_not_tried_again_nor_audited(
    client, make_staff, two_domains
):
    client.force_login(make_staff("marketing"))
    url = _try_now_url("busy.example")
    client.post(url, follow=True)
    after_first = _everything()

    again = client.post(url, follow=True)

    assert _everything() == after_first
    assert AuditEvent.objects.filter(action=TRY_NOW).count() == 1
    assert [str(m) for m in again.context["messages"]] == [
        "That domain is not waiting any more: nothing to do."
    ]


def test_get_never_changes_anything(client, make_staff, two_domains):
    client.force_login(make_staff("administrator"))
    before = _everything()

    page = client.get(LIST)
    tried = client.get(_try_now_url("busy.example"))
    outbox = client.get(OUTBOX)

    assert (page.status_code, tried.status_code, outbox.status_code) == (200, 405, 200)
    backoffs, messages, _ = _everything()
    # The outbox list writes its own staff.view audit row; nothing else changes.
    assert (backoffs, messages) == before[:2]
    assert AuditEvent.objects.filter(action=TRY_NOW).count() == 0


def test_try_now_without_the_csrf_token_is_refused(make_staff, two_domains):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("marketing"))
    before = _everything()

    response = client.post(_try_now_url("busy.example"))

    assert response.status_code == 403
    assert _everything() == before


def test_the_outbox_links_to_the_domains_backing_off(client, make_staff, two_domains):
    client.force_login(make_staff("customer_service"))

    html = client.get(OUTBOX).content.decode()

    assert f'<a href="{LIST}">Domains backing off: 2</a>' in html


def test_the_waiting_count_opens_the_domains_queued_mail_for_who_sees_addresses(
    client, make_staff, two_domains
):
    client.force_login(make_staff("customer_service"))
    listing = client.get(LIST).content.decode()
    link = f"{OUTBOX}?recipient_domain=busy.example&amp;status__exact=queued"

    queued = client.get(f"{OUTBOX}?recipient_domain=busy.example&status__exact=queued")

    assert f'<a href="{link}">3</a>' in listing
    assert sorted(m.to_address for m in queued.context["cl"].result_list) == [
        "b0@busy.example",
        "b1@busy.example",
        "b2@busy.example",
    ]


def test_marketing_sees_the_count_without_a_way_to_the_addresses(client, make_staff, two_domains):
    client.force_login(make_staff("marketing"))

    listing = client.get(LIST).content.decode()

    assert "recipient_domain=" not in listing
    assert '<td class="field-waiting_shown">3</td>' in listing
