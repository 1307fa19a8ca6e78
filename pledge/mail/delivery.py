"""Delivering the outbox: claim due messages, ask the gate again, send, record.

A pass claims a batch of due rows with a lease, by a conditional UPDATE that only
changes rows still due; the worker goes on only with the rows that UPDATE changed.
That holds on SQLite, where ``select_for_update`` does nothing; on PostgreSQL the
candidates are picked with ``FOR UPDATE SKIP LOCKED`` so workers do not queue up
behind each other's rows.

The batch goes out in chunks of ``MAIL_CONNECTIONS × MAIL_MARK_EVERY`` messages.
For each chunk the gate is asked again for every message, at that moment, in a
few queries (``gate.allows_each``, the rule of ``gate.allows``) (C9, C10, C22);
the lease is renewed and the attempt counted; the messages are built and sent,
pipelined over a few SMTP sessions (``transport.Pool``); then every outcome is
recorded in one transaction, with a conditional UPDATE per kind of outcome over
the list of ids. A message is marked sent only after the server accepted it.

A worker that dies leaves its rows leased; when the lease expires another worker
takes them (a reclaim, counted apart from attempts) and sends them again with the
same Message-ID. So nothing is lost, and the only duplicates possible are messages
the server accepted in the chunk in hand, not yet marked: at most
``MAIL_CONNECTIONS × MAIL_MARK_EVERY`` per dead worker (50 by default), each
recognisable by its Message-ID.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connections, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from pledge.policy import gate
from pledge.policy.audit import concrete_field, record_audits
from pledge.policy.loaded import configured_declaration

from . import transport
from .models import DomainBackoff, MessageEvent, OutboundMessage
from .outbox import site_base_url

logger = logging.getLogger(__name__)

Status = OutboundMessage.Status
Kind = MessageEvent.Kind


@dataclass(frozen=True)
class Delivery:
    """What became of one claimed message in a pass."""

    message: int
    outcome: str  # a MessageEvent kind, or "skipped" when the lease was lost
    detail: str


@dataclass
class Pass:
    """The result of one ``deliver_due`` call."""

    deliveries: list[Delivery] = field(default_factory=list)
    # Why the pass stopped early because no SMTP session could be opened.
    unavailable: str = ""


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pick(now: datetime, limit: int) -> list[Any]:
    """Up to ``limit`` due rows: those whose lease expired first, then the queued.

    Two queries, each served by an index: one over ``_due``'s OR would scan the
    whole outbox for every batch. Rows to a domain that is backing off are left
    where they are, queued and uncounted, by a subquery in the same SELECT. On
    PostgreSQL the rows are locked, skipping those another worker has locked.
    """
    db = connections[OutboundMessage.objects.db]
    when = db.ops.adapt_datetimefield_value(now)
    expired_sql, queued_sql = _pick_sql(db.alias)
    with db.cursor() as cursor:
        cursor.execute(expired_sql, [str(Status.SENDING), when, when, limit])
        picked = [row_id for (row_id,) in cursor.fetchall()]
        if len(picked) < limit:
            cursor.execute(queued_sql, [str(Status.QUEUED), when, when, limit - len(picked)])
            picked += [row_id for (row_id,) in cursor.fetchall()]
    return picked


@cache
def _pick_sql(alias: str) -> tuple[str, str]:
    """The SELECTs of ``_pick``: expired leases, then queued rows; each by its index."""
    db = connections[alias]
    quote = db.ops.quote_name
    backoff = DomainBackoff._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if db.features.has_select_for_update_skip_locked else ""

    def select(when: str) -> str:
        return (
            f"SELECT {quote('id')} FROM {quote(OutboundMessage._meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {quote('status')} = %s AND {quote(when)} {'<' if when == 'lease_until' else '<='} %s "
            f"AND NOT ({quote('recipient_domain')} IN (SELECT {quote('domain')} FROM "
            f"{quote(backoff)} WHERE {quote('until')} > %s)) "
            f"ORDER BY {quote(when)}, {quote('id')} LIMIT %s{lock}"
        )

    return select("lease_until"), select("next_attempt_at")


def claim_due(*, limit: int, worker_id: str) -> tuple[str, list[Sending]]:
    """Lease up to ``limit`` due messages to this worker; return the claim and the rows.

    A claim name is unique per call, so the rows this call's UPDATE changed are
    exactly the rows leased under it; a row another worker took first is not. A row
    whose lease had expired counts a reclaim; attempts are counted only when a
    message is handed to the server (``_deliver_chunk``). The UPDATE is written
    here and returns the claimed rows' sending columns (``RETURNING``): no second
    read and no model instances (docs/performance.md).
    """
    now = timezone.now()
    claim = f"{worker_id[:55]}/{secrets.token_hex(4)}"
    db = connections[OutboundMessage.objects.db]
    with transaction.atomic():
        # SQLite ignores FOR UPDATE; the conditional UPDATE below is what holds there.
        picked = _pick(now, limit)
        if not picked:
            return claim, []
        sql = _claim_sql(db.alias, len(picked))
        when = db.ops.adapt_datetimefield_value(now)
        lease_until = db.ops.adapt_datetimefield_value(
            now + timedelta(seconds=settings.MAIL_LEASE_SECONDS)
        )
        params = [
            str(Status.SENDING),
            str(Status.SENDING),
            claim,
            lease_until,
            *picked,
            str(Status.QUEUED),
            when,
            str(Status.SENDING),
            when,
        ]
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            if db.features.can_return_rows_from_bulk_insert:
                found = cursor.fetchall()
            else:  # a database without UPDATE ... RETURNING: read them back
                cursor.execute(_claimed_sql(db.alias, len(picked)), [*picked, claim])
                found = cursor.fetchall()
    rows = [Sending.of(values) for values in found]
    rows.sort(key=lambda row: (row.next_attempt_at, row.pk))
    return claim, rows


@dataclass(slots=True)
class Sending:
    """One claimed message, as sending reads it: its columns, not a model instance.

    What ``transport.build``, the gate and the record read; the rest of the row
    (opens, lease, past errors) is not read. ``attempts`` is this worker's count,
    raised when an attempt is counted.
    """

    pk: Any
    person_id: Any
    purpose: str
    scope: str
    site: str
    template: str
    to_address: str
    recipient_domain: str
    to_name: str
    subject: str
    body_text: str
    body_html: str
    message_id: str
    token: str
    created_at: datetime
    attempts: int
    list_key: str
    unsubscribe_token: str
    # A reply in a conversation (support): its sender, threading and RFC 3834 mark.
    from_address: str
    in_reply_to: str
    references: str
    auto_submitted: str
    next_attempt_at: datetime

    @classmethod
    def of(cls, values: Sequence[Any]) -> Sending:
        """From a row of ``SENDING_FIELDS``' columns, in that order."""
        row = cls(*values)
        row.created_at = _aware(row.created_at)
        row.next_attempt_at = _aware(row.next_attempt_at)
        return row


