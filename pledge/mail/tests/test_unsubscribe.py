"""Leaving a list: the link shows a button, its POST and RFC 8058's one-click POST act (C16)."""

from __future__ import annotations

import time

from django.test import Client
from django.urls import reverse

from pledge.mail.delivery import deliver_due
from pledge.mail.outbox import unsubscribe_token
from pledge.policy import gate
from pledge.policy.models import AuditEvent, Consent, ConsentState
from pledge.rights.deactivation import deactivate_person
from pledge.rights.erasure import erase_person

ONE_CLICK = "List-Unsubscribe=One-Click"


def _link(person, purpose="newsletter", scope=""):
    return reverse("lists:unsubscribe", args=[unsubscribe_token(person.pk, purpose, scope)])


def _one_click(url):
    # As a mail program sends it: no cookie, no CSRF token, the RFC 8058 body.
    browserless = Client(enforce_csrf_checks=True)
    return browserless.post(url, ONE_CLICK, content_type="application/x-www-form-urlencoded")


def _state(person):
    return ConsentState.objects.get(person=person, purpose="newsletter").granted


def test_opening_the_link_changes_nothing(client, subscribed):
    person = subscribed()

    response = client.get(_link(person))

    assert response.status_code == 200
    assert "Leave News &amp; Special Offers?" in response.content.decode()
    assert _state(person) is True
    assert AuditEvent.objects.filter(action="consent.withdraw").count() == 0


def test_one_click_post_without_cookie_or_csrf_unsubscribes_and_answers_200(subscribed):
    person = subscribed()

    response = _one_click(_link(person))

    withdrawal = Consent.objects.filter(person=person).latest("at", "id")
    audit = AuditEvent.objects.get(action="consent.withdraw")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert response.cookies == {}
    assert _state(person) is False
    assert (withdrawal.granted, withdrawal.via, withdrawal.collection_point) == (
        False,
        "one_click",
        "mailing_lists",
    )
    assert (audit.subject_id, audit.reason) == (person.pk, "newsletter via one_click")
    assert gate.allows(person, "newsletter").allowed is False


def test_the_pages_button_unsubscribes_via_the_link(client, subscribed):
    person = subscribed()

    response = client.post(_link(person))

    assert response.status_code == 200
    assert Consent.objects.filter(person=person).latest("at", "id").via == "link"
    assert _state(person) is False


def test_twice_is_done_twice_with_one_withdrawal(subscribed):
    person = subscribed()
    _one_click(_link(person))

    again = _one_click(_link(person))

    assert again.status_code == 200
    assert "You are unsubscribed" in again.content.decode()
    assert Consent.objects.filter(person=person, granted=False).count() == 1


def test_a_deactivated_person_is_told_done(subscribed):
    person = subscribed()
    deactivate_person(person, via="link")

    response = _one_click(_link(person))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()


def test_an_erased_person_is_told_done(subscribed):
    person = subscribed()
    link = _link(person)
    erase_person(person, via="link")

    response = _one_click(link)

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert ConsentState.objects.filter(person=person).count() == 0


def test_a_person_who_never_was_on_the_list_is_told_done(make_person):
    person = make_person()

    response = _one_click(_link(person))

    assert response.status_code == 200
    assert Consent.objects.filter(person=person).count() == 0


def test_a_forged_token_is_refused(client, policy):
    response = client.post(reverse("lists:unsubscribe", args=["1:newsletter::x:forged"]))

    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_a_link_from_a_mail_years_old_still_works(monkeypatch, subscribed):
    person = subscribed()
    ten_years_ago = time.time() - 10 * 365 * 24 * 60 * 60
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: ten_years_ago)
        link = _link(person)

    response = _one_click(link)

    assert response.status_code == 200
    assert _state(person) is False


def test_unsubscribing_stops_the_mail_already_queued(smtp_sink, subscribed, queue_notice):
    person = subscribed()
    first = queue_notice(person, purpose="newsletter")
    second = queue_notice(person, purpose="newsletter")

    _one_click(first.body_text.split("Unsubscribe: ")[1].split()[0])
    deliver_due()

    first.refresh_from_db()
    second.refresh_from_db()
    # Only the confirmation that made the person a subscriber went out.
    assert [m.message["Subject"] for m in smtp_sink.messages] == [
        "Confirm: News & Special Offers from ContactGenie"
    ]
    assert (first.status, second.status) == ("refused", "refused")
    assert first.reason.startswith("consent was withdrawn on ")
    assert second.reason == first.reason


def test_the_account_pages_button_leaves_at_once(client, subscribed):
    person = subscribed()
    client.force_login(person)

    response = client.post(reverse("lists:account_unsubscribe"), {"list": "news"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Done: you will get no more News & Special Offers."
    ]
    assert Consent.objects.filter(person=person).latest("at", "id").via == "form"
    assert _state(person) is False


def test_leaving_by_a_messages_link_marks_that_message_only(
    smtp_sink, subscribed, queue_notice, mail_link
):
    person = subscribed()
    first = queue_notice(person, purpose="newsletter")
    second = queue_notice(person, purpose="newsletter")
    deliver_due()

    _one_click(mail_link(second.body_text, "lists:unsubscribe"))
    # A token made before tokens named their message still takes one off, naming none.
    again = _one_click(_link(person))

    first.refresh_from_db()
    second.refresh_from_db()
    assert again.status_code == 200
    assert (first.unsubscribed_at, second.unsubscribed_at is not None) == (None, True)
    assert _state(person) is False
