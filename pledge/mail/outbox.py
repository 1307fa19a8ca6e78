"""Writing a mail to the outbox: the only way Pledge sends mail.

``enqueue`` renders the message for one person and writes it as a row in the
caller's transaction, so the mail exists if and only if the event that caused it
committed. The gate is asked now and again by the worker at the moment of sending
(``pledge.mail.delivery``). ``enqueue_rendered`` writes a batch that its sender
rendered itself (a campaign's) under the same rules, in a few queries per batch.

Templates live at ``mail/<template>.subject.txt``, ``mail/<template>.txt`` and,
optionally, ``mail/<template>.html``; the bodies extend ``mail/base.txt`` and
``mail/base.html``, whose footer carries the signed link to manage one's data (C21),
and, in a mail to one of the declaration's lists, the link to leave it (C16). The
HTML part ends with the message's clear gif (C8). ``message_links`` makes these
links before a message is rendered.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.template import Context, TemplateDoesNotExist
from django.template.backends.django import Template as DjangoTemplate
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pledge.lib.signing import DAY, BadToken, make_token, read_token
from pledge.policy import gate
from pledge.policy.audit import record_audit
from pledge.policy.loaded import configured_declaration
from pledge.policy.versions import current_version

from .models import MessageEvent, OutboundMessage
from .transport import AUTO_GENERATED


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class MissingManageLink(ValueError):
    """A mail template does not carry the manage-your-data link (C21): extend the base."""

    def __init__(self, template: str, part: str):
        super().__init__(
            f"mail/{template}.{part} lacks the manage-your-data link: "
            f'extend "mail/base.{part}" and keep its footer'
        )


class MissingOptOutLink(ValueError):
    """A mail to a list does not carry the link to leave it (C16): extend the base."""

    def __init__(self, template: str, part: str):
        super().__init__(
            f"mail/{template}.{part} lacks the opt-out link of its list: "
            f'extend "mail/base.{part}" and keep its footer'
        )


def site_base_url(site_key: str) -> str:
    """The absolute base URL of a site, for links in mail."""
    site = configured_declaration().sites[site_key]
    host = site["hosts"][0]
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}"


def manage_url(person: Any, site_key: str) -> str:
    """The signed link to manage one's data, carried by every mail (C21)."""
    token = make_token("manage", person.pk)
    return site_base_url(site_key) + reverse("rights:manage", args=[token])


def lists_in_force() -> dict[str, dict[str, Any]]:
    """The mailing lists of the policy version in force, by key, in the declaration's order."""
    lists: dict[str, dict[str, Any]] = current_version().declaration.get("lists", {})
    return lists


def list_of_purpose(purpose: str, lists: dict[str, dict[str, Any]]) -> str:
    """The key of the list whose mail serves ``purpose``, or "" if it is no list's (C9)."""
    return next((key for key, mlist in lists.items() if mlist["purpose"] == purpose), "")


def unsubscribe_token(person_pk: Any, purpose: str, scope: str = "", message: str = "") -> str:
    """The signed token that takes a person off one list; it never expires (C16).

    ``message`` is the token of the message that carries it, so an opt-out made with
    it is counted for that message, and its campaign (``lists.unsubscribe``).
    """
    return make_token("unsubscribe", ":".join([str(person_pk), purpose, scope, message]))


@dataclass(frozen=True)
class Links:
    """The links one message carries, made before it is rendered.

    Every mail: the signed link to manage one's data (C21); an HTML part: the clear
    gif, whose URL holds only a random ``open_token`` (C8). A mail to a list also
    names the list and carries the link to leave it, with a signed token that the
    List-Unsubscribe headers repeat (C16).
    """

    manage_url: str
    open_token: str
    open_url: str
    # The message's own token (its row's ``token``): named by the opt-out link.
    message_token: str = ""
    list_key: str = ""
    list_label: str = ""
    unsubscribe_token: str = ""
    unsubscribe_url: str = ""

    def context(self) -> dict[str, str]:
        """The template variables ``mail/base.*`` read."""
        context = {"manage_url": self.manage_url, "open_url": self.open_url}
        if self.list_key:
            context |= {"list_label": self.list_label, "unsubscribe_url": self.unsubscribe_url}
        return context


def message_links(
    person: Any,
    purpose: str,
    *,
    site: str,
    scope: str = "",
    lists: dict[str, dict[str, Any]] | None = None,
) -> Links:
    """The links of one new message to ``person`` for ``purpose`` from ``site``.

    ``lists`` saves reading the policy in force again (``lists_in_force()``).
    """
    base = site_base_url(site)
    open_token = secrets.token_hex(16)
    links = Links(
        manage_url=manage_url(person, site),
        open_token=open_token,
        open_url=base + reverse("open_pixel", args=[open_token]),
        message_token=secrets.token_hex(16),
    )
    lists = lists_in_force() if lists is None else lists
    list_key = list_of_purpose(purpose, lists)
    if not list_key:
        return links
    token = unsubscribe_token(person.pk, purpose, scope, links.message_token)
    return Links(
        manage_url=links.manage_url,
        open_token=open_token,
        open_url=links.open_url,
        message_token=links.message_token,
        list_key=list_key,
        list_label=lists[list_key]["label"],
        unsubscribe_token=token,
        unsubscribe_url=base + reverse("lists:unsubscribe", args=[token]),
    )