# What sending a row reads of it, in the order of ``Sending``'s fields.
SENDING_FIELDS = tuple(Sending.__dataclass_fields__)


def _aware(value: Any) -> datetime:
    """A datetime column's value as the ORM would give it (SQLite's are naive UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value  # type: ignore[no-any-return]


def _columns(db: Any, names: Sequence[str]) -> str:
    quote = db.ops.quote_name
    model = {"pk": "id", "person_id": "person"}
    return ", ".join(
        quote(str(concrete_field(OutboundMessage, model.get(name, name)).column)) for name in names
    )


@cache
def _claim_sql(alias: str, count: int) -> str:
    """The claim's UPDATE for ``count`` ids: only rows still due change; theirs returned.

    In SET every expression reads the row as it was, so ``reclaims`` counts a row
    whose status was still "sending" (an expired lease).
    """
    db = connections[alias]
    quote = db.ops.quote_name
    status, reclaims = quote("status"), quote("reclaims")
    sql = (
        f"UPDATE {quote(OutboundMessage._meta.db_table)} SET "  # noqa: S608 - names from the model
        f"{reclaims} = CASE WHEN {status} = %s THEN {reclaims} + 1 ELSE {reclaims} END, "
        f"{status} = %s, {quote('leased_by')} = %s, {quote('lease_until')} = %s "
        f"WHERE {quote('id')} IN ({', '.join(['%s'] * count)}) AND "
        f"(({status} = %s AND {quote('next_attempt_at')} <= %s) "
        f"OR ({status} = %s AND {quote('lease_until')} < %s))"
    )
    if db.features.can_return_rows_from_bulk_insert:
        sql += f" RETURNING {_columns(db, SENDING_FIELDS)}"
    return sql


@cache
def _claimed_sql(alias: str, count: int) -> str:
    db = connections[alias]
    quote = db.ops.quote_name
    return (
        f"SELECT {_columns(db, SENDING_FIELDS)} FROM {quote(OutboundMessage._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {quote('id')} IN ({', '.join(['%s'] * count)}) AND {quote('leased_by')} = %s"
    )


def deliver_due(
    *,
    limit: int | None = None,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    pool: transport.Pool | None = None,
) -> Pass:
    """Deliver the messages that are due now, in one pass over a few SMTP sessions.

    ``should_stop`` is asked between chunks: when it says yes the chunk in hand has
    been finished and the rest of the batch goes back to the queue untried. ``pool``
    holds sessions kept open from pass to pass (the worker's); without it the pass
    opens its own and ends them.
    """
    if pool is None:
        with transport.Pool(settings.MAIL_CONNECTIONS) as own:
            return deliver_due(limit=limit, worker_id=worker_id, should_stop=should_stop, pool=own)
    claim, rows = claim_due(
        limit=limit or settings.MAIL_BATCH_SIZE, worker_id=worker_id or default_worker_id()
    )
    result = Pass()
    if not rows:
        return result
    size = max(settings.MAIL_CONNECTIONS, 1) * max(settings.MAIL_MARK_EVERY, 1)
    lookup = _Lookup()
    lookup.backoffs = _lapsed_backoffs(rows)
    for start in range(0, len(rows), size):
        if should_stop():
            release(rows[start:], claim)
            break
        chunk, held_back = _hold_back(rows[start : start + size], lookup.backoffs)
        result.deliveries += record(held_back, claim)
        if not chunk:
            continue
        try:
            result.deliveries += _deliver_chunk(chunk, claim, pool, lookup)
        except transport.SMTPUnavailable as exc:
            release(rows[start + size :], claim)  # the chunk's own were released
            result.unavailable = str(exc)
            logger.warning("%s; unsent messages back in the queue", exc)
            break
    return result


@dataclass
class Outcome:
    """What to record for one message: its event, its audit reason and its row's new values."""

    row: Sending
    kind: str
    detail: str
    audit_reason: str
    changes: dict[str, Any]
    at: datetime
    # The server's reply code for a temporary failure: a 4xx backs its domain off.
    code: int = 0


class _Lookup:
    """What stays the same for a whole pass: site names, list labels, link prefixes."""

    def __init__(self) -> None:
        self.declaration = configured_declaration()
        # The backoff rows of the batch's domains, as this pass knows them: lapsed
        # ones read at the start, and those this pass began.
        self.backoffs: dict[str, DomainBackoff] = {}
        self._site_names: dict[str, str] = {}
        self._unsubscribe_prefix: dict[str, str] = {}

    def site_name(self, site_key: str) -> str:
        if site_key not in self._site_names:
            site = self.declaration.sites.get(site_key)
            organisation: str = self.declaration.data["organisation"]["name"]
            self._site_names[site_key] = site["name"] if site else organisation
        return self._site_names[site_key]

    def mailing_list(self, row: Sending) -> transport.MailingList | None:
        """The list a row was written for, for its List-* headers (C16); None if none."""
        if not row.list_key:
            return None
        declared = self.declaration.data["lists"].get(row.list_key, {})
        return transport.MailingList(
            key=row.list_key,
            label=declared.get("label", row.list_key),
            scope=row.scope,
            message_token=row.token,
            unsubscribe_url=self.unsubscribe_url(row.site, row.unsubscribe_token),
        )

    def unsubscribe_url(self, site_key: str, token: str) -> str:
        if site_key not in self._unsubscribe_prefix:
            # The path with a stand-in token, cut before it: reverse() once per site.
            path = reverse("lists:unsubscribe", args=["TOKEN"])
            self._unsubscribe_prefix[site_key] = site_base_url(site_key) + path[: -len("TOKEN/")]
        return f"{self._unsubscribe_prefix[site_key]}{token}/"


@dataclass(slots=True)
class _Person:
    """What the gate reads of a person (``gate.allows``), as they are now."""

    pk: Any
    email: str
    status: str
    contact_opt_out_at: datetime | None
    email_verified_at: datetime | None
    collected_under_id: Any
    mail_stopped_address: str
    mail_stopped_at: datetime | None
    mail_stopped_until: datetime | None


# What the gate reads of a person, in the order of ``_Person``'s fields.
GATE_FIELDS = tuple(_Person.__dataclass_fields__)


def _fresh_people(rows: Sequence[Sending]) -> dict[Any, _Person]:
    """The rows' people as they are now, with what the gate reads of them: one query.

    Written here, as the claim is: built by the ORM, the query cost more CPU than
    the database spent answering it.
    """
    ids = list({row.person_id for row in rows})
    model = get_user_model()
    db = connections[model._default_manager.db]
    quote = db.ops.quote_name
    names = {"pk": "id", "collected_under_id": "collected_under"}
    columns = ", ".join(
        quote(str(concrete_field(model, names.get(name, name)).column)) for name in GATE_FIELDS
    )
    sql = (
        f"SELECT {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(ids))})"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, ids)
        found = cursor.fetchall()
    people = {}
    for values in found:
        person = _Person(*values)
        for name in _PERSON_TIMES:
            if (value := getattr(person, name)) is not None:
                setattr(person, name, _aware(value))
        people[person.pk] = person
    return people


_PERSON_TIMES = ("contact_opt_out_at", "email_verified_at", "mail_stopped_at", "mail_stopped_until")


def _deliver_chunk(
    rows: Sequence[Sending],
    claim: str,
    pool: transport.Pool,
    lookup: _Lookup,
) -> list[Delivery]:
    """Ask the gate, send and record one chunk; SMTPUnavailable with nothing sent or recorded."""
    people = _fresh_people(rows)
    # The gate's answer must be about the people as they are now, not at claim time.
    decisions = gate.allows_each(
        [(people[row.person_id], row.purpose, row.scope, row.to_address) for row in rows]
    )
    outcomes: list[Outcome] = []
    sendable: list[Sending] = []
    for row, decision in zip(rows, decisions, strict=True):
        if not decision:
            outcomes.append(refused(row, decision.reason))
        elif not row.to_address:
            outcomes.append(refused(row, "the person has no email address"))
        elif row.attempts >= settings.MAIL_MAX_ATTEMPTS:
            # Handed to the server that often, never with an answer recorded: each
            # time its worker died with it in hand. Set aside, not tried forever.
            outcomes.append(failed(row, f"gave up after {row.attempts} attempts"))
        else:
            sendable.append(row)
    deliveries: list[Delivery] = []
    if sendable:
        try:
            pool.open(len(sendable))
        except transport.SMTPUnavailable:
            # Nothing sent: the gate's refusals stand, the rest go back untried.
            record(outcomes, claim)
            release(sendable, claim)
            raise
        held = count_attempts(sendable, claim)
        deliveries += [
            Delivery(row.pk, "skipped", "lease lost to another worker")
            for row in sendable
            if row.pk not in held
        ]
        sendable = [row for row in sendable if row.pk in held]
        outcomes += _send(sendable, claim, pool, lookup)
    _note_domains(outcomes, lookup.backoffs)
    deliveries += record(outcomes, claim)
    answered = {outcome.row.pk for outcome in outcomes}
    untried = [row for row in sendable if row.pk not in answered]
    if untried:
        release(untried, claim, counted=True)
    order = {row.pk: n for n, row in enumerate(rows)}
    return sorted(deliveries, key=lambda delivery: order[delivery.message])


class _Envelopes(Sequence[transport.Envelope | None]):
    """The rows' wire forms, each built when the pool first reads it; None if it cannot be.

    The pool reads the next messages while the server answers the ones written, so
    building overlaps the round trips instead of coming before them all.
    """

    def __init__(self, rows: Sequence[Sending], lookup: _Lookup) -> None:
        self.rows = rows
        self.lookup = lookup
        self.built: dict[int, transport.Envelope | None] = {}
        # Why a row could not be built, by position.
        self.errors: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, n: Any) -> Any:
        if n not in self.built:
            row = self.rows[n]
            try:
                self.built[n] = transport.build(
                    row,
                    site_name=self.lookup.site_name(row.site),
                    mailing_list=self.lookup.mailing_list(row),
                )
            except Exception as exc:  # a row that cannot be built is set aside, not retried
                self.built[n] = None
                self.errors[n] = f"cannot build the message: {exc}"
        return self.built[n]


