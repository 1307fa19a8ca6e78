"""Getting in: a signed link, a bad one, and the form that mails a new one."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from django.core import signing
from django.urls import reverse

from pledge.lib.signing import DAY, make_token, read_token
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent
from pledge.rights.access import LINK_MAX_AGE


class SignerOfThePast(signing.TimestampSigner):
    """Signs as if it were ``age`` seconds ago: a real token, only old."""

    def __init__(self, age: int, **kwargs):
        super().__init__(**kwargs)
        self.age = age

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - self.age)


def test_an_expired_link_says_so_and_offers_a_new_one(make_person, client):
    person = make_person("ada@example.com")
    token = SignerOfThePast(LINK_MAX_AGE + DAY, salt="pledge.manage").sign(str(person.pk))

    response = client.get(reverse("rights:delete", args=[token]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "This link has expired" in page
    assert "Email me a link to my data" in page
    assert AuditEvent.objects.filter(action__startswith="rights.").count() == 0


def test_a_forged_link_says_it_does_not_work_and_offers_a_new_one(make_person, client):
    person = make_person("ada@example.com")
    other = make_person("eve@example.com")
    value, _, signature = make_token("manage", other.pk).partition(":")
    forged = f"{person.pk}:{signature}"

    response = client.post(reverse("rights:delete", args=[forged]))

    page = response.content.decode()
    person.refresh_from_db()
    assert response.status_code == 400
    assert "This link does not work" in page
    assert "Email me a link to my data" in page
    assert person.status == "active"


def test_a_token_made_for_another_link_does_not_open_the_data_page(make_person, client):
    person = make_person("ada@example.com")

    response = client.get(reverse("rights:manage", args=[make_token("verify", person.pk)]))

    assert response.status_code == 400
    assert AuditEvent.objects.filter(action="rights.export").count() == 0


def test_the_link_form_answers_the_same_for_known_and_unknown_addresses(make_person, client):
    person = make_person("ada@example.com")

    known = client.post(reverse("rights:start"), {"email": "ADA@example.com"}, follow=True)
    unknown = client.post(reverse("rights:start"), {"email": "nobody@example.com"}, follow=True)

    mail = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="rights.link")
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("rights:sent"), 302)]
    assert known.content == unknown.content
    assert "If we hold data for that address, we sent a link" in known.content.decode()
    assert (mail.person_id, mail.purpose, mail.template) == (person.pk, "account", "rights/link")
    (token,) = set(re.findall(r"/my-data/([^/\s]+)/", mail.body_text))
    assert read_token("manage", token, max_age=60) == str(person.pk)
    assert audit.subject_id == person.pk


def test_the_link_form_is_rate_limited_per_address_and_still_answers_the_same(
    make_person, client, settings
):
    settings.RATE_LIMIT_RESET = 2
    make_person("ada@example.com")

    answers = [
        client.post(reverse("rights:start"), {"email": "ada@example.com"})["Location"]
        for _ in range(4)
    ]

    assert answers == [reverse("rights:sent")] * 4
    assert OutboundMessage.objects.count() == 2
    assert AuditEvent.objects.filter(action="rights.link").count() == 2


def test_the_link_in_the_mail_opens_the_data_page(make_person, client):
    make_person("ada@example.com", name="Ada Lovelace")
    client.post(reverse("rights:start"), {"email": "ada@example.com"})
    body = OutboundMessage.objects.get().body_text
    path = next(urlsplit(word).path for word in body.split() if "/my-data/" in word)

    response = client.get(path)

    assert response.status_code == 200
    assert "Ada Lovelace" in response.content.decode()
    assert AuditEvent.objects.get(action="rights.export").detail["via"] == "link"
