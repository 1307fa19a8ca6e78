"""Mailing lists: joining by explicit double opt-in, leaving in one step (C9, C10, C16).

The lists are the declaration's ``lists:`` (by default one, "News & Special
Offers"; C9 lets the vendor split it), each naming the purpose its mail serves. A
person is on a list exactly when they hold a standing consent to that purpose, for
a product's list scoped by the product's SKU. So the gate, which the worker asks
again when it sends, keeps the lists: no membership table can disagree with it.

* ``request_subscription`` (a signed-in person) and ``request_subscription_by_email``
  (a visitor who gives a name and an address) mail a confirmation link, for the
  purpose ``list_confirmation``: the person's own request, nothing more.
* ``confirm_subscription``, from that link's page, records the consent (via a
  link, under the policy in force) and marks the address verified: following a
  link mailed to it shows the address is the person's.
* ``unsubscribe`` withdraws it: from the signed token in any mail of the list
  (``read_unsubscribe_token``), by one click or on the account page.

A product's list (``owners_only``) is for that product's registered owners
(C10); ``may_join`` asks ``owned_products``, the one ownership source, and refuses
everyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pledge.lib.signing import BadToken, make_token, read_token
from pledge.licensing.ownership import owned_skus
from pledge.people import ratelimit
from pledge.people.digests import address_digest, normalise_email
from pledge.people.models import Person
from pledge.policy.audit import record_audit
from pledge.policy.consent import record_consent
from pledge.policy.gate import ALLOW, Decision, GateRefused, allows
from pledge.policy.models import Consent, ConsentState
from pledge.policy.versions import current_version

from .models import OutboundMessage
from .outbox import enqueue, list_of_purpose, lists_in_force, site_base_url

# The collection point of list choices and of a visitor's name and address.
POINT = "mailing_lists"
# The purpose of the one mail that asks a person to confirm joining a list.
CONFIRMATION = "list_confirmation"


class ListRefused(Exception):
    """Joining this list is not open to this person; ``message`` says why, to them."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class MailingList:
    """One list of the declaration in force."""

    key: str
    label: str
    purpose: str
    description: str
    owners_only: bool


def declared_lists() -> dict[str, MailingList]:
    """The lists of the policy in force, in the declaration's order."""
    declaration = current_version().declaration
    purposes = declaration["purposes"]
    return {
        key: MailingList(
            key=key,
            label=mlist["label"],
            purpose=mlist["purpose"],
            description=purposes[mlist["purpose"]]["description"],
            owners_only=bool(mlist.get("owners_only")),
        )
        for key, mlist in declaration.get("lists", {}).items()
    }


def public_list() -> MailingList | None:
    """The first list anyone may join: the one a visitor's form subscribes to."""
    return next((m for m in declared_lists().values() if not m.owners_only), None)


# The ownership source -----------------------------------------------------------


def owned_products(person: Any) -> frozenset[str]:
    """The SKUs of the products ``person`` is a registered owner of (C10).

    The one place owners-only lists learn who owns what: an active registration
    (``pledge.licensing``, made by a paid order line) makes its person an owner;
    a revoked one does not.
    """
    return owned_skus(person)


def product_names(skus: set[str]) -> dict[str, str]:
    """Products' names for people to read, by SKU; a SKU the catalog lacks names itself."""
    names = dict.fromkeys(skus, "")
    if skus:
        try:
            product_model = apps.get_model("shop", "Product")
        except LookupError:
            product_model = None
        if product_model is not None:
            names |= dict(product_model.objects.filter(sku__in=skus).values_list("sku", "name"))
    return {sku: name or sku for sku, name in names.items()}


def product_name(sku: str) -> str:
    """A product's name for people to read, or its SKU if the catalog has none."""
    return product_names({sku})[sku]