def _send(
    rows: Sequence[Sending], claim: str, pool: transport.Pool, lookup: _Lookup
) -> list[Outcome]:
    """Build and send the rows; the outcome of each that was tried."""
    outcomes: list[Outcome] = []
    envelopes = _Envelopes(rows, lookup)
    replies = pool.send_many(envelopes)
    now = timezone.now()  # one time for the chunk: its sent rows are marked by one UPDATE
    for n, (row, reply) in enumerate(zip(rows, replies, strict=True)):
        if n in envelopes.errors:
            outcomes.append(failed(row, envelopes.errors[n]))
        elif reply.outcome == transport.ACCEPTED:
            outcomes.append(sent(row, reply, now))
        elif reply.outcome == transport.PERMANENT:
            outcomes.append(failed(row, str(reply), code=reply.code))
        elif reply.outcome == transport.TEMPORARY:
            if row.attempts >= settings.MAIL_MAX_ATTEMPTS:
                detail = f"gave up after {row.attempts} attempts: {reply}"
                outcomes.append(failed(row, detail, code=reply.code))
            else:
                outcomes.append(deferred(row, reply, now))
        # NOT_TRIED: no outcome; the row goes back to the queue (``_deliver_chunk``).
    return outcomes


def count_attempts(rows: Sequence[Sending], claim: str) -> set[Any]:
    """Extend the lease on the rows and count an attempt each; the ids still held.

    One UPDATE; if another worker took some over meanwhile (this worker stalled past
    its lease), one more query finds which rows are still this claim's.
    """
    ids = [row.pk for row in rows]
    lease_until = timezone.now() + timedelta(seconds=settings.MAIL_LEASE_SECONDS)
    changed = update_held(ids, claim, {"lease_until": lease_until}, attempts=1)
    still = set(ids) if changed == len(ids) else held_by(ids, claim)
    for row in rows:
        if row.pk in still:
            row.attempts += 1
    for row_id in set(ids) - still:
        logger.warning("message %s: lease lost to another worker, not sent", row_id)
    return still