def _plain(name: str, context: dict[str, Any]) -> str:
    # Subject and text part are not HTML: "O'Brien" must not arrive as "O&#x27;Brien".
    template = get_template(name)
    assert isinstance(template, DjangoTemplate)  # the one engine in TEMPLATES
    return template.template.render(Context(context, autoescape=False))


def render(template: str, context: dict[str, Any]) -> Rendered:
    subject = _plain(f"mail/{template}.subject.txt", context)
    text = _plain(f"mail/{template}.txt", context)
    try:
        html = get_template(f"mail/{template}.html").render(context)
    except TemplateDoesNotExist:
        html = ""
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


@dataclass(frozen=True)
class ReplyHeaders:
    """How a mail answers another (C11): from which of our mailboxes, threaded under
    which Message-IDs (RFC 5322 In-Reply-To and References), and its RFC 3834
    Auto-Submitted value (``transport.AUTO_REPLIED`` for an automatic answer, so
    that the other side's responder stays quiet; ``transport.NOT_AUTOMATIC`` for a
    reply a person wrote). The default is an ordinary mail of the system's own.
    """

    from_address: str = ""
    in_reply_to: str = ""
    references: str = ""
    auto_submitted: str = AUTO_GENERATED


def enqueue(
    *,
    person: Any,
    purpose: str,
    template: str,
    site: str,
    context: dict[str, Any] | None = None,
    scope: str = "",
    address: str | None = None,
    reply: ReplyHeaders | None = None,
) -> OutboundMessage:
    """Write one message for ``person`` to the outbox, for ``purpose``.

    If the gate refuses now, the row is still written, as refused with the reason,
    so staff can see that the mail was wanted and why it did not go. A template
    whose parts lack the manage-your-data link is refused with MissingManageLink,
    and a mail to a list whose parts lack its opt-out link with MissingOptOutLink.
    ``address`` replaces the person's own address for the one mail that confirms a
    new address before it becomes theirs. ``reply`` makes the mail an answer in a
    conversation: its sender mailbox, threading headers and RFC 3834 marking.
    """
    reply = reply or ReplyHeaders()
    declaration = configured_declaration()
    base = site_base_url(site)
    links = message_links(person, purpose, site=site, scope=scope)
    token = links.message_token
    manage = links.manage_url
    full_context = {
        "person": person,
        "site": {"key": site, **declaration.sites[site]},
        "organisation": declaration.data["organisation"],
        "base_url": base,
        **links.context(),
        **(context or {}),
    }
    now = timezone.now()
    decision = gate.allows(person, purpose, scope=scope, address=address)
    rendered = render(template, full_context)
    if manage not in rendered.text:
        raise MissingManageLink(template, "txt")
    if rendered.html and escape(manage) not in rendered.html:
        raise MissingManageLink(template, "html")
    if links.unsubscribe_url:
        if links.unsubscribe_url not in rendered.text:
            raise MissingOptOutLink(template, "txt")
        if rendered.html and escape(links.unsubscribe_url) not in rendered.html:
            raise MissingOptOutLink(template, "html")
    domain = settings.MAIL_DOMAIN
    to_address = (person.email if address is None else address) or ""
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            person=person,
            purpose=purpose,
            scope=scope,
            site=site,
            template=template,
            to_address=to_address,
            recipient_domain=recipient_domain(to_address),
            to_name=person.name,
            subject=rendered.subject,
            body_text=rendered.text,
            body_html=rendered.html,
            message_id=f"<{token}@{domain}>",
            token=token,
            status=OutboundMessage.Status.QUEUED if decision else OutboundMessage.Status.REFUSED,
            reason="" if decision else decision.reason,
            created_at=now,
            next_attempt_at=now,
            list_key=links.list_key,
            unsubscribe_token=links.unsubscribe_token,
            open_token=_open_token(links, rendered.html),
            from_address=reply.from_address,
            in_reply_to=reply.in_reply_to,
            references=reply.references,
            auto_submitted=reply.auto_submitted,
        )
        MessageEvent.objects.create(
            message=message,
            kind=MessageEvent.Kind.QUEUED if decision else MessageEvent.Kind.REFUSED,
            at=now,
            detail="" if decision else decision.reason,
        )
        if not decision:
            record_audit(
                "mail.refused",
                subject_id=person.pk,
                reason=f"{purpose}: {decision.reason}"[:255],
                detail={"message": message.pk, "template": template},
            )
    return message


def recipient_domain(address: str) -> str:
    """The domain mail to ``address`` goes to, lower-cased; "" without one.

    The claim groups the queue by it to back off per destination (``DomainBackoff``).
    Non-ASCII addresses are refused at sending, so no IDNA form is needed.
    """
    return address.rpartition("@")[2].strip().lower() if "@" in address else ""


def _open_token(links: Links, html: str) -> str | None:
    """The open token, if the HTML part carries its clear gif (a text-only mail has none)."""
    return links.open_token if html and escape(links.open_url) in html else None


