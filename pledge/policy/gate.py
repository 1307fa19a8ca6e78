"""The gate: may this person's data be used for this purpose now?

One answer for every use. It is derived from

* the person's status (active, deactivated, erased),
* the policy version each datum was collected under (C22: data is used under the
  policy it was collected under; a use added later needs the person's yes),
* the person's standing consents,
* whether the purpose is still declared in the version in force.

``allows`` answers for one person and says why when it refuses (``allows_each``
for a batch, by the same rule); ``reachable_q``
is the same rule as a query, for choosing recipients in bulk. The property tests
in ``tests/test_gate_properties.py`` hold the two to each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from .models import ConsentState, PolicyVersion

ACTIVE, DEACTIVATED, ERASED = "active", "deactivated", "erased"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class GateRefused(PermissionError):
    """A use of personal data that the policy does not allow; ``reason`` says why."""

    def __init__(self, purpose: str, reason: str):
        self.purpose = purpose
        self.reason = reason
        super().__init__(f"{purpose}: {reason}")


ALLOW = Decision(True, "allowed")


def _declares(version_data: dict[str, Any], purpose: str, categories: set[str]) -> bool:
    declared = version_data["purposes"].get(purpose)
    return declared is not None and categories <= set(declared["categories"])


def versions_declaring(purpose: str, categories: set[str]) -> list[int]:
    """Ids of the versions under which data collected may serve this purpose."""
    return [
        version.pk
        for version in PolicyVersion.objects.only("pk", "digest", "declaration_text")
        if _declares(version.declaration, purpose, categories)
    ]


@dataclass(frozen=True)
class MailStop:
    """Mail to an address that bounced: the one rule for ``allows`` and ``reachable_q``.

    The person's ``mail_stopped_*`` fields (written by the inbound mail's bounce
    handling) name the address that bounced. A hard bounce (no ``mail_stopped_until``)
    stops every mail to it, transactional ones too: a password reset to a dead
    address reaches no one. A suspension after soft bounces (until a date) stops all
    but transactional mail, which the person asked for and which may well pass. Mail
    to another address (a new one being confirmed) is not stopped.
    """

    transactional: bool
    now: datetime

    def refusal(self, person: Any, address: str | None = None) -> str:
        """Why mail for this purpose to ``address`` (the person's own by default) is refused."""
        stopped = getattr(person, "mail_stopped_at", None)
        if stopped is None:
            return ""
        target = (address or getattr(person, "email", "") or "").lower()
        if target != (getattr(person, "mail_stopped_address", "") or "").lower():
            return ""
        until = getattr(person, "mail_stopped_until", None)
        if until is None:
            return f"the address hard-bounced on {stopped:%Y-%m-%d}"
        if until > self.now and not self.transactional:
            return f"the address is suspended after soft bounces until {until:%Y-%m-%d}"
        return ""

    def q(self) -> Q:
        """The people whose mail for this purpose is stopped."""
        stopped = Q(mail_stopped_at__isnull=False, mail_stopped_address=F("email"))
        if self.transactional:
            return stopped & Q(mail_stopped_until__isnull=True)
        return stopped & (Q(mail_stopped_until__isnull=True) | Q(mail_stopped_until__gt=self.now))


def mail_stop(declared: dict[str, Any]) -> MailStop | None:
    """The bounce rule for a declared purpose; None for a purpose that sends no mail."""
    if not declared["contact"]:
        return None
    return MailStop(transactional=bool(declared["transactional"]), now=timezone.now())


def _current() -> PolicyVersion:
    # Without its text: a version's declaration is parsed once per process, by digest.
    version = PolicyVersion.objects.only("pk", "number", "digest").current()
    if version is None:
        from .versions import NoPolicyPublished

        raise NoPolicyPublished()
    return version


def allows(
    person: Any,
    purpose: str,
    *,
    scope: str = "",
    collected_under: PolicyVersion | None = None,
    address: str | None = None,
    prefetched: Prefetched | None = None,
) -> Decision:
    """Answer for one person. ``collected_under`` is the version of the datum used,
    by default the version the person's record was collected under; ``address`` the
    address a mail goes to, by default the person's own. ``prefetched`` holds what
    this reads from the database, read once for many (``allows_each``)."""
    current = prefetched.current if prefetched else _current()
    declared = current.purpose(purpose)
    if declared is None:
        return Decision(False, f"purpose {purpose!r} is not declared in the policy in force")
    status = getattr(person, "status", ACTIVE)
    if status == ERASED:
        return Decision(False, "the person's data is erased")
    if status == DEACTIVATED and declared["basis"] != "legal":
        return Decision(False, "the person deactivated their account")
    if (
        declared["contact"]
        and not declared["transactional"]
        and getattr(person, "contact_opt_out_at", None) is not None
    ):
        return Decision(False, "the person opted out of all communication")
    stop = mail_stop(declared)
    bounced = stop.refusal(person, address) if stop else ""
    if bounced:
        return Decision(False, bounced)
    if declared["basis"] == "legal":
        return ALLOW
    if (
        declared["contact"]
        and not declared["transactional"]
        and getattr(person, "email_verified_at", True) is None
    ):
        # C2: contact goes to a verified address only; until then, only the mails
        # the person's own action asked for (the verification itself).
        return Decision(False, "the email address is not verified")
    if prefetched is not None:
        version = collected_under or prefetched.versions.get(
            getattr(person, "collected_under_id", None)
        )
        state = prefetched.states.get((person.pk, purpose, scope))
    else:
        version = collected_under or getattr(person, "collected_under", None)
        state = ConsentState.objects.filter(person=person, purpose=purpose, scope=scope).first()
    if declared["basis"] == "consent":
        if state is None:
            return Decision(False, "no consent was given for this purpose")
        if not state.granted:
            return Decision(False, f"consent was withdrawn on {state.since:%Y-%m-%d}")
        return ALLOW
    # A service use: the person's explicit answer wins; without one it is allowed if
    # the datum's version declared it, else it is a new use that needs a yes (C22).
    if state is not None:
        if state.granted:
            return ALLOW
        return Decision(False, f"the person objected to this use on {state.since:%Y-%m-%d}")
    if version is not None and _declares(version.declaration, purpose, set(declared["categories"])):
        return ALLOW
    return Decision(False, "a new use of data collected under an earlier policy, not accepted")


@dataclass(frozen=True)
class Standing:
    """What ``allows`` reads of a standing consent: whether granted, and since when."""

    granted: bool
    since: datetime


@dataclass(frozen=True)
class Prefetched:
    """What ``allows`` reads from the database, read once for many answers.

    The version in force, the standing consents by (person id, purpose, scope), and
    the policy versions the people's records were collected under, by id.
    """

    current: PolicyVersion
    states: dict[tuple[Any, str, str], Standing | ConsentState]
    versions: dict[Any, PolicyVersion]


def allows_each(requests: Sequence[tuple[Any, str, str, str | None]]) -> list[Decision]:
    """``allows`` for many (person, purpose, scope, address) at once: a send batch's answers.

    Reads in two queries what ``allows`` would read per call (the standing
    consents; the version in force with the people's versions), then asks
    ``allows`` itself for each, so every rule of ``allows`` holds for a batch too,
    whatever rules it gains. The people must be fresh from the database: their
    status is read from them as they are.
    """
    if not requests:
        return []
    people = {person.pk for person, _, _, _ in requests}
    purposes = {purpose for _, purpose, _, _ in requests}
    states = _standing(people, purposes)
    version_ids = {getattr(person, "collected_under_id", None) for person, _, _, _ in requests}
    # The version in force is the highest number: read with the people's own, in one
    # query. Without the text: a version's declaration is parsed once per process.
    latest = PolicyVersion.objects.order_by("-number").values("number")[:1]
    versions = list(
        PolicyVersion.objects.only("pk", "number", "digest").filter(
            Q(pk__in=version_ids - {None}) | Q(number=Subquery(latest))
        )
    )
    if not versions:
        from .versions import NoPolicyPublished

        raise NoPolicyPublished()
    prefetched = Prefetched(
        current=max(versions, key=lambda version: version.number),
        states={
            (person_id, purpose, scope): Standing(bool(granted), _aware(since))
            for person_id, purpose, scope, granted, since in states
        },
        versions={version.pk: version for version in versions},
    )
    return [
        allows(person, purpose, scope=scope, address=address, prefetched=prefetched)
        for person, purpose, scope, address in requests
    ]


def _standing(people: set[Any], purposes: set[str]) -> list[tuple[Any, ...]]:
    """(person id, purpose, scope, granted, since) of the people's standing consents.

    Written here: built by the ORM, this query cost more CPU than the database spent
    answering it, once per send chunk.
    """
    db = connections[ConsentState.objects.db]
    quote = db.ops.quote_name
    columns = ", ".join(
        quote(str(ConsentState._meta.get_field(name).column))  # type: ignore[union-attr]
        for name in ("person", "purpose", "scope", "granted", "since")
    )
    person_column = quote(str(ConsentState._meta.get_field("person").column))
    sql = (
        f"SELECT {columns} FROM {quote(ConsentState._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {person_column} IN ({', '.join(['%s'] * len(people))}) "
        f"AND {quote('purpose')} IN ({', '.join(['%s'] * len(purposes))})"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [*people, *purposes])
        return list(cursor.fetchall())


def _aware(value: Any) -> datetime:
    """A datetime column's value as the ORM gives it (SQLite's come naive, in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # type: ignore[no-any-return]


def require(person: Any, purpose: str, **kwargs: Any) -> None:
    """Raise GateRefused unless the use is allowed."""
    decision = allows(person, purpose, **kwargs)
    if not decision:
        raise GateRefused(purpose, decision.reason)


def reachable_q(purpose: str, *, scope: str = "") -> Q:
    """The gate as a filter on the person model: who may be used for ``purpose``.

    Uses the person's own record version (``collected_under``); per-datum versions
    are checked with ``allows`` where a single datum is used.
    """
    current = _current()
    declared = current.purpose(purpose)
    if declared is None:
        return Q(pk__in=[])
    stop = mail_stop(declared)
    if declared["basis"] == "legal":
        return ~Q(status=ERASED) & ~stop.q() if stop else ~Q(status=ERASED)
    q = Q(status=ACTIVE)
    if stop:
        q &= ~stop.q()
    if declared["contact"] and not declared["transactional"]:
        q &= Q(contact_opt_out_at__isnull=True, email_verified_at__isnull=False)
    granted = Exists(
        ConsentState.objects.filter(
            person=OuterRef("pk"), purpose=purpose, scope=scope, granted=True
        )
    )
    if declared["basis"] == "consent":
        return q & Q(granted)  # the tree of `q & granted`, which the stubs type as Combinable
    any_state = Exists(
        ConsentState.objects.filter(person=OuterRef("pk"), purpose=purpose, scope=scope)
    )
    declaring = versions_declaring(purpose, set(declared["categories"]))
    return q & (granted | (Q(collected_under__in=declaring) & ~any_state))
