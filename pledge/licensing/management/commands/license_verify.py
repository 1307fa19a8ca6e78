"""pledge license verify KEY: check one license key, and say exactly why it is refused."""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from pledge.licensing import keys
from pledge.licensing.keyring import keyring, parse_public_key
from pledge.licensing.ownership import key_standing

INVALID = 1
# The signature holds but revocation could not be checked: neither valid nor invalid.
UNKNOWN = 3


class Command(BaseCommand):
    help = (
        "Verify a license key offline (format, key id, signature, expiry, product), then, "
        "unless --offline, whether the database revoked or replaced it. Exit 0 if valid, "
        "1 if not, with the reason."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="the key text, or - to read it from standard input")
        parser.add_argument(
            "--product",
            action="append",
            default=[],
            metavar="SKU",
            help="the product the key must be for (repeat to accept several)",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="KID:PUBLIC",
            help="trust only these public keys, as the desktop product does, "
            "instead of the configured keyring",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="do not ask the database: revocation is then unknown, as in the product",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        text = sys.stdin.read() if options["key"] == "-" else options["key"]
        try:
            public_keys = (
                dict(parse_public_key(v, "--public-key") for v in options["public_key"])
                if options["public_key"]
                else keyring().public_keys
            )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc), returncode=2) from None
        today = datetime.datetime.now(datetime.UTC).date()
        try:
            claims = keys.verify(text, public_keys, today=today, products=options["product"])
            self._show(claims)
            if options["offline"]:
                self.stdout.write("  on record:     not asked (--offline): revocation unknown")
            else:
                try:
                    recorded = key_standing(claims.serial)
                except DatabaseError as exc:
                    raise CommandError(
                        f"the key verifies offline, but the database could not be asked "
                        f"whether it was revoked ({exc}); run with --offline to skip it",
                        returncode=UNKNOWN,
                    ) from None
                registration = recorded.registration
                self.stdout.write(
                    f"  on record:     current key of registration #{registration.pk} "
                    f"(order {registration.order_ref}), not revoked"
                )
        except keys.InvalidKey as invalid:
            raise CommandError(
                f"invalid key ({invalid.reason}): {invalid.message}", returncode=INVALID
            ) from None
        self.stdout.write(self.style.SUCCESS(f"valid: license key {claims.serial}"))

    def _show(self, claims: keys.Claims) -> None:
        entitlements = ", ".join(f"{k}={v}" for k, v in sorted(claims.entitlements.items()))
        expires = claims.expires_on.isoformat() if claims.expires_on else "never"
        self.stdout.write(f"license key {claims.serial}")
        self.stdout.write(f"  product:       {claims.sku}")
        self.stdout.write(f"  entitlements:  {entitlements or 'none'}")
        self.stdout.write(f"  issued:        {claims.issued_on.isoformat()}")
        self.stdout.write(f"  expires:       {expires}")
        self.stdout.write(f"  signed with:   key id {claims.kid}")