def may_join(person: Any, list_key: str, scope: str = "") -> Decision:
    """May ``person`` join the list ``list_key`` (for a product's list, ``scope`` = SKU)?

    The one rule for joining, asked when a person asks and again when they confirm.
    The reason is worded for the person.
    """
    mlist = declared_lists().get(list_key)
    if mlist is None:
        return Decision(False, "There is no such mailing list.")
    return _may_join(person, mlist, scope)


def _may_join(
    person: Any, mlist: MailingList, scope: str, owned: frozenset[str] | None = None
) -> Decision:
    if person.status != Person.Status.ACTIVE:
        return Decision(False, "This account is deactivated: it cannot join a mailing list.")
    if not mlist.owners_only:
        if scope:
            return Decision(False, f"{mlist.label} is one list, not one per product.")
        return ALLOW
    if not scope:
        return Decision(
            False,
            f"{mlist.label} are for registered owners of a product, one list per "
            "product, and we have no record that you own one. Once you buy a product "
            "from us, you can subscribe to its updates here.",
        )
    if scope not in (owned_products(person) if owned is None else owned):
        return Decision(
            False,
            f"{mlist.label} for {product_name(scope)} are only for its registered owners, "
            "and we have no record that you own it. Once you buy it from us, you can "
            "subscribe to its updates here.",
        )
    return ALLOW


# Joining ------------------------------------------------------------------------


def _is_on(person: Any, purpose: str, scope: str) -> bool:
    return ConsentState.objects.filter(
        person=person, purpose=purpose, scope=scope, granted=True
    ).exists()


def _confirmation_digest(email: str) -> str:
    # Truncated: the token is signed, so the digest only has to tell addresses apart.
    return address_digest("subscribe", email)[:24]


def confirmation_url(person: Any, list_key: str, scope: str, site: str) -> str:
    """The link that confirms joining ``list_key``: for this person, at this address."""
    value = f"{person.pk}:{list_key}:{scope}:{_confirmation_digest(person.email or '')}"
    token = make_token("subscribe", value)
    return site_base_url(site) + reverse("lists:confirm", args=[token])


def _enqueue_confirmation(person: Any, mlist: MailingList, scope: str, site: str) -> None:
    enqueue(
        person=person,
        purpose=CONFIRMATION,
        template="lists/confirm",
        site=site,
        context={
            "list": mlist,
            "product": product_name(scope) if scope else "",
            "confirm_url": confirmation_url(person, mlist.key, scope, site),
            "valid_days": settings.VERIFICATION_MAX_AGE // (24 * 60 * 60),
        },
    )


def request_subscription(person: Any, list_key: str, *, site: str, scope: str = "") -> bool:
    """A signed-in person asks to join a list: mail them the link that confirms it.

    Raises ListRefused if they may not join (``may_join``) and RateLimited after too
    many requests. Returns False, sending nothing, if they are on the list already.
    """
    decision = may_join(person, list_key, scope)
    if not decision:
        raise ListRefused(decision.reason)
    mlist = declared_lists()[list_key]
    if _is_on(person, mlist.purpose, scope):
        return False
    ratelimit.attempt("subscribe", person.email or person.pk)
    with transaction.atomic():
        if not allows(person, CONFIRMATION):
            # Their address was collected before the policy declared confirmations
            # (C22); asking for one, signed in, is their own yes to this use.
            record_consent(
                person, CONFIRMATION, granted=True, via="form", collection_point=POINT, site=site
            )
        _enqueue_confirmation(person, mlist, scope, site)
        record_audit(
            "list.subscribe_requested",
            subject_id=person.pk,
            categories=["user.contact.email"],
            reason=f"asked to join {list_key}{':' + scope if scope else ''}",
            detail={"list": list_key, "scope": scope, "site": site},
        )
    return True


