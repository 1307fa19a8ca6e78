"""The gate: each rule of the statement, one example each."""

from __future__ import annotations

import copy

import pytest
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy import gate
from pledge.policy.consent import record_consent
from pledge.policy.declaration import Declaration
from pledge.policy.loaded import configured_declaration
from pledge.policy.models import AuditEvent, ConsentState
from pledge.policy.versions import publish_version


def grant(person, purpose, scope=""):
    return record_consent(
        person, purpose, granted=True, via="form", collection_point="mailing_lists", scope=scope
    )


def withdraw(person, purpose, scope=""):
    return record_consent(
        person, purpose, granted=False, via="link", collection_point="mailing_lists", scope=scope
    )


def publish_with(mutate):
    data = copy.deepcopy(configured_declaration().data)
    mutate(data)
    return publish_version(Declaration(data=data, source="test")).version


def test_service_use_declared_at_collection_is_allowed(make_person):
    person = make_person()

    assert gate.allows(person, "billing") == gate.Decision(True, "allowed")


def test_marketing_without_opt_in_is_refused(make_person):
    person = make_person()

    assert gate.allows(person, "newsletter") == gate.Decision(
        False, "no consent was given for this purpose"
    )


def test_contact_about_services_needs_a_recorded_interest(make_person):
    # C2: we contact the user only about services for which an interest was expressed.
    person = make_person()
    refused = gate.allows(person, "service_interest")
    grant(person, "service_interest")

    assert refused.allowed is False
    assert gate.allows(person, "service_interest").allowed is True


def test_withdrawn_consent_refuses_and_says_when(make_person):
    person = make_person()
    grant(person, "newsletter")
    withdraw(person, "newsletter")

    decision = gate.allows(person, "newsletter")

    assert decision.allowed is False
    assert decision.reason == f"consent was withdrawn on {timezone.now():%Y-%m-%d}"


def test_consent_is_recorded_with_version_and_audited(make_person, policy):
    person = make_person()
    consent = grant(person, "newsletter")

    state = ConsentState.objects.get(person=person, purpose="newsletter")
    event = AuditEvent.objects.get(action="consent.grant")
    assert (consent.policy_version, consent.via, consent.collection_point) == (
        policy,
        "form",
        "mailing_lists",
    )
    assert (state.granted, state.latest) == (True, consent)
    assert (event.subject_id, event.reason) == (person.pk, "newsletter via form")


def test_consent_to_a_scope_does_not_cover_another(make_person):
    person = make_person()
    grant(person, "product_updates", scope="contactgenie-pro")

    assert gate.allows(person, "product_updates", scope="contactgenie-pro").allowed is True
    assert gate.allows(person, "product_updates", scope="contactgenie-lite").allowed is False


def test_deactivated_person_gets_nothing_but_legal_uses(make_person):
    person = make_person()
    grant(person, "newsletter")
    person.status = Person.Status.DEACTIVATED

    assert gate.allows(person, "newsletter").reason == "the person deactivated their account"
    assert gate.allows(person, "account").allowed is False
    assert gate.allows(person, "legal_records").allowed is True


def test_erased_person_gets_nothing(make_person):
    person = make_person()
    person.status = Person.Status.ERASED

    assert gate.allows(person, "legal_records").reason == "the person's data is erased"


def test_opting_out_of_all_communication_keeps_transactional_mail(make_person):
    person = make_person()
    grant(person, "newsletter")
    person.contact_opt_out_at = timezone.now()

    assert gate.allows(person, "newsletter").reason == "the person opted out of all communication"
    assert gate.allows(person, "account").allowed is True
    assert gate.allows(person, "policy_notices").allowed is False


def test_new_use_of_old_data_needs_a_yes(make_person):
    # C22: data is used under the policy it was collected under.
    earlier = make_person()

    def add_use(data):
        data["purposes"]["billing"]["categories"].append("user.contact.phone_number")

    publish_with(add_use)
    later = make_person()

    assert gate.allows(earlier, "billing").reason == (
        "a new use of data collected under an earlier policy, not accepted"
    )
    assert gate.allows(later, "billing").allowed is True
    grant(earlier, "billing")
    assert gate.allows(earlier, "billing").allowed is True


def test_a_declined_new_use_stays_refused(make_person):
    person = make_person()
    publish_with(
        lambda d: d["purposes"]["billing"]["categories"].append("user.contact.phone_number")
    )
    withdraw(person, "billing")

    assert gate.allows(person, "billing").allowed is False


def test_purpose_dropped_from_the_policy_is_refused(make_person):
    person = make_person()
    grant(person, "surveys")
    publish_with(lambda d: d["purposes"].pop("surveys"))

    assert (
        gate.allows(person, "surveys").reason
        == "purpose 'surveys' is not declared in the policy in force"
    )


def test_consent_to_an_undeclared_purpose_is_refused(make_person):
    person = make_person()

    with pytest.raises(gate.GateRefused):
        grant(person, "selling_data")


def test_reachable_for_matches_allows(make_person):
    opted_in, not_opted, withdrawn = make_person(), make_person(), make_person()
    grant(opted_in, "newsletter")
    grant(withdrawn, "newsletter")
    withdraw(withdrawn, "newsletter")

    assert list(Person.objects.reachable_for("newsletter")) == [opted_in]
    assert not gate.allows(not_opted, "newsletter")


def test_require_raises_with_the_reason(make_person):
    person = make_person()

    with pytest.raises(gate.GateRefused) as caught:
        gate.require(person, "newsletter")

    assert str(caught.value) == "newsletter: no consent was given for this purpose"


def test_contact_waits_for_a_verified_address(make_person):
    person = make_person(email_verified_at=None)
    grant(person, "newsletter")

    assert gate.allows(person, "newsletter").reason == "the email address is not verified"
    assert gate.allows(person, "account").allowed is True
    assert list(Person.objects.reachable_for("newsletter")) == []
