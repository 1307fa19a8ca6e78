"""C21's proof: from a link in a received mail, change the address, then delete."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.urls import resolve, reverse

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.rights.tests.test_erasure import every_value_in_the_database


def link_in(mail: OutboundMessage, view_name: str) -> str:
    for url in re.findall(r"https?://[^\s\"<>]+", mail.body_text):
        path = urlsplit(url).path
        if resolve(path).view_name == view_name:
            return path
    raise AssertionError(f"no {view_name} link in:\n{mail.body_text}")


def test_from_a_mail_link_change_the_address_then_delete(make_person, client):
    person = make_person("old.c21probe@example.com", name="Hedy Kiesler")
    client.post(reverse("rights:start"), {"email": "old.c21probe@example.com"})
    manage = link_in(OutboundMessage.objects.get(template="rights/link"), "rights:manage")

    client.post(manage + "correct/", {"name": "Hedy Kiesler", "email": "new.c21probe@example.com"})
    client.post(link_in(OutboundMessage.objects.get(template="people/verify"), "people:verify"))
    person.refresh_from_db()
    changed_to = person.email
    client.post(manage + "delete/")

    person.refresh_from_db()
    leaks = [v for _, v in every_value_in_the_database() if "c21probe" in v or "Kiesler" in v]
    assert changed_to == "new.c21probe@example.com"
    assert (person.status, person.email, person.name) == (Person.Status.ERASED, None, "")
    assert leaks == []
    assert [e.action for e in AuditEvent.objects.filter(action__startswith="rights.")] == [
        "rights.erase",
        "rights.correct",
        "rights.link",
    ]
