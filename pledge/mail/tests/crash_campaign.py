"""Build a fresh database with one campaign expanded for N subscribers, for the crash tests.

Run in its own process against the database the worker under test will use
(``DATABASE_URL``), since the test's own connection is pytest's test database:

    python -m pledge.mail.tests.crash_campaign 2000

It migrates, publishes the demo declaration, writes N verified people and their
consents to the news list in bulk (the rows ``create_user`` and ``record_consent``
write), and sends a campaign with
the staff actions (save, start, expand). It prints the Message-IDs of the outbox
rows as JSON, one list, for the test to count against what the server received.
"""

from __future__ import annotations

import json
import os
import sys


def build(recipients: int) -> list[str]:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from pledge.campaigns.models import Campaign
    from pledge.campaigns.sending import expand_campaign, save_campaign, start_campaign
    from pledge.mail.models import OutboundMessage
    from pledge.people.models import Person
    from pledge.policy.collect import stamp
    from pledge.policy.loaded import configured_declaration
    from pledge.policy.models import Consent, ConsentState
    from pledge.policy.versions import publish_version

    call_command("migrate", verbosity=0)
    publish_version(configured_declaration())
    now = timezone.now()
    # One person stamped as create_user does; the others copy its stamp, and the
    # consents are the rows record_consent writes, in bulk: one by one, building
    # 2,000 subscribers would take most of the test's time.
    first = stamp(Person(email="reader0@example.com"), "registration")
    people = [
        Person(
            email=f"reader{n}@example.com",
            name=f"Reader {n}",
            email_verified_at=now,
            password="!unusable",  # noqa: S106 - no one signs in as them
            collected_under=first.collected_under,
            collection_point=first.collection_point,
        )
        for n in range(recipients)
    ]
    with transaction.atomic():
        Person.objects.bulk_create(people)
        grants = {"purpose": "newsletter", "granted": True, "policy_version": first.collected_under}
        consents = Consent.objects.bulk_create(
            Consent(
                person=person,
                at=now,
                via=Consent.Via.LINK,
                collection_point="mailing_lists",
                **grants,
            )
            for person in Person.objects.filter(email__startswith="reader")
        )
        ConsentState.objects.bulk_create(
            ConsentState(person_id=consent.person_id, since=now, latest=consent, **grants)
            for consent in consents
        )
    campaign = Campaign(
        name="Crash test",
        site="contactgenie",
        list_key="news",
        subject="News for {{ first_name }}",
        body_text="Hello {{ first_name }},\n\nThis message must arrive exactly as it was written.",
        body_html="<p>Hello {{ first_name }},</p><p>This message must arrive as written.</p>",
    )
    save_campaign(campaign, by=None)
    start_campaign(campaign, by=None)
    expand_campaign(campaign)
    return list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.QUEUED).values_list(
            "message_id", flat=True
        )
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    import django

    django.setup()
    json.dump(build(int(sys.argv[1])), sys.stdout)
