"""Writing a mail to the outbox: rendered on the base layout, with its first event."""

from __future__ import annotations

import pytest

from pledge.lib.signing import read_token
from pledge.mail.delivery import deliver_due
from pledge.mail.models import OutboundMessage
from pledge.mail.outbox import MissingManageLink, enqueue, site_base_url
from pledge.policy.models import AuditEvent


def test_both_parts_end_with_the_footer_naming_the_organisation_and_support(
    make_person, queue_notice
):
    person = make_person()

    row = queue_notice(person)

    footer = row.body_text.split("\n-- \n")[1].splitlines()
    link = footer[4]
    token = link.removeprefix(site_base_url("contactgenie") + "/my-data/").rstrip("/")
    assert footer[0] == "ContactGenie · The Claxton Group"
    assert read_token("manage", token, max_age=60) == str(person.pk)
    assert footer[6] == "Questions? Write to support@claxton.com."
    assert row.body_html.count(f'<a href="{link}"') == 1
    assert row.body_html.count('href="mailto:support@claxton.com"') == 1
    assert list(row.events.values_list("kind", flat=True)) == ["queued"]
    assert AuditEvent.objects.filter(action__startswith="mail.").count() == 0


def test_subject_and_text_are_not_html_escaped_but_html_is(make_person, queue_notice):
    person = make_person(name="Dara O'Brien")

    row = queue_notice(person, note="Fish & <chips>")

    assert row.subject == "A notice for Dara O'Brien from ContactGenie"
    assert row.body_text.startswith("Hello Dara O'Brien,\n\nFish & <chips>\n")
    assert row.body_html.count("<p>Fish &amp; &lt;chips&gt;</p>") == 1


def test_a_template_without_the_manage_link_is_refused(make_person):
    person = make_person()

    with pytest.raises(MissingManageLink) as refused:
        enqueue(person=person, purpose="account", template="test/bare", site="contactgenie")

    assert str(refused.value) == (
        'mail/test/bare.txt lacks the manage-your-data link: extend "mail/base.txt" '
        "and keep its footer"
    )
    assert OutboundMessage.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="mail.").count() == 0


def test_a_new_address_being_confirmed_gets_the_mail_instead_of_the_old(smtp_sink, make_person):
    person = make_person("old@example.com")

    row = enqueue(
        person=person,
        purpose="account",
        template="test/plain",
        site="contactgenie",
        address="new@example.com",
    )
    deliver_due()

    assert row.to_address == "new@example.com"
    assert [received.rcpt_tos for received in smtp_sink.messages] == [["new@example.com"]]
    assert AuditEvent.objects.get(action="mail.sent").detail["message"] == row.pk
