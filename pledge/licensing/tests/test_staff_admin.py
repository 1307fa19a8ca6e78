"""Staff: billing revokes and re-issues in the admin, audited; customer service only reads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pledge.licensing.models import LicenseKey, Registration
from pledge.licensing.ownership import current_key
from pledge.policy.models import AuditEvent


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def page(registration):
    return reverse("admin:licensing_registration_change", args=[registration.pk])


def test_a_billing_clerk_sees_both_buttons(client, make_person, register, make_staff_member):
    registration = register(make_person())
    client.force_login(make_staff_member("billing_clerk"))

    html = client.get(page(registration)).content.decode()

    assert ("Re-issue key</button>" in html, "Revoke registration</button>" in html) == (
        True,
        True,
    )
    assert current_key(registration).serial in html


def test_customer_service_reads_the_page_without_buttons_and_cannot_post(
    client, make_person, register, make_staff_member
):
    registration = register(make_person())
    client.force_login(make_staff_member("customer_service"))

    html = client.get(page(registration)).content.decode()
    refused = client.post(
        reverse("admin:licensing_registration_revoke", args=[registration.pk]),
        {"reason": "trying"},
    )

    assert ("Revoke registration</button>" in html, refused.status_code) == (False, 403)
    assert Registration.objects.get(pk=registration.pk).status == "active"


def test_revoking_from_the_admin_is_done_by_the_action_and_audited_with_the_clerk(
    client, make_person, register, make_staff_member
):
    registration = register(make_person())
    clerk = make_staff_member("billing_clerk")
    client.force_login(clerk)

    response = client.post(
        reverse("admin:licensing_registration_revoke", args=[registration.pk]),
        {"reason": "refund of order ORD-0001"},
        follow=True,
    )

    registration.refresh_from_db()
    event = AuditEvent.objects.get(action="licensing.revoke")
    assert [str(m) for m in response.context["messages"]] == [
        "Revoked: the registration and its key. The owner is no longer a registered owner of "
        "the product."
    ]
    assert (registration.status, event.actor_id, event.reason) == (
        "revoked",
        clerk.pk,
        "refund of order ORD-0001",
    )
    assert "Revoke registration</button>" not in response.content.decode()


def test_revoking_without_a_reason_changes_nothing(
    client, make_person, register, make_staff_member
):
    registration = register(make_person())
    client.force_login(make_staff_member("billing_clerk"))

    response = client.post(
        reverse("admin:licensing_registration_revoke", args=[registration.pk]),
        {"reason": " "},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Not revoked: say why (a refund, a chargeback, …)."
    ]
    assert AuditEvent.objects.filter(action="licensing.revoke").count() == 0


def test_reissuing_from_the_admin_replaces_the_key_and_is_audited(
    client, make_person, register, make_staff_member
):
    registration = register(make_person())
    old = current_key(registration)
    clerk = make_staff_member("billing_clerk")
    client.force_login(clerk)

    response = client.post(
        reverse("admin:licensing_registration_reissue", args=[registration.pk]),
        {"reason": "lost with the old laptop"},
        follow=True,
    )

    new = current_key(registration)
    event = AuditEvent.objects.get(action="licensing.reissue")
    assert [str(m) for m in response.context["messages"]] == [
        f"New key {new.serial} issued. It replaces {old.serial}, which no longer verifies on record."
    ]
    assert LicenseKey.objects.get(pk=old.pk).status == "replaced"
    assert (event.actor_id, event.reason, event.detail["old"], event.detail["new"]) == (
        clerk.pk,
        "lost with the old laptop",
        old.serial,
        new.serial,
    )


def test_a_get_on_a_button_url_changes_nothing(client, make_person, register, make_staff_member):
    registration = register(make_person())
    client.force_login(make_staff_member("billing_clerk"))

    response = client.get(reverse("admin:licensing_registration_reissue", args=[registration.pk]))

    assert response.status_code == 405
    assert LicenseKey.objects.count() == 1
