"""C20: a category a job lacks is masked everywhere a page could tell it.

Most tests narrow the billing clerk's job to addresses only, by publishing a
version of the declaration, and look for a planted name in what the admin sends.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.test import RequestFactory

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.policy.declaration import Declaration
from pledge.policy.models import AuditEvent, Consent, PolicyVersion
from pledge.policy.versions import publish_version
from pledge.staff.masking import lookup_category

from .conftest import PLANTED_NAME, Planted

NAME = "Hortensia Blue"
EMAIL = "hb@example.com"
NAME_MASK = "••• masked (user.name)"


@pytest.fixture
def narrowed(policy: PolicyVersion) -> PolicyVersion:
    """A new version in which the billing clerk's job needs addresses but no names."""
    data = copy.deepcopy(policy.declaration)
    data["roles"]["billing_clerk"]["categories"] = ["user.contact.email"]
    return publish_version(Declaration(data=data, source="test")).version


@pytest.fixture
def hortensia(make_person: Callable[..., Person]) -> Person:
    return make_person(EMAIL, name=NAME)


@pytest.fixture
def clerk(client: Any, make_staff: Callable[..., Person]) -> Any:
    client.force_login(make_staff("billing_clerk"))
    return client


def test_the_people_list_shows_addresses_and_masks_names_the_job_lacks(
    clerk: Any, narrowed: PolicyVersion, hortensia: Person
) -> None:
    response = clerk.get("/staff/people/person/")

    html = response.content.decode()
    assert (response.status_code, EMAIL in html, NAME in html) == (200, True, False)
    assert NAME_MASK in html


def test_the_mask_follows_the_version_in_force(clerk: Any, hortensia: Person) -> None:
    before = NAME in clerk.get("/staff/people/person/").content.decode()
    data = copy.deepcopy(PolicyVersion.objects.current().declaration)
    data["roles"]["billing_clerk"]["categories"] = ["user.contact.email"]
    publish_version(Declaration(data=data, source="test"))

    after = NAME in clerk.get("/staff/people/person/").content.decode()

    assert (before, after) == (True, False)


def test_a_masked_field_is_not_searched(
    client: Any, make_staff: Callable[..., Person], narrowed: PolicyVersion, hortensia: Person
) -> None:
    client.force_login(make_staff("billing_clerk"))
    by_name = client.get("/staff/people/person/", {"q": "Hortensia"})
    by_email = client.get("/staff/people/person/", {"q": "hb@example"})
    client.force_login(make_staff("administrator"))
    by_name_for_admin = client.get("/staff/people/person/", {"q": "Hortensia"})

    counts = [r.context["cl"].result_count for r in (by_name, by_email, by_name_for_admin)]
    assert counts == [0, 1, 1]


def test_a_masked_field_cannot_be_filtered_by_url(
    clerk: Any, narrowed: PolicyVersion, hortensia: Person
) -> None:
    by_name = clerk.get("/staff/people/person/", {"name__startswith": "Hort"})
    by_email = clerk.get("/staff/people/person/", {"email__startswith": "hb"})

    assert (by_name.status_code, by_email.status_code) == (400, 200)
    assert by_email.context["cl"].result_count == 1


def test_a_masked_column_does_not_order_the_list(
    client: Any, make_staff: Callable[..., Person], narrowed: PolicyVersion, hortensia: Person
) -> None:
    client.force_login(make_staff("billing_clerk"))
    masked = client.get("/staff/people/person/", {"o": "0"})
    client.force_login(make_staff("administrator"))
    shown = client.get("/staff/people/person/", {"o": "0"})

    first_keys = [r.context["cl"].queryset.query.order_by[0] for r in (masked, shown)]
    assert first_keys == ["-date_joined", "name"]


def test_a_masked_field_is_masked_on_the_detail_page_and_in_its_title(
    clerk: Any, narrowed: PolicyVersion, hortensia: Person
) -> None:
    response = clerk.get(f"/staff/people/person/{hortensia.pk}/change/")

    html = response.content.decode()
    assert (response.status_code, EMAIL in html, NAME in html) == (200, True, False)
    assert NAME_MASK in html
    assert f"<title>person #{hortensia.pk} | View person" in html


