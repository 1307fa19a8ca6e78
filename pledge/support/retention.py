"""The declaration's ``support_mail`` retention rule, enforced (C21).

A closed ticket is kept the rule's ``days`` after it closed, then deleted with its
messages and attachment files. Someone known only because they wrote to support
(a person collected at ``support_mail``, never verified, no account of their own)
is erased through the registry once none of their tickets is left: their address
has no other use. The unverified-account rule leaves them alone, since a support
requester's address is never verified and their tickets must outlive seven days.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from pledge.policy.versions import current_version
from pledge.rights.erasure import erase_person
from pledge.rights.exceptions import AlreadyErased

from .attachments import sweep_unlinked_files
from .models import POINT, RETENTION, Ticket

logger = logging.getLogger("pledge.support.retention")


@dataclass(frozen=True)
class SupportRetention:
    tickets: int
    people: int
    files: int


def purge_closed_tickets() -> SupportRetention:
    """Delete tickets closed longer ago than the rule's days; erase requesters left with none.

    Also deletes attachment files that no row names (``sweep_unlinked_files``).
    """
    # Files whose rows never committed (a transaction rolled back after writing them).
    swept = sweep_unlinked_files()
    rule = current_version().declaration["retention"].get(RETENTION, {})
    days = rule.get("days")
    if not days:
        return SupportRetention(0, 0, swept)
    cutoff = timezone.now() - timedelta(days=days)
    with transaction.atomic():
        # Rows one by one (Django's collector), so each attachment's file goes too.
        deleted, _ = Ticket.objects.filter(state=Ticket.State.CLOSED, closed_at__lt=cutoff).delete()
    tickets = Ticket.objects.filter(person=OuterRef("pk"))
    leftover = (
        get_user_model()
        ._default_manager.filter(
            collection_point=POINT,
            status="active",
            email_verified_at__isnull=True,
            is_staff=False,
            date_joined__lt=cutoff,
        )
        .exclude(Exists(tickets))
    )
    erased = 0
    for person in leftover.iterator():
        try:
            erase_person(person, via="retention")
        except AlreadyErased:
            continue
        erased += 1
    if deleted or erased:
        logger.info(
            "support retention: %d row(s) of old tickets, %d requester(s) erased", deleted, erased
        )
    return SupportRetention(deleted, erased, swept)
