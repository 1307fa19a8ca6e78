"""Who may act on whose data: the holder of a signed link, or the signed-in person (C21).

Every mail carries a link made by ``pledge.mail.outbox.manage_url``; the token names
the person and is signed, so it opens their data without a password. A signed-in
person needs no token and can only ever reach their own data.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from pledge.lib.signing import DAY, read_token
from pledge.people.models import Person

# Long enough that the link in an old mail still works, as C21 promises ("a link in
# any mail"); an expired link leads to a form that mails a fresh one.
LINK_MAX_AGE = 90 * DAY
LINK_MAX_AGE_DAYS = LINK_MAX_AGE // DAY

# How the person reached us; written to the audit row of every action.
VIA_LINK = "link"
VIA_ACCOUNT = "account"
VIA_SUPPORT = "support"

PAGES = ("manage", "export", "correct", "deactivate", "delete")


def person_for_token(token: str) -> Person | None:
    """The person a manage token names, or None if that record is gone entirely.

    Raises ``pledge.lib.signing.BadToken`` for a forged, damaged or expired token.
    """
    pk = read_token("manage", token, max_age=LINK_MAX_AGE)
    return Person.objects.filter(pk=int(pk)).first() if pk.isdigit() else None


@dataclass(frozen=True)
class Access:
    """How this request reaches the person's data: by ``token`` or by being signed in."""

    token: str | None

    @property
    def via(self) -> str:
        return VIA_LINK if self.token else VIA_ACCOUNT

    def url(self, page: str) -> str:
        return reverse(f"rights:{page}", args=[self.token] if self.token else [])

    @property
    def urls(self) -> dict[str, str]:
        return {page: self.url(page) for page in PAGES}