def held_by(ids: Sequence[Any], claim: str, *, lock: bool = False) -> set[Any]:
    """Which of the rows ``ids`` this claim still holds; ``lock``: FOR UPDATE where supported."""
    db = connections[OutboundMessage.objects.db]
    quote = db.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT {quote('id')} FROM {quote(OutboundMessage._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {quote('id')} IN ({marks}) AND {quote('status')} = %s AND {quote('leased_by')} = %s"
    )
    if lock and db.features.has_select_for_update:
        sql += " FOR UPDATE"
    with db.cursor() as cursor:
        cursor.execute(sql, [*ids, str(Status.SENDING), claim])
        return {row_id for (row_id,) in cursor.fetchall()}


def update_held(
    ids: Sequence[Any],
    claim: str,
    values: dict[str, Any],
    *,
    attempts: int = 0,
    returning: bool = False,
) -> Any:
    """Set ``values`` on the rows ``ids`` that this claim still holds; how many it changed.

    A plain conditional UPDATE over the list of ids, written here: the ORM's took
    three times as long to build as SQLite took to run (docs/performance.md).
    ``attempts`` is added to the attempt count. ``returning`` (a database with
    ``UPDATE ... RETURNING``): the set of the ids it changed instead of their number.
    """
    if not ids:
        return set() if returning else 0
    db = connections[OutboundMessage.objects.db]
    quote = db.ops.quote_name
    sets, params = [], []
    for name, value in values.items():
        field = concrete_field(OutboundMessage, name)
        sets.append(f"{quote(str(field.column))} = %s")
        params.append(field.get_db_prep_save(value, db))
    if attempts:
        sets.append(f"{quote('attempts')} = {quote('attempts')} + %s")
        params.append(attempts)
    marks = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {quote(OutboundMessage._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608 - names from the model
        f"WHERE {quote('id')} IN ({marks}) AND {quote('status')} = %s AND {quote('leased_by')} = %s"
    )
    if returning:
        sql += f" RETURNING {quote('id')}"
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *ids, str(Status.SENDING), claim])
        if returning:
            return {row_id for (row_id,) in cursor.fetchall()}
        changed: int = cursor.rowcount
    return changed


