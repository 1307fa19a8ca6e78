"""The marketing dashboard's figures: trends, rollups, top values and campaign opens.

Everything is read through ``report``, so no cell from fewer than k visitors shows
(C7, C13). Labels say what a figure is: a visitor is recognised within one day only
(the salt rotates daily), so a week's or a month's "visitors" are visitor-days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import Count, Max, Q, Sum

from pledge.campaigns.models import Campaign
from pledge.policy.loaded import configured_declaration

from .charts import bar_chart, line_chart
from .models import DailyCount
from .report import Report, Row, combined, daily, k_anonymity

TOP_DIMENSIONS = (
    ("page", "Pages viewed"),
    ("entry", "Entry pages"),
    ("exit", "Exit pages"),
    ("referrer", "Referring sites"),
    ("outbound", "Outbound destinations"),
    ("click", "Outbound links: page → site"),
    ("content", "Content seen (page beacons)"),
    ("transition", "Movement: page → next page"),
    ("browser", "Browsers"),
    ("platform", "Platforms"),
    ("country", "Countries"),
    ("isp", "ISPs"),
)
DEFAULT_DAYS = 30


class DashboardForm(forms.Form):
    site = forms.ChoiceField(required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    top = forms.IntegerField(required=False, min_value=3, max_value=50, initial=10)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sites = configured_declaration().sites
        self.fields["site"].choices = [("", "Both sites")] + [  # type: ignore[attr-defined]
            (key, site["name"]) for key, site in sites.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The first day must not be after the last.")
        return data

    def choice(self) -> tuple[list[str], date, date, int]:
        """Sites, first and last day, and how many top values: the defaults when blank."""
        data = self.cleaned_data if self.is_valid() else {}
        sites = [data["site"]] if data.get("site") else list(configured_declaration().sites)
        end = data.get("end") or _last_day(sites)
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        return sites, start, end, data.get("top") or 10


@dataclass(frozen=True)
class Rollup:
    label: str
    page_views: int
    visits: int
    visitor_days: int


def dashboard(form: DashboardForm) -> dict[str, Any]:
    sites, start, end, top = form.choice()
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    views = daily(sites, start, end, "site")
    visits = daily(sites, start, end, "visits")
    bounces = daily(sites, start, end, "bounces")
    seconds = daily(sites, start, end, "visit_seconds")
    trend = line_chart(
        days,
        {
            "Page views": [_hits(views, d) for d in days],
            "Visits": [_hits(visits, d) for d in days],
            "Visitors (per day)": [views[d].visitors if d in views else None for d in days],
        },
        "Page views, visits and visitors per day",
    )
    both = [d for d in days if d in visits and d in bounces]
    timed = [d for d in days if d in visits and d in seconds]
    tops = []
    for dimension, label in TOP_DIMENSIONS:
        found = combined(sites, start, end, dimension)
        rows = found.rows[:top]
        tops.append(
            {
                "label": label,
                "report": found,
                "chart": bar_chart([(r.value, r.hits) for r in rows], label) if rows else None,
            }
        )
    return {
        "sites": sites,
        "start": start,
        "end": end,
        "k": k_anonymity(),
        "trend": trend,
        "totals": {
            "page_views": sum(r.hits for r in views.values()),
            "visits": sum(r.hits for r in visits.values()),
            "visitor_days": sum(r.visitors for r in views.values()),
            "bounce_rate": _ratio(
                sum(bounces[d].hits for d in both), sum(visits[d].hits for d in both)
            ),
            "visit_seconds": _ratio(
                sum(seconds[d].hits for d in timed), sum(visits[d].hits for d in timed)
            ),
            "hidden_days": len([d for d in days if d not in views]),
        },
        "weeks": _rollups(
            days, views, visits, lambda d: f"Week of {d - timedelta(days=d.weekday()):%d %b %Y}"
        ),
        "months": _rollups(days, views, visits, lambda d: f"{d:%B %Y}"),
        "tops": tops,
        "campaigns": campaign_opens(sites),
    }


def campaign_opens(sites: list[str]) -> list[dict[str, Any]]:
    """Mail opens per campaign (C8), from each message's clear gif; a count of fewer
    than k opened messages is not shown."""
    k = k_anonymity()
    campaigns = (
        Campaign.objects.filter(site__in=sites, recipients__isnull=False)
        .annotate(
            sent=Count("recipients", distinct=True),
            opened=Count(
                "recipients", filter=Q(recipients__message__first_opened_at__isnull=False)
            ),
            opens=Sum("recipients__message__open_count"),
        )
        .order_by("-created_at")
        .values("name", "sent", "opened", "opens")[:20]
    )
    return [
        {
            "name": c["name"],
            "sent": c["sent"],
            "opened": c["opened"] if c["opened"] >= k else None,
            "opens": (c["opens"] or 0) if c["opened"] >= k else None,
        }
        for c in campaigns
    ]


def _last_day(sites: list[str]) -> date:
    found = DailyCount.objects.filter(site__in=sites).aggregate(last=Max("day"))["last"]
    return found or date.today()  # noqa: DTZ011 - a calendar day, no time in it


def _hits(rows: dict[date, Row], day: date) -> int | None:
    return rows[day].hits if day in rows else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _rollups(
    days: list[date], views: dict[date, Row], visits: dict[date, Row], label: Any
) -> list[Rollup]:
    groups: dict[str, list[int]] = {}
    for day in days:
        total = groups.setdefault(label(day), [0, 0, 0])
        if day in views:
            total[0] += views[day].hits
            total[2] += views[day].visitors
        if day in visits:
            total[1] += visits[day].hits
    return [Rollup(name, *values) for name, values in groups.items()]


__all__ = ["DashboardForm", "Report", "dashboard"]