def request_subscription_by_email(name: str, email: str, list_key: str, *, site: str) -> None:
    """A visitor gives a name and an address to join a list: mail that address the link.

    Says nothing about the address: whether it is new, known, on the list already or
    unable to join, the visitor hears the same and the address gets at most one
    mail, which only its owner can act on. A new address becomes a person with no
    password, collected at the mailing-list sign-up; if its owner never confirms,
    the retention rule for unverified accounts removes it. Raises ListRefused only
    for what does not depend on the address (an unknown or owners-only list), and
    RateLimited after too many requests for the address.
    """
    mlist = declared_lists().get(list_key)
    if mlist is None or mlist.owners_only:
        raise ListRefused("Only registered owners can join this list, from their account page.")
    email = normalise_email(email)
    ratelimit.attempt("subscribe", email)
    with transaction.atomic():
        person = Person.objects.filter(email__iexact=email).first()
        created = person is None
        if person is None:
            try:
                with transaction.atomic():
                    person = Person.objects.create_user(
                        email, None, point=POINT, name=name.strip(), site=site
                    )
            except IntegrityError:
                # Given at the same moment by another request.
                person = Person.objects.get(email__iexact=email)
                created = False
        joinable = bool(may_join(person, list_key))
        if joinable:
            # The gate may still refuse the mail (it records why); the visitor is
            # told the same either way.
            _enqueue_confirmation(person, mlist, "", site)
        record_audit(
            "list.subscribe_requested",
            subject_id=person.pk,
            categories=[*(["user.name"] if created else []), "user.contact.email"],
            reason=f"a visitor asked to join {list_key} for this address"
            + ("" if joinable else " (no mail: the account may not join)"),
            detail={"list": list_key, "site": site, "new_person": created},
        )


@dataclass(frozen=True)
class PendingSubscription:
    """What a confirmation link confirms: ``person`` joining ``mailing_list``."""

    person: Any
    mailing_list: MailingList
    scope: str
    already: bool

    @property
    def product(self) -> str:
        return product_name(self.scope) if self.scope else ""


def read_confirmation(token: str, *, lock: bool = False) -> PendingSubscription:
    """What a confirmation link confirms; BadToken if it confirms nothing.

    The link is for the address it was mailed to: after a change of address it no
    longer works, so it cannot vouch for an address it was never sent to.
    """
    value = read_token("subscribe", token, max_age=settings.VERIFICATION_MAX_AGE)
    pk, list_key, scope, digest = (value.split(":", 3) + ["", "", ""])[:4]
    people = Person.objects.filter(status=Person.Status.ACTIVE)
    if lock:
        people = people.select_for_update()
    person = people.filter(pk=int(pk)).first() if pk.isdigit() else None
    mlist = declared_lists().get(list_key)
    if person is None or mlist is None or not person.email:
        raise BadToken(expired=False)
    if digest != _confirmation_digest(person.email):
        raise BadToken(expired=False)
    return PendingSubscription(person, mlist, scope, already=_is_on(person, mlist.purpose, scope))


def confirm_subscription(token: str, *, site: str) -> PendingSubscription:
    """Follow a confirmation link: the person joins the list (C9, C10).

    Records the consent via a link, with when, where and under which policy
    version, and marks the address verified if it was not. A link used twice
    changes nothing the second time. Raises BadToken for a link that confirms
    nothing, ListRefused if the person may no longer join.
    """
    with transaction.atomic():
        pending = read_confirmation(token, lock=True)
        person, mlist = pending.person, pending.mailing_list
        decision = may_join(person, mlist.key, pending.scope)
        if not decision:
            raise ListRefused(decision.reason)
        if pending.already:
            return pending
        record_consent(
            person,
            mlist.purpose,
            granted=True,
            via=Consent.Via.LINK,
            collection_point=POINT,
            site=site,
            scope=pending.scope,
        )
        if person.email_verified_at is None:
            person.email_verified_at = timezone.now()
            person.save(update_fields=["email_verified_at"])
            record_audit(
                "person.verify_email",
                subject_id=person.pk,
                categories=["user.contact.email"],
                reason="followed the link to confirm a mailing list",
            )
    return PendingSubscription(person, mlist, pending.scope, already=False)


# Leaving ------------------------------------------------------------------------