def _lapsed_backoffs(rows: Sequence[Sending]) -> dict[str, DomainBackoff]:
    """The backoff rows of the batch's domains: lapsed (the claim skipped the rest),
    or begun by another worker since. One query a pass; none if no row has a domain.
    """
    domains = {row.recipient_domain for row in rows if row.recipient_domain}
    if not domains:
        return {}
    return {b.domain: b for b in DomainBackoff.objects.filter(domain__in=domains)}


def _hold_back(
    rows: Sequence[Sending], backoffs: dict[str, DomainBackoff]
) -> tuple[list[Sending], list[Outcome]]:
    """Split a chunk: the rows to send, and the rows whose domain is backing off now.

    A domain that refused earlier in this pass holds its later rows back: they go
    back to the queue until the domain's time, with an event that says so and no
    attempt counted, so one throttling provider does not spend its recipients'
    attempts.
    """
    now = timezone.now()
    go: list[Sending] = []
    held: list[Outcome] = []
    for row in rows:
        backoff = backoffs.get(row.recipient_domain)
        if backoff is not None and backoff.until > now:
            held.append(domain_deferred(row, backoff, now))
        else:
            go.append(row)
    return go, held


def _note_domains(outcomes: Sequence[Outcome], backoffs: dict[str, DomainBackoff]) -> None:
    """Back off the domains that answered 4xx, clear those that accepted mail.

    The last answer in the chunk decides for a domain. A reply without a code (the
    session to our relay broke) says nothing about the destination and changes
    nothing. A deferral's event names the domain and until when it waits.
    """
    last: dict[str, Outcome] = {}
    for outcome in outcomes:
        domain = outcome.row.recipient_domain
        if domain and (outcome.kind == Kind.SENT or outcome.code >= 400):
            last[domain] = outcome
    cleared = [d for d, o in last.items() if o.kind == Kind.SENT and d in backoffs]
    if cleared:
        DomainBackoff.objects.filter(domain__in=cleared).delete()
        for domain in cleared:
            del backoffs[domain]
    for domain, outcome in last.items():
        if outcome.kind == Kind.DEFERRED:
            backoffs[domain] = back_off(domain, outcome.code, outcome.at)
    for outcome in outcomes:
        domain = outcome.row.recipient_domain
        if outcome.kind == Kind.DEFERRED and outcome.code >= 400 and domain in backoffs:
            outcome.detail = f"{outcome.detail}; {_deferred_until(backoffs[domain])}"


