"""Support tickets in the staff admin: the conversation, and replying by mail (C11, C20).

Only roles whose job is support open these pages (``staff.roles``: customer
service and the administrator); every page that shows a ticket writes a
``staff.view`` row to the audit trail, and every change goes through the actions
of ``tickets.py``, which audit themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from pledge.staff.masking import MaskedAdmin, access_for, sees
from pledge.staff.trail import record_staff_view

from .forms import AssignForm, ReplyForm, StateForm
from .models import Ticket
from .tickets import TicketRefused, assign, reply, set_state

# What a ticket's page shows: who wrote, and what they wrote.
SHOWN = ("user.contact.email", "user.name", "user.content.private")


@admin.register(Ticket)
class TicketAdmin(MaskedAdmin):
    """The list of tickets, and each ticket's conversation with its forms."""

    list_display = ("reference", "subject", "requester_email", "state", "assigned_to", "updated_at")
    list_select_related = ("assigned_to",)
    list_filter = ("state",)
    search_fields = ("reference",)
    ordering = ("-updated_at",)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        ticket = self.get_object(request, unquote(object_id))
        if ticket is None:
            raise Http404("no such ticket")
        access = access_for(request)
        if not self.has_view_permission(request, ticket) or not all(sees(access, c) for c in SHOWN):
            raise PermissionDenied
        may_act = request.user.has_perm("support.change_ticket")
        forms = {
            "reply": ReplyForm(),
            "assign": AssignForm(initial={"assigned_to": ticket.assigned_to_id}),
            "state": StateForm(initial={"state": ticket.state}),
        }
        if request.method == "POST":
            if not may_act:
                raise PermissionDenied
            done = self._act(request, ticket, forms)
            if done:
                return HttpResponseRedirect(request.path)
        record_staff_view(
            request.user,
            access,
            page=f"support ticket {ticket.reference}",
            path=request.path,
            categories=SHOWN,
            subject_id=ticket.person_id,
        )
        conversation = ticket.messages.select_related("outbound", "author").prefetch_related(
            "attachments"
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"{ticket.reference}: {ticket.subject or '(no subject)'}",
            "ticket": ticket,
            "conversation": conversation,
            "forms": forms,
            "may_act": may_act,
            "may_see_inbound": request.user.has_perm("mail.view_inboundmessage"),
            "list_url": reverse("admin:support_ticket_changelist"),
        }
        return TemplateResponse(request, "admin/support/ticket/conversation.html", context)

    def _act(self, request: HttpRequest, ticket: Ticket, forms: dict[str, Any]) -> bool:
        """Run the action the posted form names; False to show the page with its errors."""
        do = request.POST.get("do", "")
        if do not in forms:
            messages.error(request, "Nothing to do: the form named no action.")
            return False
        form = type(forms[do])(request.POST)
        forms[do] = form
        if not form.is_valid():
            return False
        try:
            if do == "reply":
                reply(ticket, form.cleaned_data["text"], by=request.user)
                messages.success(request, f"Your reply to {ticket.reference} is on its way.")
            elif do == "assign":
                assign(ticket, form.cleaned_data["assigned_to"], by=request.user)
                messages.success(request, "Assignment saved.")
            else:
                set_state(ticket, form.cleaned_data["state"], by=request.user)
                messages.success(request, "State saved.")
        except TicketRefused as exc:
            form.add_error(None, str(exc))
            return False
        return True
