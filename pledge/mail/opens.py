"""Which mail was opened: the clear gif in every HTML mail (C8).

The gif's URL holds only the message's ``open_token``, a random value made for it
alone (not the bounce token, not the unsubscribe token), so the URL names nothing
but that message. An open adds one to the message's count and sets its first
open; nothing about the request is kept (no address, no browser, no time beyond
the first). Campaign reports count from these two fields
(``OutboundMessage.objects.opens_summary()``).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from pledge.policy import gate

from .models import OutboundMessage

# The purpose opens serve, as declared: how well a communication or campaign works.
PURPOSE = "campaign_effectiveness"
TOKEN = re.compile(r"[0-9a-f]{32}")

# A 1×1 transparent GIF (GIF89a, one palette entry, transparent).
CLEAR_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
    b"!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def record_open(token: str) -> bool:
    """Count one open of the message whose gif holds ``token``; False if none counted.

    One UPDATE, with ``F()``, so simultaneous opens all count. Only for people the
    gate lets us use for the purpose: a deactivated or erased person's opens are
    not recorded. Not audited: an audit row would keep, about the person, when
    they read their mail, which is more than the counters themselves keep.
    """
    if not TOKEN.fullmatch(token):
        return False
    people = get_user_model()._default_manager.filter(gate.reachable_q(PURPOSE))
    counted = OutboundMessage.objects.filter(
        open_token=token, person__in=people.values("pk")
    ).update(
        open_count=F("open_count") + 1,
        first_opened_at=Coalesce(F("first_opened_at"), Value(timezone.now())),
    )
    return counted == 1