@dataclass(frozen=True)
class OptOut:
    """What an unsubscribe token names: a person (None if gone), a purpose and a scope."""

    person: Any
    purpose: str
    scope: str
    label: str
    # The token of the message whose link or header it came from ("" for a token
    # made before messages were named in it).
    message_token: str = ""


def read_unsubscribe_token(token: str) -> OptOut:
    """What the unsubscribe link of a mail names; BadToken only if it is forged or damaged.

    The token never expires (C16: any mail of a list, however old, is a way out),
    and names the person even after they are gone, so the answer stays "done".
    """
    value = read_token("unsubscribe", token, max_age=None)
    pk, _, rest = value.partition(":")
    purpose, _, scope = rest.partition(":")
    scope, _, message_token = scope.rpartition(":") if ":" in scope else (scope, "", "")
    person = Person.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    lists = lists_in_force()
    key = list_of_purpose(purpose, lists)
    label = lists[key]["label"] if key else purpose.replace("_", " ")
    if scope:
        label = f"{label}: {product_name(scope)}"
    return OptOut(
        person=person, purpose=purpose, scope=scope, label=label, message_token=message_token
    )


def unsubscribe(
    person: Any,
    purpose: str,
    *,
    via: str,
    scope: str = "",
    site: str = "",
    message_token: str = "",
) -> bool:
    """Take ``person`` off the list of ``purpose`` (``scope``); True if they were on it.

    Withdraws the consent (``record_consent`` writes the history row and the audit
    row); the worker asks the gate again before each send, so no queued mail of the
    list goes out after this. Someone not on the list, deactivated or erased
    changes nothing: leaving always ends in "done". ``message_token`` names the
    person's message whose link or one-click header they used: that message is
    marked (``unsubscribed_at``), so its campaign's report counts the opt-out.
    """
    with transaction.atomic():
        state = (
            ConsentState.objects.select_for_update()
            .filter(person=person, purpose=purpose, scope=scope)
            .first()
        )
        if state is None or not state.granted:
            return False
        try:
            record_consent(
                person,
                purpose,
                granted=False,
                via=via,
                collection_point=POINT,
                site=site,
                scope=scope,
            )
        except GateRefused:
            # The purpose is no longer declared: nothing of it is sent any more.
            return False
        if message_token:
            OutboundMessage.objects.filter(
                token=message_token, person=person, unsubscribed_at__isnull=True
            ).update(unsubscribed_at=timezone.now())
    return True


# The account page -----------------------------------------------------------------


@dataclass(frozen=True)
class ListChoice:
    """One line of the account page's lists: on it (a button to leave) or not (to join)."""

    mailing_list: MailingList
    scope: str
    subscribed: bool
    joinable: Decision
    product: str = ""

    @property
    def title(self) -> str:
        if self.scope:
            return f"{self.mailing_list.label}: {self.product}"
        return self.mailing_list.label


def choices_for(person: Any) -> list[ListChoice]:
    """The account page's lists: every list, with whether ``person`` is on it.

    A product's list shows once per product the person owns or is subscribed to;
    with none, once, saying who may join.
    """
    standing = {
        (state.purpose, state.scope)
        for state in ConsentState.objects.filter(person=person, granted=True)
    }
    owned = owned_products(person)
    lines: list[tuple[MailingList, str]] = []
    for mlist in declared_lists().values():
        if not mlist.owners_only:
            lines.append((mlist, ""))
            continue
        subscribed = {scope for purpose, scope in standing if purpose == mlist.purpose}
        lines += [(mlist, scope) for scope in sorted(subscribed | owned) or [""]]
    names = product_names({scope for _, scope in lines if scope})
    choices = []
    for mlist, scope in lines:
        on = (mlist.purpose, scope) in standing
        joinable = ALLOW if on else _may_join(person, mlist, scope, owned)
        choices.append(ListChoice(mlist, scope, on, joinable, product=names.get(scope, "")))
    return choices
