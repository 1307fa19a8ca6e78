"""The gate is asked again at the moment of sending (C9, C10, C22)."""

from __future__ import annotations

from pledge.mail.delivery import deliver_due
from pledge.policy.consent import record_consent
from pledge.policy.models import AuditEvent


def test_consent_withdrawn_after_queueing_refuses_the_newsletter(
    smtp_sink, make_person, queue_notice
):
    person = make_person()
    record_consent(person, "newsletter", granted=True, via="form", collection_point="mailing_lists")
    row = queue_notice(person, purpose="newsletter")
    record_consent(
        person, "newsletter", granted=False, via="link", collection_point="mailing_lists"
    )

    result = deliver_due()

    row.refresh_from_db()
    assert smtp_sink.messages == []
    assert [d.outcome for d in result.deliveries] == ["refused"]
    assert (row.status, row.sent_at) == ("refused", None)
    assert row.reason.startswith("consent was withdrawn on ")
    assert list(row.events.values_list("kind", flat=True)) == ["queued", "refused"]
    audit = AuditEvent.objects.get(action="mail.refused")
    assert (audit.subject_id, audit.detail["message"]) == (person.pk, row.pk)
    assert audit.reason == f"newsletter: {row.reason}"


def test_person_deactivated_after_queueing_gets_nothing(smtp_sink, make_person, queue_notice):
    person = make_person()
    row = queue_notice(person)
    person.status = "deactivated"
    person.save(update_fields=["status"])

    deliver_due()

    row.refresh_from_db()
    assert smtp_sink.messages == []
    assert (row.status, row.reason) == ("refused", "the person deactivated their account")
    assert AuditEvent.objects.get(action="mail.refused").subject_id == person.pk


def test_person_without_an_address_is_refused(smtp_sink, make_person, queue_notice):
    person = make_person()
    person.email = None
    person.save(update_fields=["email"])
    row = queue_notice(person)

    deliver_due()

    row.refresh_from_db()
    assert smtp_sink.messages == []
    assert (row.status, row.reason) == ("refused", "the person has no email address")
    assert AuditEvent.objects.get(action="mail.refused").detail["message"] == row.pk


def test_refused_at_queueing_is_never_claimed(smtp_sink, make_person, queue_notice):
    person = make_person()
    row = queue_notice(person, purpose="newsletter")

    result = deliver_due()

    row.refresh_from_db()
    assert (result.deliveries, smtp_sink.messages) == ([], [])
    assert (row.status, row.reason) == ("refused", "no consent was given for this purpose")
    assert AuditEvent.objects.filter(action="mail.refused").count() == 1
