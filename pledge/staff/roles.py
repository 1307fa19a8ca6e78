"""Staff roles: one Django group per role the declaration names (C20).

The declaration's ``roles:`` gives each job its data categories; the staff admin
masks every other category (``masking.py``). Which admin pages a role may open at
all is the model-permission table below, kept next to the jobs that explain it.
Roles are read from the policy version in force, so publishing a declaration that
narrows a job narrows what that job sees at the next page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from pledge.policy.audit import record_audit
from pledge.policy.gate import ACTIVE
from pledge.policy.loaded import configured_declaration
from pledge.policy.versions import NoPolicyPublished, current_version

ADMINISTRATOR = "administrator"

# What each job needs to open in the staff admin. Model permissions only say which
# pages load; the categories in the declaration then say which fields show.
# Nobody may add, change or delete policy versions, consents or the audit trail
# here: those change only through their actions (publish, record_consent, ...).
ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    # "Orders, billing and order trouble": the buyer's record, and the mail sent
    # about an order (receipts, trouble notices). No consents: billing does not
    # decide who may be mailed.
    "billing_clerk": {
        "people.person": ("view",),
        "mail.outboundmessage": ("view",),
        "mail.messageevent": ("view",),
        "mail.domainbackoff": ("view",),  # why a mail has not gone out yet
        "policy.policyversion": ("view",),
        "shop.product": ("view", "add", "change"),  # sets the prices it bills
        "campaigns.campaign": ("view",),  # the promotion prices a campaign offered
        # Registered owners and their keys: revoke on a refund, re-issue a leaked key.
        "licensing.registration": ("view", "revoke", "reissue"),
        "licensing.licensekey": ("view",),
        "orders.order": ("view", "refund", "contact"),  # refunds, writes about order trouble
        "orders.specialprice": ("view", "add", "change"),  # time-limited prices (C10)
    },
    # "Support tickets and customers' contact details": who the customer is and
    # what we mailed them, to answer "did you send me ...?".
    "customer_service": {
        "people.person": ("view",),
        "mail.outboundmessage": ("view",),
        "mail.messageevent": ("view",),
        "mail.domainbackoff": ("view",),  # why a mail has not gone out yet
        "policy.policyversion": ("view",),
        "shop.product": ("view",),  # answers customers' questions on editions and prices
        "campaigns.campaign": ("view",),  # answers customers about a mailing's offer
        "licensing.registration": ("view",),  # "my key does not work": which key is current
        "licensing.licensekey": ("view",),
        "support.ticket": ("view", "change"),  # reads and answers tickets, assigns, closes
        "mail.inboundmessage": ("view",),  # mail in: support, bounces, what became of each
    },
    # "Mailing lists, campaigns and aggregate analytics; no personal data": how
    # campaigns went (statuses, purposes, subjects masked by category), never a
    # person's record.
    "marketing": {
        "mail.outboundmessage": ("view",),
        "mail.messageevent": ("view",),
        "mail.domainbackoff": ("view", "retry"),  # providers holding back its mailings
        "policy.policyversion": ("view",),
        "shop.product": ("view",),  # campaigns name products and prices; billing sets them
        "campaigns.campaign": ("view", "add", "change"),  # writes and sends the campaigns
        "analytics.dailycount": ("view",),  # the analytics dashboard: aggregates only (C7)
    },
    # "Data requests, legal disclosures and policy versions": the person's record,
    # their consents, the audit trail of who saw what, and the versions in force.
    "privacy_officer": {
        "people.person": ("view",),
        "policy.consent": ("view",),
        "policy.consentstate": ("view",),
        "policy.auditevent": ("view",),
        "policy.policyversion": ("view",),
        "mail.outboundmessage": ("view",),
        "mail.messageevent": ("view",),
        "mail.domainbackoff": ("view",),  # why a mail has not gone out yet
        "shop.product": ("view",),  # what an order named, when a buyer asks about their data
        "licensing.registration": ("view",),  # what is kept of an owner after erasure
        "licensing.licensekey": ("view",),
        "mail.inboundmessage": ("view",),  # the mail a data request came in
        "mail.datarequest": ("view", "change"),  # works and closes data requests by mail
    },
    # "Runs the sites and manages staff accounts": sees what every other role
    # sees, and changes who holds which role.
    ADMINISTRATOR: {
        "people.person": ("view",),
        "policy.consent": ("view",),
        "policy.consentstate": ("view",),
        "policy.auditevent": ("view",),
        "policy.policyversion": ("view",),
        "mail.outboundmessage": ("view",),
        "mail.messageevent": ("view",),
        "mail.domainbackoff": ("view", "retry"),  # runs the sites' mail
        "staff.role": ("view", "change"),
        "shop.product": ("view", "add", "change"),  # runs the sites, their catalog included
        "campaigns.campaign": ("view", "add", "change"),  # runs the sites, their mailings too
        "analytics.dailycount": ("view",),  # and reads their analytics
        "licensing.registration": ("view",),
        "licensing.licensekey": ("view",),
        "support.ticket": ("view", "change"),  # stands in for customer service
        "mail.inboundmessage": ("view",),
        "mail.datarequest": ("view",),
        "orders.order": ("view",),
        "orders.specialprice": ("view", "add", "change"),
    },
}


class RoleRefused(ValueError):
    """A role cannot be given to or taken from this person; the message says why."""


class UnknownRole(RoleRefused):
    """The role is not declared in the policy in force."""

    def __init__(self, role_key: str):
        self.role_key = role_key
        super().__init__(f"no role {role_key!r} is declared in the policy in force")


def declared_roles() -> dict[str, dict[str, Any]]:
    """The roles of the policy version in force; the declaration file before any publish.

    In the file's order: PostgreSQL's jsonb keeps no key order, and lists and the
    command should read the same on every database.
    """
    in_file = list(configured_declaration().data["roles"])
    try:
        roles = current_version().declaration["roles"]
    except NoPolicyPublished:
        return configured_declaration().data["roles"]
    order = {key: i for i, key in enumerate(in_file)}
    return {key: roles[key] for key in sorted(roles, key=lambda k: (order.get(k, len(order)), k))}


@dataclass(frozen=True)
class SyncResult:
    created: list[str]
    updated: list[str]
    retired: list[str]


def _permissions_for(role_key: str) -> set[Permission]:
    wanted: set[Permission] = set()
    for label, verbs in ROLE_PERMISSIONS.get(role_key, {}).items():
        model = apps.get_model(label)
        codenames = [f"{verb}_{model._meta.model_name}" for verb in verbs]
        found = Permission.objects.filter(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            codename__in=codenames,
        )
        if len(found) != len(codenames):
            raise LookupError(f"permissions {codenames} of {label} are missing")
        wanted.update(found)
    return wanted


def sync_roles() -> SyncResult:
    """Make one group per declared role, with exactly the permissions of the table.

    Idempotent; runs after every migrate and from ``pledge staff roles``. A group
    whose role left the declaration keeps its members but loses every permission,
    so nothing is reachable through it. Not audited: it changes no one's data,
    and the permissions follow from this file and the published declaration, both
    versioned; who holds a role is audited by ``assign_role`` and ``remove_role``.
    """
    # Permissions of apps after ``staff`` in INSTALLED_APPS are created in their
    # own post_migrate turn, which may come after ours: make them now.
    for label in {label.split(".")[0] for table in ROLE_PERMISSIONS.values() for label in table}:
        create_permissions(apps.get_app_config(label), verbosity=0)
    roles = declared_roles()
    created, updated, retired = [], [], []
    with transaction.atomic():
        for key in roles:
            group, made = Group.objects.get_or_create(name=key)
            wanted = _permissions_for(key)
            if made:
                created.append(key)
            if set(group.permissions.all()) != wanted:
                group.permissions.set(wanted)
                if not made:
                    updated.append(key)
        for group in Group.objects.exclude(name__in=list(roles)):
            if group.permissions.exists():
                group.permissions.clear()
                retired.append(group.name)
    return SyncResult(created, updated, retired)


def _role_group(role_key: str) -> Group:
    if role_key not in declared_roles():
        raise UnknownRole(role_key)
    group = Group.objects.filter(name=role_key).first()
    if group is None:
        sync_roles()
        group = Group.objects.get(name=role_key)
    return group


def assign_role(person: Any, role_key: str, *, by: Any) -> bool:
    """Give ``person`` a declared role, which makes them staff. False if they held it.

    Only an active person can hold a role: a deactivated or erased account must
    not open the staff admin. Audited as ``staff.role.assign``.
    """
    if person.status != ACTIVE:
        raise RoleRefused(f"person #{person.pk} is {person.status}: only active people hold roles")
    with transaction.atomic():
        group = _role_group(role_key)
        if person.groups.filter(pk=group.pk).exists():
            return False
        person.groups.add(group)
        if not person.is_staff:
            person.is_staff = True
            person.save(update_fields=["is_staff"])
        record_audit(
            "staff.role.assign",
            actor=by,
            subject_id=person.pk,
            reason=f"role {role_key}",
            detail={"role": role_key},
        )
    return True


def remove_role(person: Any, role_key: str, *, by: Any) -> bool:
    """Take a role from ``person``. False if they did not hold it.

    Whoever is left with no declared role stops being staff (a superuser stays):
    access to the staff admin follows the roles. Audited as ``staff.role.remove``.
    """
    with transaction.atomic():
        group = _role_group(role_key)
        if not person.groups.filter(pk=group.pk).exists():
            return False
        person.groups.remove(group)
        if person.is_staff and not person.is_superuser and not roles_of(person):
            person.is_staff = False
            person.save(update_fields=["is_staff"])
        record_audit(
            "staff.role.remove",
            actor=by,
            subject_id=person.pk,
            reason=f"role {role_key}",
            detail={"role": role_key},
        )
    return True


def roles_of(user: Any) -> list[str]:
    """The declared roles ``user`` holds, in the declaration's order.

    A superuser counts as administrator.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    held = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        held.add(ADMINISTRATOR)
    return [key for key in declared_roles() if key in held]


def categories_for(user: Any) -> frozenset[str]:
    """The data categories ``user``'s jobs need: the union over their roles."""
    return access_of(user).categories


@dataclass(frozen=True)
class StaffAccess:
    """What one staff member may see: their roles, categories and jobs, read once."""

    roles: tuple[str, ...]
    categories: frozenset[str]
    jobs: tuple[str, ...]

    @property
    def reason(self) -> str:
        """The jobs that justify a view, for the audit trail."""
        return "; ".join(self.jobs) or "no declared role"


def access_of(user: Any) -> StaffAccess:
    roles = declared_roles()
    held = roles_of(user)
    return StaffAccess(
        roles=tuple(held),
        categories=frozenset(cat for key in held for cat in roles[key]["categories"]),
        jobs=tuple(f"{roles[key]['label']}: {roles[key]['job']}" for key in held),
    )
