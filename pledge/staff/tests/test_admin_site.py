"""The staff admin's site: its names, and the policy's records read-only for everyone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pledge.people.models import Person
from pledge.policy.models import Consent, ConsentState, PolicyVersion

from .conftest import Planted


def test_the_staff_admin_is_named_pledge_and_titled_by_the_organisation(
    client: Any, make_staff: Callable[..., Person]
) -> None:
    client.force_login(make_staff("marketing"))

    html = client.get("/staff/").content.decode()

    assert "<title>What your role may see | The Claxton Group — staff</title>" in html
    assert "Pledge — staff</a>" in html


def test_the_staff_login_is_the_admins_login(client: Any, policy: PolicyVersion) -> None:
    response = client.get("/staff/")

    assert (response.status_code, response["Location"]) == (302, "/staff/login/?next=/staff/")


@pytest.mark.parametrize(
    "url",
    [
        "/staff/policy/policyversion/add/",
        "/staff/policy/consent/add/",
        "/staff/policy/consentstate/add/",
        "/staff/people/person/add/",
        "/staff/mail/outboundmessage/add/",
    ],
)
def test_nothing_is_added_in_the_staff_admin_even_by_a_superuser(
    client: Any, make_staff: Callable[..., Person], planted: Planted, url: str
) -> None:
    client.force_login(make_staff(superuser=True))

    response = client.post(url, {})

    assert response.status_code == 403


@pytest.mark.parametrize("model", [PolicyVersion, Consent, ConsentState, Person])
def test_the_policys_records_and_people_are_not_changed_or_deleted_in_the_admin(
    client: Any, make_staff: Callable[..., Person], planted: Planted, model: Any
) -> None:
    client.force_login(make_staff(superuser=True))
    row = model.objects.order_by("pk").first()
    base = f"/staff/{model._meta.app_label}/{model._meta.model_name}/{row.pk}"

    change = client.post(f"{base}/change/", {})
    delete = client.post(f"{base}/delete/", {"post": "yes"})

    assert (change.status_code, delete.status_code) == (403, 403)
    assert model.objects.filter(pk=row.pk).count() == 1
