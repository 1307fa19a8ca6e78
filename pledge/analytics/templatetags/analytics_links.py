"""``{% beacon "content-key" %}`` and ``{{ url|exit_link }}`` for templates (C6, C8)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import slugify

from pledge.analytics.exits import exit_url

register = template.Library()


@register.simple_tag
def beacon(*parts: object) -> SafeString:
    """A 1×1 clear gif whose request tells that this content was seen: ``{% beacon
    "product" product.sku %}`` asks for ``/b/product-<sku>.gif``, nothing personal."""
    key = "-".join(slugify(str(part)) for part in parts)[:64]
    src = reverse("analytics:beacon", kwargs={"key": key})
    return format_html('<img class="beacon" src="{}" alt="" width="1" height="1">', src)


@register.filter
def exit_link(destination: str) -> str:
    """The exit-redirect URL of a link to another site."""
    return exit_url(destination)
