"""pledge license keygen KID: a new signing key for PLEDGE_LICENSE_SIGNING_KEY."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.licensing.keyring import encode_private, encode_public, parse_signing_key


class Command(BaseCommand):
    help = (
        "Make a new Ed25519 signing key. Prints the value for PLEDGE_LICENSE_SIGNING_KEY "
        "(keep it secret) and the public key (give it to the product's developers)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kid", help="its key id: 1 to 32 letters, digits, - or _; never reused")

    def handle(self, *args: Any, **options: Any) -> None:
        private = Ed25519PrivateKey.generate()
        value = f"{options['kid']}:{encode_private(private)}"
        try:
            parse_signing_key(value)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"PLEDGE_LICENSE_SIGNING_KEY={value}")
        self.stdout.write("# public key, for PLEDGE_LICENSE_RETIRED_KEYS once it is retired:")
        self.stdout.write(f"# {options['kid']}:{encode_public(private.public_key())}")
