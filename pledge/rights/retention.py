"""Retention the system enforces itself: the declaration's rules with ``days``.

Today that is the unverified account: an address nobody confirmed may not be the
registrant's own, so after the declared days the account is erased like any other,
through the registry. Later rules (raw logs, referrals) join here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.versions import current_version

from .erasure import erase_person
from .exceptions import AlreadyErased

logger = logging.getLogger("pledge.rights.retention")


@dataclass(frozen=True)
class RetentionResult:
    rule: str
    erased: int


def purge_unverified_accounts() -> RetentionResult:
    """Erase accounts never verified within the declared days (rule ``unverified_accounts``)."""
    rule = current_version().declaration["retention"].get("unverified_accounts", {})
    days = rule.get("days")
    if not days:
        return RetentionResult("unverified_accounts", 0)
    cutoff = timezone.now() - timedelta(days=days)
    stale = (
        Person.objects.filter(
            status=Person.Status.ACTIVE,
            email_verified_at__isnull=True,
            is_staff=False,
            date_joined__lt=cutoff,
        )
        .exclude(
            # A guest buyer is a person with no password and no proved address; once
            # they paid, their orders are the relationship, and the invoices rule keeps them.
            orders__paid_at__isnull=False
        )
        .exclude(
            # Known only from a mail to support: never verified, kept by the support rule.
            collection_point="support_mail"
        )
    )
    erased = 0
    for person in stale.iterator():
        try:
            erase_person(person, via="retention")
        except AlreadyErased:
            continue  # another worker got there first
        erased += 1
    if erased:
        logger.info("retention: erased %d unverified account(s) older than %d days", erased, days)
    return RetentionResult("unverified_accounts", erased)


def apply_retention() -> list[RetentionResult]:
    """Apply every retention rule the system enforces. Safe to run on several workers."""
    return [purge_unverified_accounts()]
