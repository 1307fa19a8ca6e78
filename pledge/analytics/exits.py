"""Links to other sites leave through an exit redirect, never an open one (C6, C17).

A link to another site is written as ``/out/?to=URL&sig=SIGNATURE``: the signature
is our own (Django's signing, salted for this use), so only destinations this server
wrote are followed; hosts listed in ``EXIT_HOSTS`` are followed unsigned. Even a
signed destination must be an absolute http(s) URL with a plain host name and no
user name or password in it. The redirect is logged like any request, and the
ingest counts the exit page and the destination site in aggregate.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

SALT = "pledge.analytics.exit"
HOST_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


class NotOurLink(Exception):
    """The destination was not written by us, or is not a plain web address."""


def exit_url(destination: str) -> str:
    """The exit-redirect URL of ``destination`` (which must itself be a safe address)."""
    plain_destination(destination)
    signature = signing.Signer(salt=SALT).signature(destination)
    return f"{reverse('analytics:exit')}?{urlencode({'to': destination, 'sig': signature})}"


def destination_of(to: str, signature: str) -> str:
    """The address to send the visitor on to; ``NotOurLink`` when it may not be followed."""
    host = plain_destination(to)
    signer = signing.Signer(salt=SALT)
    signed = bool(signature) and constant_time_compare(signer.signature(to), signature)
    if not signed and host not in {h.lower() for h in settings.EXIT_HOSTS}:
        raise NotOurLink("this link was not written by this site")
    return to


def plain_destination(to: str) -> str:
    """The host of ``to`` when it is an absolute http(s) URL with a plain ASCII host."""
    if not to or len(to) > 2000 or any(c.isspace() or ord(c) < 32 or c == "\\" for c in to):
        raise NotOurLink("not a plain web address")
    if not to.isascii():
        raise NotOurLink("a web address with non-ASCII characters (write the host in IDNA)")
    try:
        parts = urlsplit(to)
        port = parts.port
    except ValueError as bad:
        raise NotOurLink("not a plain web address") from bad
    if parts.scheme not in ("http", "https") or not to.lower().startswith(parts.scheme + "://"):
        raise NotOurLink("only http and https addresses are followed")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise NotOurLink("a web address with a user name in it")
    host = parts.hostname or ""
    expected = host + (f":{port}" if port is not None else "")
    if (
        not host
        or parts.netloc.lower() != expected
        or not set(host) <= HOST_CHARACTERS
        or "%" in parts.netloc
        or host.startswith((".", "-"))
        or ".." in host
    ):
        raise NotOurLink("not a plain host name")
    return host
