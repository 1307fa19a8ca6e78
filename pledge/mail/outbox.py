"""Writing a mail to the outbox: the only way Pledge sends mail.

``enqueue`` renders the message for one person and writes it as a row in the
caller's transaction, so the mail exists if and only if the event that caused it
committed. The gate is asked now and again by the worker at the moment of sending
(``pledge.mail.delivery``).

Templates live at ``mail/<template>.subject.txt``, ``mail/<template>.txt`` and,
optionally, ``mail/<template>.html``; the bodies extend ``mail/base.txt`` and
``mail/base.html``, whose footer carries the signed link to manage one's data (C21).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pledge.lib.signing import make_token
from pledge.policy import gate
from pledge.policy.audit import record_audit
from pledge.policy.loaded import configured_declaration

from .models import MessageEvent, OutboundMessage


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


def _plain(name: str, context: dict[str, Any]) -> str:
    # Subject and text part are not HTML: "O'Brien" must not arrive as "O&#x27;Brien".
    return get_template(name).template.render(Context(context, autoescape=False))


def render(template: str, context: dict[str, Any]) -> Rendered:
    subject = _plain(f"mail/{template}.subject.txt", context)
    text = _plain(f"mail/{template}.txt", context)
    try:
        html = get_template(f"mail/{template}.html").render(context)
    except TemplateDoesNotExist:
        html = ""
    return Rendered(subject=" ".join(subject.split()), text=text, html=html)


def enqueue(
    *,
    person: Any,
    purpose: str,
    template: str,
    site: str,
    context: dict[str, Any] | None = None,
    scope: str = "",
    address: str | None = None,
) -> OutboundMessage:
    """Write one message for ``person`` to the outbox, for ``purpose``.

    If the gate refuses now, the row is still written, as refused with the reason,
    so staff can see that the mail was wanted and why it did not go. A template
    whose parts lack the manage-your-data link is refused with MissingManageLink.
    ``address`` replaces the person's own address for the one mail that confirms a
    new address before it becomes theirs.
    """
    declaration = configured_declaration()
    token = secrets.token_hex(16)
    base = site_base_url(site)
    manage = manage_url(person, site)
    full_context = {
        "person": person,
        "site": {"key": site, **declaration.sites[site]},
        "organisation": declaration.data["organisation"],
        "base_url": base,
        "manage_url": manage,
        **(context or {}),
    }
    now = timezone.now()
    decision = gate.allows(person, purpose, scope=scope)
    rendered = render(template, full_context)
    if manage not in rendered.text:
        raise MissingManageLink(template, "txt")
    if rendered.html and escape(manage) not in rendered.html:
        raise MissingManageLink(template, "html")
    domain = settings.MAIL_DOMAIN
    with transaction.atomic():
        message = OutboundMessage.objects.create(
            person=person,
            purpose=purpose,
            scope=scope,
            site=site,
            template=template,
            to_address=(person.email if address is None else address) or "",
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
