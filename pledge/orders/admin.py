"""Orders in the staff admin: the billing clerk reads them, refunds, and writes about them.

Orders are read-only here (their status moves only along the pipeline); two
buttons on an order's page lead to the actions staff may take: refund it through
the processor, and write to its buyer about it (order trouble, C3).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from pledge.payments.processor import ProcessorError
from pledge.staff.masking import MaskedAdmin

from .forms import ContactForm
from .models import Order, SpecialPrice, Status
from .pipeline import ImpossibleTransition
from .refunds import refund_order
from .trouble import TroubleRefused, contact_about_order


@admin.register(Order)
class OrderAdmin(MaskedAdmin):
    list_display = ("number", "site", "description", "total_shown", "status", "created_at")
    list_filter = ("status", "site")
    search_fields = ("number",)
    readonly_fields = (
        "number",
        "site",
        "person",
        "claimed_at",
        "name",
        "email",
        "shipping_address",
        "description",
        "total_shown",
        "special_price",
        "status",
        "created_at",
        "paid_at",
        "history",
        "staff_actions",
    )
    fields = readonly_fields

    @admin.display(description="total")
    def total_shown(self, order: Order) -> str:
        return str(order.total)

    @admin.display(description="history")
    def history(self, order: Order) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.at.strftime("%Y-%m-%d %H:%M:%S"),
                    e.get_kind_display(),
                    f"{e.from_status} → {e.to_status}" if e.to_status else "",
                    e.source,
                    e.note,
                )
                for e in order.events.all()
            ),
        )
        return format_html(
            "<table><tr><th>at</th><th>what</th><th>status</th><th>by</th><th>note</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="actions")
    def staff_actions(self, order: Order) -> str:
        links = [
            format_html(
                '<a class="button" href="{}">Write to the buyer about this order</a>',
                reverse("admin:orders_order_contact", args=[order.pk]),
            )
        ]
        if order.status == Status.PAID:
            links.append(
                format_html(
                    '<a class="button" href="{}">Refund…</a>',
                    reverse("admin:orders_order_refund", args=[order.pk]),
                )
            )
        return format_html_join(" ", "{}", ((link,) for link in links))

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:pk>/refund/",
                self.admin_site.admin_view(self.refund_view),
                name="orders_order_refund",
            ),
            path(
                "<int:pk>/contact/",
                self.admin_site.admin_view(self.contact_view),
                name="orders_order_contact",
            ),
        ]
        return own + super().get_urls()

    def _order(self, request: HttpRequest, pk: int, perm: str) -> Order:
        if not request.user.has_perm(perm):
            raise PermissionDenied
        return get_object_or_404(Order, pk=pk)

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self._order(request, pk, "orders.refund_order")
        if request.method == "POST":
            try:
                refund_order(
                    order,
                    actor=request.user,
                    reason=request.POST.get("reason", "")[:200] or "refunded by staff",
                )
            except (ImpossibleTransition, ProcessorError) as problem:
                messages.error(request, str(problem))
            else:
                messages.success(request, f"Order {order.number} was refunded.")
            return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "order": order,
            "title": f"Refund order {order.number}",
        }
        return TemplateResponse(request, "admin/orders/refund.html", context)

    def contact_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        order = self._order(request, pk, "orders.contact_order")
        form = ContactForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                contact_about_order(order, clerk=request.user, **form.cleaned_data)
            except TroubleRefused as refused:
                raise PermissionDenied(str(refused)) from None
            messages.success(request, f"Your mail about order {order.number} is on its way.")
            return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "order": order,
            "form": form,
            "title": f"Write to the buyer about order {order.number}",
        }
        return TemplateResponse(request, "admin/orders/contact.html", context)


@admin.register(SpecialPrice)
class SpecialPriceAdmin(admin.ModelAdmin):
    list_display = ("label", "product", "price", "currency", "starts_at", "ends_at", "audience")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # orders point at it