def test_a_masked_field_is_never_a_form_field(
    make_staff: Callable[..., Person], narrowed: PolicyVersion, hortensia: Person
) -> None:
    request = RequestFactory().get("/staff/people/person/")
    request.user = make_staff("billing_clerk")
    person_admin = admin.site.get_model_admin(Person)

    fieldsets = person_admin.get_fieldsets(request, hortensia)
    form = person_admin.get_form(
        request, hortensia, change=True, fields=flatten_fieldsets(fieldsets)
    )

    assert ("name" in flatten_fieldsets(fieldsets), list(form.base_fields)) == (False, [])
    assert "masked_name" in person_admin.get_readonly_fields(request, hortensia)


def test_the_password_is_never_shown_only_whether_one_is_set(
    client: Any, make_staff: Callable[..., Person], hortensia: Person
) -> None:
    client.force_login(make_staff("administrator"))

    response = client.get(f"/staff/people/person/{hortensia.pk}/change/")

    html = response.content.decode()
    assert hortensia.password.split("$")[-1] not in html
    assert '<div class="readonly">set</div>' in html


def test_autocomplete_answers_no_one(
    client: Any, make_staff: Callable[..., Person], hortensia: Person
) -> None:
    client.force_login(make_staff("administrator"))

    response = client.get(
        "/staff/autocomplete/",
        {
            "app_label": "mail",
            "model_name": "outboundmessage",
            "field_name": "person",
            "term": "Hor",
        },
    )

    assert (response.status_code, NAME in response.content.decode()) == (404, False)


def test_links_in_a_mail_body_are_withheld_from_staff(
    client: Any, make_staff: Callable[..., Person], planted: Planted
) -> None:
    client.force_login(make_staff("administrator"))

    response = client.get(f"/staff/mail/outboundmessage/{planted.message.pk}/change/")

    html = response.content.decode()
    assert ("SIGNED-TOKEN-123" in html, planted.message.token in html) == (False, False)
    assert "http://contactgenie.localhost:8000/… [link withheld]" in html


def test_marketing_cannot_find_a_person_by_searching_the_outbox(
    client: Any, make_staff: Callable[..., Person], planted: Planted
) -> None:
    client.force_login(make_staff("marketing"))

    by_name = client.get("/staff/mail/outboundmessage/", {"q": "Zebedee"})
    by_purpose = client.get("/staff/mail/outboundmessage/", {"q": "account"})

    assert [r.context["cl"].result_count for r in (by_name, by_purpose)] == [0, 1]
    assert PLANTED_NAME not in by_purpose.content.decode()


def test_history_opens_the_persons_audit_trail_for_the_privacy_officer_only(
    client: Any, make_staff: Callable[..., Person], hortensia: Person
) -> None:
    client.force_login(make_staff("privacy_officer"))
    officer = client.get(f"/staff/people/person/{hortensia.pk}/history/")
    client.force_login(make_staff("billing_clerk"))
    clerk = client.get(f"/staff/people/person/{hortensia.pk}/history/")

    assert (officer.status_code, officer["Location"]) == (
        302,
        f"/staff/policy/auditevent/?subject_id={hortensia.pk}",
    )
    assert clerk.status_code == 403


def test_the_audit_row_of_a_masked_page_names_only_the_categories_shown(
    clerk: Any, narrowed: PolicyVersion, hortensia: Person
) -> None:
    clerk.get(f"/staff/people/person/{hortensia.pk}/change/")

    event = AuditEvent.objects.filter(action="staff.view").latest("id")
    assert (event.subject_id, event.categories) == (hortensia.pk, ["user.contact.email"])
    assert (
        event.reason == f"Billing clerk: Orders, billing and order trouble — person #{hortensia.pk}"
    )


@pytest.mark.parametrize(
    ("model", "lookup", "category"),
    [
        (Person, "email__startswith", "user.contact.email"),
        (Person, "^name", "user.name"),
        (Person, "groups__name", None),
        (Person, "date_joined__gte", None),
        (Consent, "person__email", "user.contact.email"),
        (Consent, "person", "user.name"),
        (Consent, "purpose", "user.privacy_preferences"),
        (OutboundMessage, "status", None),
        (OutboundMessage, "subject__icontains", "user.name"),
    ],
)
def test_a_lookup_path_reaches_the_category_of_the_field_it_ends_on(
    model: Any, lookup: str, category: str | None
) -> None:
    assert lookup_category(model, lookup) == category
