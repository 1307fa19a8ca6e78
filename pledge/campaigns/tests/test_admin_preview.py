"""The preview: a real recipient the gate allows, the name masked for a role that may not see names."""

from __future__ import annotations

from django.urls import reverse

from pledge.policy.models import AuditEvent
from pledge.staff.trail import STAFF_VIEW

MASKED_NAME = "••• masked (user.name)"


def test_marketing_sees_the_preview_with_the_name_masked_and_nothing_is_audited(
    client, make_subscriber, make_campaign, staff_member
):
    make_subscriber(name="Zebedee Quincunx")
    campaign = make_campaign(body_html="<p>Dear {{ name }}</p>")
    client.force_login(staff_member)

    page = client.get(reverse("admin:campaigns_campaign_preview", args=[campaign.pk]))
    frame = client.get(reverse("admin:campaigns_campaign_preview_html", args=[campaign.pk]))

    html = page.content.decode()
    assert (page.status_code, frame.status_code) == (200, 200)
    assert "Zebedee" not in html + frame.content.decode()
    assert html.count(f"News for {MASKED_NAME}") == 1
    assert html.count(f"Hello {MASKED_NAME},") == 1
    assert frame.content.decode().count(f"<p>Dear {MASKED_NAME}</p>") == 1
    assert AuditEvent.objects.filter(action=STAFF_VIEW).count() == 0


def test_the_administrator_sees_the_name_and_the_view_is_audited(
    client, make_subscriber, make_campaign, make_staff
):
    person = make_subscriber(name="Zebedee Quincunx")
    campaign = make_campaign()
    admin = make_staff("administrator")
    client.force_login(admin)

    page = client.get(reverse("admin:campaigns_campaign_preview", args=[campaign.pk]))

    assert page.content.decode().count("News for Zebedee") == 1
    event = AuditEvent.objects.get(action=STAFF_VIEW)
    assert (event.actor_id, event.subject_id, event.categories) == (
        admin.pk,
        person.pk,
        ["user.name"],
    )


def test_the_preview_withholds_links_that_act_for_the_recipient(
    client, make_subscriber, make_campaign, staff_member
):
    make_subscriber()
    campaign = make_campaign(body_html="<p>Hi</p>")
    client.force_login(staff_member)

    page = client.get(reverse("admin:campaigns_campaign_preview", args=[campaign.pk]))
    frame = client.get(reverse("admin:campaigns_campaign_preview_html", args=[campaign.pk]))

    both = page.content.decode() + frame.content.decode()
    assert both.count("/my-data/1:") + both.count("/mail/unsubscribe/1:") == 0
    assert both.count("/o/") == 0
    assert page.content.decode().count("[link withheld in the preview]") == 2


def test_the_html_part_is_framed_from_its_own_url_under_a_sandbox_policy(
    client, make_subscriber, make_campaign, staff_member
):
    make_subscriber()
    campaign = make_campaign(body_html="<p>Hi</p>")
    client.force_login(staff_member)

    response = client.get(reverse("admin:campaigns_campaign_preview_html", args=[campaign.pk]))

    policy = sorted(part.strip() for part in response["Content-Security-Policy"].split(";"))
    assert policy == [
        "base-uri 'none'",
        "default-src 'none'",
        "form-action 'none'",
        "frame-ancestors 'self'",
        "img-src data:",
        "sandbox",
        "style-src 'unsafe-inline'",
    ]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_the_pager_walks_the_reachable_recipients(
    client, make_subscriber, make_person, make_campaign, make_staff
):
    make_subscriber(name="Ada Lovelace")
    make_person(name="Not Subscribed")
    make_subscriber(name="Grace Hopper")
    campaign = make_campaign()
    client.force_login(make_staff("administrator"))
    url = reverse("admin:campaigns_campaign_preview", args=[campaign.pk])

    second = client.get(f"{url}?n=2").content.decode()

    assert second.count("Recipient 2 of 2") == 1
    assert second.count("News for Grace") == 1
    assert second.count(f'href="{url}?n=1"') == 1