def back_off(domain: str, code: int, now: datetime) -> DomainBackoff:
    """Record that ``domain`` answered a temporary failure: wait longer each time.

    The wait doubles with each failure in a row, capped. While the domain is already
    waiting (another worker's failure began it) the wait stands as it is. The
    domain's queued rows due sooner are moved to its time, so the claim's index scan
    does not wade through a throttled provider's backlog on every pass.
    """
    with transaction.atomic():
        current = DomainBackoff.objects.select_for_update().filter(domain=domain).first()
        if current is None:
            try:
                with transaction.atomic():
                    current = DomainBackoff.objects.create(
                        domain=domain,
                        until=now + domain_delay(1),
                        failures=1,
                        last_code=code,
                        since=now,
                    )
            except IntegrityError:  # another worker began it meanwhile
                current = DomainBackoff.objects.select_for_update().get(domain=domain)
                if current.until > now:
                    return current
        elif current.until > now:
            return current
        else:
            current.failures += 1
            current.until = now + domain_delay(current.failures)
            current.last_code = code
            current.save(update_fields=["failures", "until", "last_code"])
        OutboundMessage.objects.filter(
            recipient_domain=domain, status=Status.QUEUED, next_attempt_at__lt=current.until
        ).update(next_attempt_at=current.until)
        return current


