"""Buying: product → order form → the processor's page → the order's page → the account."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pledge.lib.signing import BadToken
from pledge.licensing.models import LicenseKey
from pledge.payments.processor import ProcessorError, checkout_origin
from pledge.shop.models import Product

from .checkout import OrderNotPayable, PromotionEnded, place_order, quote, start_payment
from .claims import claim_order, order_of_claim
from .forms import OrderForm
from .models import Order, Status

logger = logging.getLogger("pledge.orders")


def _signed_in(request: HttpRequest) -> Any:
    user = request.user
    return user if user.is_authenticated else None


def _payment_urls(request: HttpRequest, order: Order) -> dict[str, str]:
    page = request.build_absolute_uri(reverse("orders:status", args=[order.token]))
    return {"success_url": page + "?paid=1", "cancel_url": page + "?cancelled=1"}


def buy(request: HttpRequest, sku: str) -> HttpResponse:
    """The order form; on a valid POST, the order is placed and the buyer sent to pay."""
    site = request.site.key  # type: ignore[attr-defined]
    product = get_object_or_404(Product.objects.on_sale(site), sku=sku)
    person = _signed_in(request)
    price = quote(product, person, timezone.now())
    problem = ""
    if request.method == "POST":
        form = OrderForm(request.POST, signed_in=person)
        if form.is_valid():
            data = form.cleaned_data
            try:
                order = place_order(
                    product=product,
                    site=site,
                    name=data["name"],
                    email=person.email if person else data["email"],
                    shipping_address=data["shipping_address"],
                    signed_in=person,
                    offer=data.get("offer"),
                )
            except PromotionEnded as ended:
                problem = f"{ended} Check the price and submit again to buy at it."
                form = OrderForm(_with_offer(request.POST, price), signed_in=person)
            else:
                return _to_processor(request, order)
    else:
        form = OrderForm(
            initial={"offer": price.special.pk if price.special else None}, signed_in=person
        )
    response = render(
        request,
        "orders/buy.html",
        {"product": product, "form": form, "price": price, "problem": problem},
        status=409 if problem else 200,
    )
    return _may_post_to_processor(response)


def _may_post_to_processor(response: HttpResponse) -> HttpResponse:
    """Let this page's forms lead to the processor's page: CSP form-action follows redirects."""
    response._csp_update = {"form-action": ["'self'", checkout_origin()]}  # type: ignore[attr-defined]
    return response


def _with_offer(data: Any, price: Any) -> Any:
    """The submitted data with the offer now in force, so the buyer loses nothing they typed."""
    data = data.copy()
    data["offer"] = str(price.special.pk) if price.special else ""
    return data


def _to_processor(request: HttpRequest, order: Order) -> HttpResponse:
    try:
        url = start_payment(order, **_payment_urls(request, order))
    except (PromotionEnded, OrderNotPayable, ProcessorError) as problem:
        request.session["order_problem"] = str(problem)
        return redirect("orders:status", token=order.token)
    return HttpResponseRedirect(url)


def status(request: HttpRequest, token: str) -> HttpResponse:
    """The order as it stands: pending until the processor's signed event says otherwise."""
    order = get_object_or_404(Order.objects.select_related("product", "special_price"), token=token)
    problem = request.session.pop("order_problem", "")
    key = None
    if order.status == Status.PAID and order.claimed_at:
        key = _current_key(order)
    response = render(
        request,
        "orders/status.html",
        {
            "order": order,
            "problem": problem,
            "cancelled": "cancelled" in request.GET and order.status == Status.PENDING,
            "returned": "paid" in request.GET,
            "key": key,
        },
    )
    if (
        order.status == Status.PENDING
        and order.checkout_session_id
        and "cancelled" not in request.GET
    ):
        response["Refresh"] = "3"  # honest: pending until the processor's event arrives
    return _may_post_to_processor(response)


def _current_key(order: Order) -> str | None:
    found = (
        LicenseKey.objects.filter(
            registration__order_ref=order.number, status=LicenseKey.Status.CURRENT
        )
        .values_list("key", flat=True)
        .first()
    )
    return found


@require_POST
def pay(request: HttpRequest, token: str) -> HttpResponse:
    """Back to the processor's page for an order still waiting (the same session)."""
    order = get_object_or_404(Order, token=token)
    return _to_processor(request, order)


def claim(request: HttpRequest, token: str) -> HttpResponse:
    """From the receipt's link: GET shows one button, POST adds the order to the account."""
    try:
        order = order_of_claim(token)
    except (BadToken, Order.DoesNotExist):
        return render(request, "orders/claim_invalid.html", status=400)
    done = False
    if request.method == "POST":
        claim_order(order)
        done = True
    return render(
        request, "orders/claim.html", {"order": order, "done": done or bool(order.claimed_at)}
    )


@login_required
def my_orders(request: HttpRequest) -> HttpResponse:
    """The signed-in person's orders, with the keys of the paid ones."""
    person = _signed_in(request)
    orders = list(
        Order.objects.filter(person=person, claimed_at__isnull=False).select_related("product")
    )
    keys = {}
    if orders:
        keys = dict(
            LicenseKey.objects.filter(
                registration__order_ref__in=[o.number for o in orders],
                registration__person=person,
                status=LicenseKey.Status.CURRENT,
            ).values_list("registration__order_ref", "key")
        )
    rows = [{"order": o, "key": keys.get(o.number)} for o in orders]
    return render(request, "orders/mine.html", {"rows": rows})
