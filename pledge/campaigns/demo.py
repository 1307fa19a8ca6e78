"""The demo's campaigns: one sent to the news list, one draft with a promotion.

Made with the actions marketing staff use. The sent one is started and its
recipients written here; the demo's worker delivers it to the mail catcher and
marks it sent a few seconds after ``make run`` starts (``run_due_campaigns``).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from pledge.staff.demo import DEMO_STAFF_DOMAIN, MAILBOXES

from .models import Campaign
from .sending import expand_campaign, save_campaign, start_campaign

STYLE = """<style>
  h2 { font-size: 20px; color: #0f766e; margin: 0 0 12px; }
  p { margin: 0 0 12px; }
  .note { color: #5b6476; font-size: 14px; }
</style>
"""

SENT = Campaign(
    name="Autumn news 2026",
    site="contactgenie",
    list_key="news",
    subject="ContactGenie news for {{ first_name }}",
    body_text=(
        "Hello {{ first_name }},\n\n"
        "ContactGenie 9 remembers where you met everyone: each contact now keeps the\n"
        "event, the date and a note, and finds them again by any of the three.\n\n"
        "Thank you for reading {{ site_name }} news."
    ),
    body_html=STYLE + "<h2>Hello {{ first_name }},</h2>"
    "<p>ContactGenie 9 remembers where you met everyone: each contact now keeps the "
    "event, the date and a note, and finds them again by any of the three.</p>"
    '<p class="note">Thank you for reading {{ site_name }} news.</p>',
)

DRAFT = Campaign(
    name="ContactGenie 9 Professional launch offer",
    site="contactgenie",
    list_key="news",
    subject="{{ first_name }}, ContactGenie 9 Professional at a launch price",
    body_text=(
        "Hello {{ first_name }},\n\n"
        "ContactGenie 9 Professional is out, and for a month it costs less.\n"
        "The launch price holds until {{ promotion.ends }}."
    ),
    body_html=STYLE + "<h2>ContactGenie 9 Professional is out</h2>"
    "<p>Hello {{ first_name }}, for a month it costs less.</p>"
    '<p class="note">The launch price holds until {{ promotion.ends }}.</p>',
    promo_label="ContactGenie 9 Professional, launch price",
    promo_price=Decimal("79.00"),
    promo_currency="USD",
)


def _copy(template: Campaign) -> Campaign:
    fields = {f.name: getattr(template, f.name) for f in Campaign._meta.concrete_fields}
    fields.pop("id")
    return Campaign(**fields)


def seed_campaigns() -> list[str]:
    """Add the demo's campaigns once, as the demo's marketing staff; return the names added."""
    marketing = (
        get_user_model()
        .objects.filter(email=f"{MAILBOXES['marketing']}@{DEMO_STAFF_DOMAIN}")
        .first()
    )
    added = []
    if not Campaign.objects.filter(name=SENT.name).exists():
        campaign = _copy(SENT)
        campaign.full_clean()
        save_campaign(campaign, by=marketing)
        start_campaign(campaign, by=marketing)
        expand_campaign(campaign)
        added.append(campaign.name)
    if not Campaign.objects.filter(name=DRAFT.name).exists():
        campaign = _copy(DRAFT)
        today = timezone.now().astimezone(UTC).date()
        campaign.promo_starts_at = datetime.combine(today, time(0, 0), tzinfo=UTC)
        campaign.promo_ends_at = datetime.combine(
            today + timedelta(days=30), time(23, 59), tzinfo=UTC
        )
        campaign.full_clean()
        save_campaign(campaign, by=marketing)
        added.append(campaign.name)
    return added
