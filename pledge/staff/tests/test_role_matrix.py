"""C20: every role × every staff page, as the declaration's jobs say, and the trail it leaves.

Each cell plants known values, opens one page as one viewer and asserts one
outcome:

* ``V`` visible: the page loads and shows the planted value;
* ``M`` masked: the page loads, the planted value is absent, the mask is present;
* ``R`` refused: 403, or a redirect to the staff login.

The same request must write exactly the ``staff.view`` rows of the AUDIT table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from pledge.campaigns.models import Campaign
from pledge.campaigns.sending import save_campaign
from pledge.licensing.models import Registration
from pledge.licensing.ownership import register_owner
from pledge.mail.delivery import back_off
from pledge.people.models import Person
from pledge.policy.models import AuditEvent, PolicyVersion
from pledge.shop.catalog import save_product
from pledge.shop.models import Product
from pledge.staff.masking import MASK
from pledge.staff.roles import assign_role
from pledge.staff.trail import STAFF_VIEW
from pledge.support.intake import take_in
from pledge.support.models import Ticket

from .conftest import PLANTED_EMAIL, PLANTED_NAME, Planted

PLANTED_STAFF_EMAIL = "pat.planted@claxton.localhost"
PLANTED_PRODUCT = "ContactGenie Planted Edition"
PLANTED_CAMPAIGN = "Planted winter news"
PLANTED_TICKET = "Planted question about a licence"
EMAIL, NAME, PREFS = "user.contact.email", "user.name", "user.privacy_preferences"
PURCHASES = "user.behavior.purchase_history"
PLANTED_ORDER = "ORD-PLANTED"
PLANTED_BACKOFF = "planted-provider.example"
CONTENT = "user.content.private"


@dataclass(frozen=True)
class World:
    planted: Planted
    version: PolicyVersion
    role: Group
    staff_member: Person
    product: Product
    campaign: Campaign
    ticket: Ticket


@dataclass(frozen=True)
class Page:
    url: Callable[[World], str]
    probe: Callable[[World], str]  # the planted value a visible page shows


PAGES = {
    "index": Page(lambda w: "/staff/", lambda w: "What your role may see"),
    "person_list": Page(lambda w: "/staff/people/person/", lambda w: PLANTED_EMAIL),
    "person_detail": Page(
        lambda w: f"/staff/people/person/{w.planted.customer.pk}/change/", lambda w: PLANTED_EMAIL
    ),
    "consent_list": Page(lambda w: "/staff/policy/consent/", lambda w: PLANTED_NAME),
    "consent_state_list": Page(lambda w: "/staff/policy/consentstate/", lambda w: PLANTED_NAME),
    "version_list": Page(lambda w: "/staff/policy/policyversion/", lambda w: w.version.digest),
    "version_detail": Page(
        lambda w: f"/staff/policy/policyversion/{w.version.pk}/change/", lambda w: w.version.digest
    ),
    "audit_list": Page(lambda w: "/staff/policy/auditevent/", lambda w: "newsletter via form"),
    "message_list": Page(lambda w: "/staff/mail/outboundmessage/", lambda w: PLANTED_EMAIL),
    "message_detail": Page(
        lambda w: f"/staff/mail/outboundmessage/{w.planted.message.pk}/change/",
        lambda w: PLANTED_EMAIL,
    ),
    # A destination domain backing off names no one: every role that sees the outbox sees it.
    "backoff_list": Page(lambda w: "/staff/mail/domainbackoff/", lambda w: PLANTED_BACKOFF),
    "role_list": Page(lambda w: "/staff/staff/role/", lambda w: "Support tickets and customers"),
    "role_detail": Page(
        lambda w: f"/staff/staff/role/{w.role.pk}/change/", lambda w: PLANTED_STAFF_EMAIL
    ),
    "product_list": Page(lambda w: "/staff/shop/product/", lambda w: PLANTED_PRODUCT),
    "product_detail": Page(
        lambda w: f"/staff/shop/product/{w.product.pk}/change/", lambda w: PLANTED_PRODUCT
    ),
    # Only a role that may add products gets the form; its price input is the probe.
    "product_add": Page(lambda w: "/staff/shop/product/add/", lambda w: 'name="price"'),
    "campaign_list": Page(lambda w: "/staff/campaigns/campaign/", lambda w: PLANTED_CAMPAIGN),
    "campaign_detail": Page(
        lambda w: f"/staff/campaigns/campaign/{w.campaign.pk}/change/", lambda w: PLANTED_CAMPAIGN
    ),
    "campaign_add": Page(lambda w: "/staff/campaigns/campaign/add/", lambda w: 'name="body_text"'),
    "campaign_report": Page(
        lambda w: f"/staff/campaigns/campaign/{w.campaign.pk}/report/",
        lambda w: "Who will get it",
    ),
    # Filled in for the one person on the list, the planted customer: named or masked.
    "campaign_preview": Page(
        lambda w: f"/staff/campaigns/campaign/{w.campaign.pk}/preview/", lambda w: PLANTED_NAME
    ),
    "registration_list": Page(lambda w: "/staff/licensing/registration/", lambda w: PLANTED_NAME),
    "registration_detail": Page(
        lambda w: (
            "/staff/licensing/registration/"
            f"{Registration.objects.get(order_ref=PLANTED_ORDER).pk}/change/"
        ),
        lambda w: PLANTED_NAME,
    ),
    "ticket_list": Page(lambda w: "/staff/support/ticket/", lambda w: PLANTED_TICKET),
    "ticket_detail": Page(
        lambda w: f"/staff/support/ticket/{w.ticket.pk}/change/", lambda w: PLANTED_TICKET
    ),
}

VIEWERS = (
    "billing_clerk",
    "customer_service",
    "marketing",
    "privacy_officer",
    "administrator",
    "superuser",
    "customer",
    "anonymous",
)

# fmt: off
MATRIX = {
    #                    billing customer_service marketing privacy admin super customer anonymous
    "index":              ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "person_list":        ("V",   "V",            "R",      "V",    "V",  "V",  "R",     "R"),
    "person_detail":      ("V",   "V",            "R",      "V",    "V",  "V",  "R",     "R"),
    "consent_list":       ("R",   "R",            "R",      "V",    "V",  "V",  "R",     "R"),
    "consent_state_list": ("R",   "R",            "R",      "V",    "V",  "V",  "R",     "R"),
    "version_list":       ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "version_detail":     ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "audit_list":         ("R",   "R",            "R",      "V",    "V",  "V",  "R",     "R"),
    "message_list":       ("V",   "V",            "M",      "V",    "V",  "V",  "R",     "R"),
    "message_detail":     ("V",   "V",            "M",      "V",    "V",  "V",  "R",     "R"),
    "backoff_list":       ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "role_list":          ("R",   "R",            "R",      "R",    "V",  "V",  "R",     "R"),
    "role_detail":        ("R",   "R",            "R",      "R",    "V",  "V",  "R",     "R"),
    "product_list":       ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "product_detail":     ("V",   "V",            "V",      "V",    "V",  "V",  "R",     "R"),
    "product_add":        ("V",   "R",            "R",      "R",    "V",  "V",  "R",     "R"),
    "campaign_list":      ("V",   "V",            "V",      "R",    "V",  "V",  "R",     "R"),
    "campaign_detail":    ("V",   "V",            "V",      "R",    "V",  "V",  "R",     "R"),
    "campaign_add":       ("R",   "R",            "V",      "R",    "V",  "V",  "R",     "R"),
    "campaign_report":    ("V",   "V",            "V",      "R",    "V",  "V",  "R",     "R"),
    "campaign_preview":   ("V",   "V",            "M",      "R",    "V",  "V",  "R",     "R"),
    "registration_list":  ("V",   "V",            "R",      "V",    "V",  "V",  "R",     "R"),
    "registration_detail":("V",   "V",            "R",      "V",    "V",  "V",  "R",     "R"),
    "ticket_list":        ("R",   "V",            "R",      "R",    "V",  "V",  "R",     "R"),
    "ticket_detail":      ("R",   "V",            "R",      "R",    "V",  "V",  "R",     "R"),
}
# fmt: on

# The staff.view rows a page that loads must write: one for a person's record
# (subject_id), one for a list (every person shown, in detail["subjects"]), with the
# categories shown unmasked. Pages not listed, and refused pages, write none.
EVERYONE, LIST = "all people", "list"
AUDIT: dict[tuple[str, str], tuple[Any, tuple[str, ...]]] = {
    ("person_list", "*"): (EVERYONE, (EMAIL, NAME)),
    ("person_detail", "*"): ("customer", (EMAIL, NAME)),
    ("consent_list", "*"): (LIST, (NAME, PREFS)),
    ("consent_state_list", "*"): (LIST, (NAME, PREFS)),
    ("message_list", "*"): (LIST, (EMAIL, NAME)),
    ("message_list", "marketing"): None,  # every personal column masked: nothing seen
    ("message_detail", "*"): ("customer", (EMAIL, NAME)),
    ("message_detail", "marketing"): ("customer", ()),
    ("role_detail", "*"): ("members", (EMAIL, NAME)),
    ("campaign_preview", "*"): ("customer", (NAME,)),
    ("campaign_preview", "marketing"): None,  # the name masked: nothing seen
    ("registration_list", "*"): (LIST, (PURCHASES, NAME)),
    ("registration_detail", "*"): ("customer", (PURCHASES, NAME)),
    ("ticket_list", "*"): (LIST, (EMAIL, CONTENT, NAME)),  # NAME: who it is assigned to
    ("ticket_detail", "*"): ("customer", (EMAIL, CONTENT, NAME)),
}

CELLS = [(page, viewer) for page in MATRIX for viewer in VIEWERS]


@pytest.fixture
def world(planted: Planted, policy: PolicyVersion, make_staff: Callable[..., Person]) -> World:
    staff_member = Person.objects.create_user(
        PLANTED_STAFF_EMAIL, "staff password 2026", point="staff", name="Pat Planted"
    )
    assign_role(staff_member, "customer_service", by=None)
    product = Product(
        sku="cg-planted",
        name=PLANTED_PRODUCT,
        edition="Planted",
        summary="Planted for the matrix.",
        price=Decimal("49.00"),
    )
    save_product(product, by=None, sites=["contactgenie"])
    campaign = Campaign(
        name=PLANTED_CAMPAIGN,
        site="contactgenie",
        list_key="news",
        subject="News for {{ first_name }}",
        body_text="Hello {{ name }}.",
    )
    save_campaign(campaign, by=None)
    register_owner(planted.customer, product, PLANTED_ORDER, line_ref="1")
    question = EmailMessage()
    question["From"] = f"{PLANTED_NAME} <{PLANTED_EMAIL}>"
    question["To"] = "support@claxton.com"
    question["Subject"] = PLANTED_TICKET
    question.set_content("Where is my licence key?")
    ticket = take_in(question).ticket
    back_off(PLANTED_BACKOFF, 421, timezone.now())
    return World(
        planted,
        policy,
        Group.objects.get(name="customer_service"),
        staff_member,
        product,
        campaign,
        ticket,
    )


def log_in(client: Any, viewer: str, world: World, make_staff: Callable[..., Person]) -> Any:
    if viewer == "anonymous":
        return None
    if viewer == "customer":
        user = world.planted.customer
    elif viewer == "superuser":
        user = make_staff(superuser=True)
    else:
        user = make_staff(viewer)
    client.force_login(user)
    return user


def expected_rows(page: str, viewer: str, world: World, user: Any) -> list[dict[str, Any]]:
    if MATRIX[page][VIEWERS.index(viewer)] == "R":
        return []
    rule = AUDIT.get((page, viewer), AUDIT.get((page, "*")))
    if rule is None:
        return []
    who, categories = rule
    row: dict[str, Any] = {"actor": user.pk, "categories": list(categories)}
    if who == "customer":
        row.update(subject_id=world.planted.customer.pk, subjects=None)
    elif who == LIST:
        row.update(subject_id=None, subjects=[world.planted.customer.pk])
    elif who == EVERYONE:
        row.update(subject_id=None, subjects=sorted(Person.objects.values_list("pk", flat=True)))
    else:
        members = world.role.user_set.values_list("pk", flat=True)
        row.update(subject_id=None, subjects=sorted(members))
    return [row]


def outcome(response: Any, probe: str) -> str:
    if response.status_code == 403:
        return "R"
    if response.status_code == 302 and response["Location"].startswith("/staff/login/"):
        return "R"
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    if probe in html:
        return "V"
    return "M" if MASK in html else "loaded, but neither the planted value nor a mask"


def inline_code(html: str) -> list[str]:
    """Inline scripts and styles: the strict CSP refuses them, so none may be written."""
    scripts = [t for t in re.findall(r"<script[^>]*>", html) if "src=" not in t]
    return scripts + re.findall(r"<style|style=\"", html)


@pytest.mark.parametrize(("page", "viewer"), CELLS)
def test_each_role_sees_each_page_as_its_job_needs_and_the_view_is_audited(
    client: Any, world: World, make_staff: Callable[..., Person], page: str, viewer: str
) -> None:
    user = log_in(client, viewer, world, make_staff)
    before = AuditEvent.objects.filter(action=STAFF_VIEW).count()

    response = client.get(PAGES[page].url(world))

    expected = MATRIX[page][VIEWERS.index(viewer)]
    assert outcome(response, PAGES[page].probe(world)) == expected
    if expected != "R":
        assert inline_code(response.content.decode()) == []
    if expected == "M":
        assert PLANTED_NAME not in response.content.decode()
    written = [
        {
            "actor": e.actor_id,
            "categories": e.categories,
            "subject_id": e.subject_id,
            "subjects": e.detail.get("subjects"),
        }
        for e in AuditEvent.objects.filter(action=STAFF_VIEW).order_by("id")[before:]
    ]
    assert written == expected_rows(page, viewer, world, user)


INDEX = {
    "billing_clerk": {
        "licensing.registration",
        "orders.order",
        "orders.specialprice",
        "people.person",
        "mail.outboundmessage",
        "mail.domainbackoff",
        "policy.policyversion",
        "shop.product",
        "campaigns.campaign",
    },
    "customer_service": {
        "licensing.registration",
        "people.person",
        "mail.outboundmessage",
        "mail.domainbackoff",
        "policy.policyversion",
        "shop.product",
        "campaigns.campaign",
        "support.ticket",
        "mail.inboundmessage",
    },
    "marketing": {
        "mail.outboundmessage",
        "mail.domainbackoff",
        "policy.policyversion",
        "shop.product",
        "campaigns.campaign",
        "analytics.dailycount",
    },
    "privacy_officer": {
        "licensing.registration",
        "people.person",
        "mail.outboundmessage",
        "mail.domainbackoff",
        "policy.policyversion",
        "policy.consent",
        "policy.consentstate",
        "policy.auditevent",
        "shop.product",
        "mail.inboundmessage",
        "mail.datarequest",
    },
    "administrator": {
        "licensing.registration",
        "people.person",
        "mail.outboundmessage",
        "mail.domainbackoff",
        "policy.policyversion",
        "policy.consent",
        "policy.consentstate",
        "policy.auditevent",
        "staff.role",
        "shop.product",
        "campaigns.campaign",
        "analytics.dailycount",
        "support.ticket",
        "mail.inboundmessage",
        "mail.datarequest",
        "orders.order",
        "orders.specialprice",
    },
}


@pytest.mark.parametrize("role", INDEX)
def test_the_index_lists_only_what_the_role_may_open(
    client: Any, roles: None, make_staff: Callable[..., Person], role: str
) -> None:
    client.force_login(make_staff(role))

    response = client.get("/staff/")

    listed = {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert listed == INDEX[role]


def test_a_superuser_sees_the_index_of_an_administrator(
    client: Any, roles: None, make_staff: Callable[..., Person]
) -> None:
    client.force_login(make_staff(superuser=True))

    response = client.get("/staff/")

    listed = {
        f"{app['app_label']}.{model['object_name'].lower()}"
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert listed == INDEX["administrator"]
