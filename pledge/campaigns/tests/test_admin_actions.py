"""The admin's buttons POST to the actions, which audit; drafts are written through ``save_campaign``."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from pledge.campaigns.models import Campaign
from pledge.mail.models import OutboundMessage
from pledge.policy.models import AuditEvent


def act(campaign, action):
    return reverse("admin:campaigns_campaign_act", args=[campaign.pk, action])


def test_send_now_starts_the_campaign_as_the_staff_member(client, make_campaign, staff_member):
    campaign = make_campaign()
    client.force_login(staff_member)

    response = client.post(act(campaign, "send"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:campaigns_campaign_report", args=[campaign.pk])
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"
    event = AuditEvent.objects.get(action="campaign.start")
    assert (event.actor_id, event.detail["old"], event.detail["new"]) == (
        staff_member.pk,
        "draft",
        "sending",
    )


def test_a_button_does_nothing_on_get_or_without_the_csrf_token(make_campaign, staff_member):
    campaign = make_campaign()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_member)

    got = browser.get(act(campaign, "send"))
    forged = browser.post(act(campaign, "send"))

    assert (got.status_code, forged.status_code) == (405, 403)
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_a_refused_move_is_shown_and_changes_nothing(client, make_campaign, staff_member):
    campaign = make_campaign()
    client.force_login(staff_member)

    response = client.post(act(campaign, "resume"), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Not done: a draft campaign cannot become scheduled."
    ]
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_scheduling_from_the_report_page(client, make_campaign, staff_member):
    campaign = make_campaign()
    client.force_login(staff_member)

    client.post(
        reverse("admin:campaigns_campaign_schedule", args=[campaign.pk]),
        {"at": "2099-01-15T09:30"},
    )

    stored = Campaign.objects.get(pk=campaign.pk)
    assert (stored.status, stored.scheduled_at.isoformat()) == (
        "scheduled",
        "2099-01-15T09:30:00+00:00",
    )
    assert AuditEvent.objects.filter(action="campaign.schedule", actor=staff_member).count() == 1


def test_a_role_that_may_only_view_cannot_press_a_button(client, make_campaign, make_staff):
    campaign = make_campaign()
    client.force_login(make_staff("customer_service"))

    report = client.get(reverse("admin:campaigns_campaign_report", args=[campaign.pk]))
    pressed = client.post(act(campaign, "send"))

    assert report.status_code == 200
    assert report.content.decode().count("Send now") == 0
    assert pressed.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_send_a_test_from_the_preview_goes_to_the_staff_member(
    client, make_subscriber, make_campaign, staff_member
):
    make_subscriber("subscriber@example.com")
    campaign = make_campaign()
    client.force_login(staff_member)

    response = client.post(
        reverse("admin:campaigns_campaign_test", args=[campaign.pk]), {"back": "preview"}
    )

    assert response["Location"] == reverse("admin:campaigns_campaign_preview", args=[campaign.pk])
    assert list(OutboundMessage.objects.values_list("to_address", "purpose")) == [
        ("marketer@claxton.localhost", "staff_test_mail")
    ]


def test_a_draft_added_in_the_admin_is_saved_through_the_action(client, staff_member, policy):
    client.force_login(staff_member)

    response = client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "Spring news",
            "site": "claxton",
            "list_key": "news",
            "scope": "",
            "subject": "Spring at {{ site_name }}",
            "body_text": "Hello {{ first_name }}.",
            "body_html": "",
            "promo_label": "",
            "promo_price": "",
            "promo_currency": "",
            "promo_starts_at_0": "",
            "promo_starts_at_1": "",
            "promo_ends_at_0": "",
            "promo_ends_at_1": "",
        },
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert (campaign.name, campaign.status, campaign.created_by_id) == (
        "Spring news",
        "draft",
        staff_member.pk,
    )
    assert AuditEvent.objects.filter(action="campaign.add", actor=staff_member).count() == 1


def test_a_product_updates_campaign_must_name_its_product(client, staff_member, policy):
    client.force_login(staff_member)

    response = client.post(
        reverse("admin:campaigns_campaign_add"),
        {
            "name": "Critical fix",
            "site": "contactgenie",
            "list_key": "product_updates",
            "scope": "",
            "subject": "An update",
            "body_text": "Please update.",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["scope"] == [
        "Product updates goes to the owners of one product: name it (its SKU)."
    ]
    assert Campaign.objects.count() == 0


def test_a_scheduled_campaign_cannot_be_changed_in_the_admin(client, make_campaign, staff_member):
    campaign = make_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(status="scheduled")
    client.force_login(staff_member)

    response = client.post(
        reverse("admin:campaigns_campaign_change", args=[campaign.pk]),
        {
            "name": "Renamed",
            "site": "contactgenie",
            "list_key": "news",
            "subject": "x",
            "body_text": "y",
        },
    )

    assert response.status_code == 403
    assert Campaign.objects.get(pk=campaign.pk).name == "Winter news"


def test_the_report_refreshes_itself_only_while_sending(client, make_campaign, staff_member):
    campaign = make_campaign()
    client.force_login(staff_member)
    url = reverse("admin:campaigns_campaign_report", args=[campaign.pk])
    refresh = '<meta http-equiv="refresh" content="5">'

    draft = client.get(url).content.decode()
    client.post(act(campaign, "send"))
    sending = client.get(url).content.decode()

    assert (draft.count(refresh), sending.count(refresh)) == (0, 1)
