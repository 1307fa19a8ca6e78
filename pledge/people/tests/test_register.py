"""Registering an account (C2): one form, a verification mail, consent only when ticked."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.models import AuditEvent, Consent

from .conftest import PASSWORD


def test_registering_creates_person_and_queues_verification_mail(register, policy):
    response = register("Ada@Example.com")

    person = Person.objects.get()
    message = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="person.register")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:verify_sent")
    assert (person.email, person.name, person.site) == (
        "ada@example.com",
        "Ada Lovelace",
        "contactgenie",
    )
    assert person.collected_under == policy
    assert person.collection_point == "registration"
    assert person.email_verified_at is None
    assert person.password.startswith("argon2")
    assert (message.purpose, message.template, message.to_address) == (
        "account",
        "people/verify",
        "ada@example.com",
    )
    assert message.status == OutboundMessage.Status.QUEUED
    assert (audit.subject_id, audit.detail) == (
        person.pk,
        {"site": "contactgenie", "service_interest": False},
    )
    assert audit.categories == ["user.authorization.password", "user.contact.email", "user.name"]


def test_registering_on_claxton_online_records_that_site(register):
    register(host="claxton.localhost")

    assert Person.objects.get().site == "claxton"
    assert OutboundMessage.objects.get().site == "claxton"


def test_registration_form_offers_interest_checkbox_unticked(client, policy):
    response = client.get(reverse("people:register"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Tell me about new services on ContactGenie" in html
    assert '<input type="checkbox" name="service_interest" id="id_service_interest">' in html


def test_ticked_interest_records_consent_and_gate_allows_that_contact_once_verified(register):
    register(interest=True)
    unverified = gate.allows(Person.objects.get(), "service_interest")
    Person.objects.update(email_verified_at=timezone.now())

    person = Person.objects.get()
    consent = Consent.objects.get()
    assert (consent.purpose, consent.granted, consent.via, consent.collection_point) == (
        "service_interest",
        True,
        "form",
        "registration",
    )
    assert consent.site == "contactgenie"
    assert unverified.reason == "the email address is not verified"
    assert bool(gate.allows(person, "service_interest")) is True
    assert AuditEvent.objects.filter(action="consent.grant", subject_id=person.pk).count() == 1
    assert AuditEvent.objects.get(action="person.register").detail["service_interest"] is True


def test_without_ticked_interest_gate_refuses_service_contact(register):
    register(interest=False)

    Person.objects.update(email_verified_at=timezone.now())
    person = Person.objects.get()
    decision = gate.allows(person, "service_interest")
    assert Consent.objects.count() == 0
    assert (decision.allowed, decision.reason) == (False, "no consent was given for this purpose")


def test_duplicate_email_shows_same_page_and_tells_the_owner(register, make_person):
    owner = make_person("ada@example.com")

    response = register("ADA@example.com", name="Someone Else")

    message = OutboundMessage.objects.get()
    audit = AuditEvent.objects.get(action="person.register_existing")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:verify_sent")
    assert Person.objects.count() == 1
    assert (message.person_id, message.template, message.to_address) == (
        owner.pk,
        "people/already_registered",
        "ada@example.com",
    )
    assert audit.subject_id == owner.pk
    assert AuditEvent.objects.filter(action="person.register").count() == 0


def test_different_passwords_are_a_form_error_that_keeps_name_and_email(register):
    response = register("ada@example.com", name="Ada Lovelace", password2="something-else-42")

    html = response.content.decode()
    assert response.status_code == 200
    assert Person.objects.count() == 0
    assert response.context["form"].errors == {"password2": ["The two passwords are not the same."]}
    assert 'value="Ada Lovelace"' in html
    assert 'value="ada@example.com"' in html
    assert PASSWORD not in html


def test_weak_password_is_refused_by_the_configured_validators(register):
    response = register(password="12345678", password2="12345678")

    assert response.status_code == 200
    assert Person.objects.count() == 0
    assert response.context["form"].errors["password1"] == [
        "This password is too short. It must contain at least 10 characters.",
        "This password is too common.",
        "This password is entirely numeric.",
    ]
