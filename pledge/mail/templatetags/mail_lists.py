"""``{% subscribe_card %}``: the sign-up for the list anyone may join, for any page."""

from __future__ import annotations

from typing import Any

from django import template

from pledge.mail.lists import public_list
from pledge.policy.versions import NoPolicyPublished

register = template.Library()


@register.inclusion_tag("lists/_subscribe_card.html", takes_context=True)
def subscribe_card(context: template.Context) -> dict[str, Any]:
    try:
        mailing_list = public_list()
    except NoPolicyPublished:
        mailing_list = None
    return {
        "mailing_list": mailing_list,
        "user": context.get("user"),
        "csrf_token": context.get("csrf_token"),
    }