def domain_delay(failures: int) -> timedelta:
    """How long a domain waits after ``failures`` temporary failures in a row."""
    seconds = settings.MAIL_DOMAIN_BACKOFF_SECONDS * 2 ** max(failures - 1, 0)
    return timedelta(seconds=min(seconds, settings.MAIL_DOMAIN_BACKOFF_MAX_SECONDS))


def _deferred_until(backoff: DomainBackoff) -> str:
    until = backoff.until.astimezone(UTC)
    return f"{backoff.domain} deferred until {until:%Y-%m-%d %H:%M:%S} UTC"


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try: doubling from the base, capped."""
    seconds = settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.MAIL_RETRY_MAX_SECONDS))


def record(outcomes: Sequence[Outcome], claim: str) -> list[Delivery]:
    """Record the outcomes of a chunk in one transaction: rows, events and audit rows.

    Only the lease holder may record: the rows still held by ``claim`` are read
    (locked on PostgreSQL), and each UPDATE is conditional on the claim as well, so
    a worker that lost its lease changes nothing. Rows with the same new values are
    updated together, by one UPDATE over their ids.
    """
    if not outcomes:
        return []
    db = connections[OutboundMessage.objects.db]
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for outcome in outcomes:
        groups[tuple(sorted(outcome.changes.items()))].append(outcome.row.pk)
    with transaction.atomic():
        if db.features.can_return_rows_from_bulk_insert:
            # Each UPDATE names the rows it changed: those the claim still held.
            held: set[Any] = set()
            for changes, group in groups.items():
                values = {"lease_until": None, "leased_by": "", **dict(changes)}
                held |= update_held(group, claim, values, returning=True)
        else:
            held = held_by([outcome.row.pk for outcome in outcomes], claim, lock=True)
            for changes, group in groups.items():
                values = {"lease_until": None, "leased_by": "", **dict(changes)}
                update_held([pk for pk in group if pk in held], claim, values)
        kept = [outcome for outcome in outcomes if outcome.row.pk in held]
        _insert_events(kept)
        record_audits(
            {
                "action": f"mail.{outcome.kind}",
                "subject_id": outcome.row.person_id,
                "reason": outcome.audit_reason[:255],
                "detail": {
                    "message": outcome.row.pk,
                    "purpose": outcome.row.purpose,
                    "template": outcome.row.template,
                    "attempt": outcome.row.attempts,
                },
            }
            for outcome in kept
        )
    deliveries = []
    for outcome in outcomes:
        row = outcome.row
        if row.pk not in held:
            logger.warning("message %s: lease lost before its outcome was recorded", row.pk)
            deliveries.append(
                Delivery(row.pk, "skipped", "lease lost before the outcome was recorded")
            )
            continue
        # One line per message; the person by number only, never the address (C7).
        logger.info(
            "message %s to #%s (%s, %s) attempt %s: %s %s",
            row.pk,
            row.person_id,
            row.purpose,
            row.template,
            row.attempts,
            outcome.kind,
            outcome.detail,
        )
        deliveries.append(Delivery(row.pk, outcome.kind, outcome.detail))
    return deliveries


def _insert_events(outcomes: Sequence[Outcome]) -> None:
    """One MessageEvent per outcome, in one INSERT run (``executemany``).

    Values prepared here once per distinct time: ``bulk_create`` spent more on
    preparing each object than the database on storing it (docs/performance.md).
    """
    if not outcomes:
        return
    db = connections[MessageEvent.objects.db]
    at_field = concrete_field(MessageEvent, "at")
    times: dict[datetime, Any] = {}
    rows = []
    for outcome in outcomes:
        if outcome.at not in times:
            times[outcome.at] = at_field.get_db_prep_save(outcome.at, db)
        rows.append(
            (
                outcome.row.pk,
                outcome.kind,
                times[outcome.at],
                outcome.row.attempts,
                outcome.detail[:500],
            )
        )
    quote = db.ops.quote_name
    columns = ", ".join(
        quote(str(concrete_field(MessageEvent, name).column))
        for name in ("message", "kind", "at", "attempt", "detail")
    )
    with db.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(MessageEvent._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
            "VALUES (%s, %s, %s, %s, %s)",
            rows,
        )


def sent(row: Sending, reply: transport.Reply, now: datetime | None = None) -> Outcome:
    """The server accepted the message: it is sent. ``now``: the time of the chunk's replies."""
    now = now or timezone.now()
    return Outcome(
        row,
        Kind.SENT,
        str(reply),
        f"{row.purpose}: accepted by the mail server",
        {"status": Status.SENT, "sent_at": now, "last_error": ""},
        now,
    )


