"""Campaigns in the staff admin: write, preview, test, schedule, send, pause, watch (C9, C10).

Who may open what is ``ROLE_PERMISSIONS`` in ``pledge.staff.roles``: marketing
writes and sends campaigns. Every change goes through an action of
``sending.py``, which audits it; the buttons are forms that POST (CSRF-checked by
the admin). Only a draft can be edited; after that the change page is read-only.

The preview renders the campaign for a real recipient, taken from the people the
gate lets us mail for the list, with their name masked for a viewer whose role
may not see names (marketing's job is "no personal data"). Their manage-your-data
link is withheld: it would act for them. The HTML part is shown in a sandboxed
frame, served under its own ``Content-Security-Policy: sandbox``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from csp.decorators import csp
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from pledge.mail.models import OutboundMessage
from pledge.people.models import Person
from pledge.staff.masking import MaskingMixin, access_for, masked, sees
from pledge.staff.trail import record_staff_view

from .exceptions import CampaignRefused
from .forms import CampaignForm, ScheduleForm
from .models import Campaign, declared_lists, declared_sites
from .personalisation import SampleRecipient, compile_campaign, preview_links
from .report import campaign_report
from .sending import (
    pause_campaign,
    resume_campaign,
    save_campaign,
    schedule_campaign,
    send_test,
    start_campaign,
    unschedule_campaign,
)

NAME = "user.name"

# The previewed HTML is staff's own markup, still shown as a stranger's: it may style
# itself inline and show inline images; it runs nothing, loads nothing from
# elsewhere, submits nothing, and opens no link from the frame.
PREVIEW_HTML_POLICY = {
    "sandbox": [],
    "default-src": ["'none'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:"],
    "frame-ancestors": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
}

S = Campaign.Status
# The buttons each status offers, in order: (action key, label).
BUTTONS = {
    S.DRAFT: (("send", "Send now"),),
    S.SCHEDULED: (("pause", "Pause"), ("unschedule", "Back to draft"), ("send", "Send now")),
    S.SENDING: (("pause", "Pause"),),
    S.PAUSED: (("resume", "Resume"),),
    S.SENT: (),
}


class SiteFilter(admin.SimpleListFilter):
    """Campaigns by the site they come from, named as the declaration names it."""

    title = "site"
    parameter_name = "site"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(declared_sites().items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> QuerySet[Campaign]:
        if self.value() in declared_sites():
            return queryset.filter(site=self.value())
        return queryset


@admin.register(Campaign)
class CampaignAdmin(MaskingMixin, admin.ModelAdmin):
    form = CampaignForm
    actions = None
    list_display = (
        "name",
        "status_shown",
        "audience",
        "when",
        "progress",
        "report_link",
    )
    list_filter = ("status", SiteFilter)
    search_fields = ("name",)
    fieldsets = (
        ("Campaign", {"fields": ("name", "site", "list_key", "scope")}),
        ("Message", {"fields": ("subject", "body_text", "body_html")}),
        (
            "Promotion (optional)",
            {
                "fields": (
                    "promo_label",
                    ("promo_price", "promo_currency"),
                    ("promo_starts_at", "promo_ends_at"),
                ),
                "description": "A special price that holds only inside its window (C10). "
                "The mail states when it ends.",
            },
        ),
        (
            "Record",
            {
                "fields": (
                    "status",
                    "scheduled_at",
                    "started_at",
                    "expanded_at",
                    "finished_at",
                    "created_by",
                    "created_at",
                )
            },
        ),
    )
    readonly_fields = (
        "status",
        "scheduled_at",
        "started_at",
        "expanded_at",
        "finished_at",
        "created_by",
        "created_at",
    )

    class Media:
        css = {"all": ["campaigns/campaigns.css"]}

    # Pages

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                recipients_n=Count("recipients"),
                sent_n=Count(
                    "recipients",
                    filter=Q(recipients__message__status=OutboundMessage.Status.SENT),
                ),
            )
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only a draft is edited; the page of any other shows what was sent.
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox rows and the audit trail point at it

    def save_model(
        self, request: HttpRequest, obj: Campaign, form: CampaignForm, change: bool
    ) -> None:
        try:
            save_campaign(obj, by=request.user, changed_fields=form.changed_data)
        except CampaignRefused as refused:
            # The campaign was scheduled by someone else meanwhile: nothing is saved.
            self.message_user(request, f"Not saved: {refused}.", level=messages.ERROR)

    @admin.display(description="status", ordering="status")
    def status_shown(self, campaign: Campaign) -> str:
        return format_html(
            '<span class="campaign-status campaign-status-{}">{}</span>',
            campaign.status,
            campaign.get_status_display(),
        )

    @admin.display(description="list", ordering="list_key")
    def audience(self, campaign: Campaign) -> str:
        label = campaign.list_label
        return f"{label}: {campaign.scope}" if campaign.scope else label

    @admin.display(description="when (UTC)")
    def when(self, campaign: Campaign) -> str:
        """The moment that matters for the status: sent, started or scheduled."""
        for label, at in (
            ("sent", campaign.finished_at),
            ("started", campaign.started_at),
            ("scheduled for", campaign.scheduled_at),
        ):
            if at is not None:
                return f"{label} {at:%d %b %Y, %H:%M}"
        return "—"

    @admin.display(description="sent", ordering="sent_n")
    def progress(self, campaign: Campaign) -> str:
        """Messages sent of the recipients written."""
        return f"{campaign.sent_n} of {campaign.recipients_n}"  # type: ignore[attr-defined]

    @admin.display(description="")
    def report_link(self, campaign: Campaign) -> str:
        return format_html(
            '<a href="{}">Report</a>',
            reverse("admin:campaigns_campaign_report", args=[campaign.pk]),
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            context["campaign_links"] = self._links(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # URLs of the campaign's own pages and buttons

    def get_urls(self) -> list[URLPattern]:
        def view(func: Callable[..., HttpResponse], name: str, route: str) -> URLPattern:
            return path(
                f"<int:pk>/{route}",
                self.admin_site.admin_view(func),
                name=f"campaigns_campaign_{name}",
            )

        return [
            view(self.preview_view, "preview", "preview/"),
            view(self.preview_html_view, "preview_html", "preview/html/"),
            view(self.report_view, "report", "report/"),
            view(self.test_view, "test", "test/"),
            view(self.schedule_view, "schedule", "schedule/"),
            view(self.act_view, "act", "act/<slug:action>/"),
            *super().get_urls(),
        ]

    def _links(self, campaign: Campaign) -> dict[str, str]:
        return {
            name: reverse(f"admin:campaigns_campaign_{name}", args=[campaign.pk])
            for name in ("preview", "report", "test", "schedule")
        }

    def _campaign(self, request: HttpRequest, pk: int, *, acting: bool) -> Campaign:
        campaign = Campaign.objects.filter(pk=pk).first()
        if campaign is None:
            raise Http404("no such campaign")
        if not self.has_view_permission(request, campaign):
            raise PermissionDenied
        if acting and not request.user.has_perm("campaigns.change_campaign"):
            raise PermissionDenied
        return campaign

    def _page(
        self, request: HttpRequest, campaign: Campaign, template: str, title: str, **extra: Any
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "subtitle": campaign.name,
            "campaign": campaign,
            "links": self._links(campaign),
            "media": self.media,
            "may_act": request.user.has_perm("campaigns.change_campaign"),
            "site_name": declared_sites().get(campaign.site, campaign.site),
            **extra,
        }
        return TemplateResponse(request, f"admin/campaigns/campaign/{template}", context)

    # Preview

    def _recipient(self, campaign: Campaign, n: int) -> tuple[Person | None, int]:
        """The n-th person (from 1) the gate lets us mail for the list, and how many there are."""
        entry = declared_lists().get(campaign.list_key)
        if entry is None:
            return None, 0
        reachable = Person.objects.reachable_for(entry["purpose"], scope=campaign.scope)
        total = reachable.count()
        n = min(max(n, 1), max(total, 1))
        return reachable.order_by("pk")[n - 1 : n].first(), total

    def _preview(self, request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
        try:
            n = int(request.GET.get("n", "1"))
        except ValueError:
            n = 1
        person, total = self._recipient(campaign, n)
        access = access_for(request)
        name_shown = sees(access, NAME)
        recipient: Any = person if person is not None else SampleRecipient()
        rendered = compile_campaign(campaign).render(
            recipient,
            links=preview_links(campaign),
            name_mask="" if name_shown else masked(NAME),
        )
        return {
            "person": person,
            "n": min(max(n, 1), max(total, 1)),
            "total": total,
            "rendered": rendered,
            "name_shown": name_shown,
        }

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=False)
        preview = self._preview(request, campaign)
        person = preview["person"]
        if person is not None and preview["name_shown"]:
            # A real recipient's name on a staff page: audited (C20).
            record_staff_view(
                request.user,
                access_for(request),
                page=f"campaign {campaign.pk} preview",
                path=request.get_full_path(),
                categories=[NAME],
                subject_id=person.pk,
            )
        base = reverse("admin:campaigns_campaign_preview", args=[campaign.pk])
        n, total = preview["n"], preview["total"]
        return self._page(
            request,
            campaign,
            "preview.html",
            "Preview",
            **preview,
            html_url=f"{self._links(campaign)['preview']}html/?n={n}",
            previous_url=f"{base}?n={n - 1}" if n > 1 else "",
            next_url=f"{base}?n={n + 1}" if n < total else "",
        )

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp(PREVIEW_HTML_POLICY))
    def preview_html_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=False)
        html = self._preview(request, campaign)["rendered"].html
        if not html:
            raise Http404("this campaign has no HTML part")
        return HttpResponse(html, content_type="text/html; charset=utf-8")

    # Sending and report

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=False)
        report = campaign_report(campaign)
        return self._page(
            request,
            campaign,
            "report.html",
            "Sending & report",
            report=report,
            bars=report.bars(),
            live=campaign.status == S.SENDING,
            buttons=[
                (key, label, reverse("admin:campaigns_campaign_act", args=[campaign.pk, key]))
                for key, label in BUTTONS[S(campaign.status)]
            ],
            schedule_form=ScheduleForm() if campaign.status == S.DRAFT else None,
        )

    # Buttons: each POSTs to one action, then back to the page it came from.

    def _back(self, request: HttpRequest, campaign: Campaign) -> HttpResponseRedirect:
        page = request.POST.get("back")
        return HttpResponseRedirect(self._links(campaign)[page if page == "preview" else "report"])

    @method_decorator(require_POST)
    def act_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=True)
        if action not in ACTIONS:
            raise Http404("no such action")
        do, done = ACTIONS[action]
        try:
            do(campaign, by=request.user)
        except CampaignRefused as refused:
            self.message_user(request, f"Not done: {refused}.", level=messages.ERROR)
        else:
            self.message_user(request, done, level=messages.SUCCESS)
        return self._back(request, campaign)

    @method_decorator(require_POST)
    def schedule_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=True)
        form = ScheduleForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Not scheduled: give a date and time.", messages.ERROR)
            return self._back(request, campaign)
        try:
            schedule_campaign(campaign, form.cleaned_data["at"], by=request.user)
        except CampaignRefused as refused:
            self.message_user(request, f"Not scheduled: {refused}.", level=messages.ERROR)
        else:
            when = f"{campaign.scheduled_at:%d %B %Y, %H:%M} UTC"
            self.message_user(request, f"Scheduled for {when}.", level=messages.SUCCESS)
        return self._back(request, campaign)

    @method_decorator(require_POST)
    def test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        campaign = self._campaign(request, pk, acting=True)
        row = send_test(campaign, by=request.user)
        if row.status == OutboundMessage.Status.REFUSED:
            self.message_user(request, f"The test was not sent: {row.reason}.", messages.ERROR)
        else:
            self.message_user(
                request, "A test copy is on its way to your own address.", messages.SUCCESS
            )
        return self._back(request, campaign)


ACTIONS: dict[str, tuple[Callable[..., Campaign], str]] = {
    "send": (start_campaign, "Sending has started: recipients are written in batches."),
    "pause": (pause_campaign, "Paused: nothing more goes out until you resume."),
    "resume": (resume_campaign, "Resumed."),
    "unschedule": (unschedule_campaign, "Back to draft: you may edit it again."),
}