@dataclass(frozen=True)
class Letter:
    """One message its sender rendered for one person, for ``enqueue_rendered``."""

    person: Any
    rendered: Rendered
    # The link to manage one's data that the sender put in both parts (``manage_url``).
    manage_url: str
    # The links it was rendered with (``message_links``), for its opt-out link and
    # clear gif; without them the row still gets its list's headers.
    links: Links | None = None


def _manage_link_of(person: Any, site: str, url: str) -> bool:
    """Whether ``url`` is this site's manage-your-data link for ``person``, freshly signed."""
    token = url.rstrip("/").rsplit("/", 1)[-1]
    if url != site_base_url(site) + reverse("rights:manage", args=[token]):
        return False
    try:
        return read_token("manage", token, max_age=DAY) == str(person.pk)
    except BadToken:
        return False


def enqueue_rendered(
    letters: Sequence[Letter], *, purpose: str, site: str, template: str, scope: str = ""
) -> list[OutboundMessage]:
    """Write messages rendered by their sender (a campaign's batch) to the outbox at once.

    The rules of ``enqueue`` hold: every part must carry the person's manage-your-data
    link, signed for them on this site (else MissingManageLink), the gate is asked now, and a row it refuses is
    written as refused, with the reason, and audited. The gate is asked for the whole
    batch in one query (``reachable_q``, the rule of ``allows`` as a filter), and
    ``allows`` only for the people it leaves out, to say why. Rows and their first
    events are written with ``bulk_create``: a batch costs the same few queries
    whatever its size. ``template`` names the mail's source in the row and in logs.
    A row for a list's purpose gets the list's headers (C16); its opt-out link and
    clear gif are those of ``letter.links``, when the sender rendered with them.
    """
    if not letters:
        return []
    for letter in letters:
        manage = letter.manage_url
        if not _manage_link_of(letter.person, site, manage) or manage not in letter.rendered.text:
            raise MissingManageLink(template, "txt")
        if letter.rendered.html and escape(manage) not in letter.rendered.html:
            raise MissingManageLink(template, "html")
    lists = lists_in_force()
    people = get_user_model()._default_manager
    allowed = set(
        people.filter(gate.reachable_q(purpose, scope=scope))
        .filter(pk__in=[letter.person.pk for letter in letters])
        .values_list("pk", flat=True)
    )
    reasons: dict[Any, str] = {}
    for letter in letters:
        if letter.person.pk not in allowed:
            decision = gate.allows(letter.person, purpose, scope=scope)
            if not decision:
                reasons[letter.person.pk] = decision.reason
    now = timezone.now()
    rows = []
    for letter in letters:
        reason = reasons.get(letter.person.pk, "")
        links = letter.links or message_links(
            letter.person, purpose, site=site, scope=scope, lists=lists
        )
        # The token its opt-out link names, if the sender made the links.
        token = links.message_token or secrets.token_hex(16)
        rows.append(
            OutboundMessage(
                person=letter.person,
                purpose=purpose,
                scope=scope,
                site=site,
                template=template,
                to_address=letter.person.email or "",
                recipient_domain=recipient_domain(letter.person.email or ""),
                to_name=letter.person.name,
                subject=letter.rendered.subject,
                body_text=letter.rendered.text,
                body_html=letter.rendered.html,
                message_id=f"<{token}@{settings.MAIL_DOMAIN}>",
                token=token,
                status=OutboundMessage.Status.REFUSED if reason else OutboundMessage.Status.QUEUED,
                reason=reason,
                created_at=now,
                next_attempt_at=now,
                list_key=links.list_key,
                unsubscribe_token=links.unsubscribe_token,
                open_token=_open_token(links, letter.rendered.html),
            )
        )
    with transaction.atomic():
        OutboundMessage.objects.bulk_create(rows)
        MessageEvent.objects.bulk_create(
            MessageEvent(
                message=row,
                kind=MessageEvent.Kind.REFUSED if row.reason else MessageEvent.Kind.QUEUED,
                at=now,
                detail=row.reason,
            )
            for row in rows
        )
        for row in rows:
            if row.reason:
                record_audit(
                    "mail.refused",
                    subject_id=row.person_id,
                    reason=f"{purpose}: {row.reason}"[:255],
                    detail={"message": row.pk, "template": template},
                )
    return rows


# A paused campaign's queued messages wait here until it resumes: no worker finds
# them due. The row stays queued; only when it may be tried changes.
HELD_UNTIL = datetime(9999, 12, 31, tzinfo=UTC)


def hold(messages: QuerySet[OutboundMessage]) -> int:
    """Keep the queued ones of ``messages`` from being sent until ``unhold``."""
    return messages.filter(status=OutboundMessage.Status.QUEUED).update(next_attempt_at=HELD_UNTIL)


def unhold(messages: QuerySet[OutboundMessage]) -> int:
    """Make the held ones of ``messages`` due again now."""
    return messages.filter(status=OutboundMessage.Status.QUEUED, next_attempt_at=HELD_UNTIL).update(
        next_attempt_at=timezone.now()
    )
