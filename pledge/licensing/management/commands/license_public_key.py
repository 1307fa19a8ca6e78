"""pledge license public-key: the public keys a desktop product embeds to verify keys offline."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pledge.licensing.keyring import encode_public, keyring, pem_public


class Command(BaseCommand):
    help = (
        "Print the public keys that verify license keys: the signing key's and every "
        "retired one's, by key id. Give them to the desktop product's developers."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=["text", "pem", "json"],
            default="text",
            help="text: KID PUBLIC (base64url) STATE; pem: SubjectPublicKeyInfo blocks; "
            "json: {kid: base64url}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ring = keyring()
        keys = ring.public_keys
        states = {kid: "retired" for kid in ring.retired} | {ring.signing_kid: "signing"}
        if ring.demo:
            states[ring.signing_kid] = "signing (DEMO ONLY: its private key is public)"
        order = [ring.signing_kid, *sorted(ring.retired)]
        if options["format"] == "json":
            self.stdout.write(json.dumps({kid: encode_public(keys[kid]) for kid in order}))
            return
        for kid in order:
            if options["format"] == "pem":
                self.stdout.write(f"# key id {kid}: {states[kid]}")
                self.stdout.write(pem_public(keys[kid]).rstrip("\n"))
            else:
                self.stdout.write(f"{kid}\t{encode_public(keys[kid])}\t{states[kid]}")