def refused(row: Sending, reason: str) -> Outcome:
    """The gate says no at the moment of sending: the message is not sent, ever."""
    return Outcome(
        row,
        Kind.REFUSED,
        reason,
        f"{row.purpose}: {reason}",
        {"status": Status.REFUSED, "reason": reason[:255]},
        timezone.now(),
    )


def deferred(row: Sending, reply: transport.Reply, now: datetime | None = None) -> Outcome:
    """A temporary failure: back to the queue, to be tried again after a growing wait."""
    now = now or timezone.now()
    return Outcome(
        row,
        Kind.DEFERRED,
        str(reply),
        # The server's text may quote the address: the audit keeps only its code.
        f"{row.purpose}: temporary failure {reply.code}",
        {
            "status": Status.QUEUED,
            "next_attempt_at": now + retry_delay(row.attempts),
            "last_error": str(reply)[:500],
        },
        now,
        code=reply.code,
    )


def domain_deferred(row: Sending, backoff: DomainBackoff, now: datetime) -> Outcome:
    """Not tried: the row's domain is backing off. Back to the queue until its time."""
    return Outcome(
        row,
        Kind.DEFERRED,
        f"not tried: {_deferred_until(backoff)} after a {backoff.last_code}",
        # The domain may be a person's own: the audit does not name it.
        f"{row.purpose}: not tried, its domain is deferred",
        {"status": Status.QUEUED, "next_attempt_at": backoff.until},
        now,
    )


def failed(row: Sending, detail: str, *, code: int = 0) -> Outcome:
    """A permanent failure, or too many temporary ones: the message is given up."""
    return Outcome(
        row,
        Kind.FAILED,
        detail,
        f"{row.purpose}: failed permanently{f' {code}' if code else ''}",
        {
            "status": Status.FAILED,
            "reason": "the mail could not be delivered",
            "last_error": detail[:500],
        },
        timezone.now(),
    )


def mark_sent(row: Sending, claim: str, reply: transport.Reply) -> Delivery:
    """Record that the server accepted one message, if ``claim`` still holds it."""
    [delivery] = record([sent(row, reply)], claim)
    return delivery


def release(rows: Sequence[Sending], claim: str, *, counted: bool = False) -> int:
    """Hand claimed rows back to the queue untried, as if never claimed.

    Lease bookkeeping, not a change in what happened to the message: no event and
    no audit row. ``counted``: an attempt was counted for them that never reached
    the server (its session broke first), and is taken back.
    """
    changes: dict[str, Any] = {"status": Status.QUEUED, "leased_by": "", "lease_until": None}
    if counted:
        changes["attempts"] = F("attempts") - 1
    return OutboundMessage.objects.filter(
        pk__in=[row.pk for row in rows], status=Status.SENDING, leased_by=claim
    ).update(**changes)
