"""pledge license issue EMAIL SKU --order REF: register an owner by hand (a sale off the site)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.licensing.ownership import LicensingRefused, current_key, register_owner
from pledge.people.models import Person
from pledge.shop.models import Product


class Command(BaseCommand):
    help = (
        "Register a person as owner of a product for an order made elsewhere, and print "
        "the key. Idempotent per --order and --line, like a paid order line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the owner's account address")
        parser.add_argument("sku", help="the product's SKU")
        parser.add_argument("--order", required=True, help="the order's reference")
        parser.add_argument("--line", default="", help="the order line's reference")
        parser.add_argument("--seats", type=int, default=1)
        parser.add_argument("--expires", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(email__iexact=options["email"]).first()
        if person is None:
            raise CommandError(f"no account has the address {options['email']}")
        product = Product.objects.filter(sku=options["sku"]).first()
        if product is None:
            raise CommandError(f"no product has the SKU {options['sku']}")
        try:
            registration = register_owner(
                person,
                product,
                options["order"],
                line_ref=options["line"],
                entitlements={"edition": product.edition, "seats": options["seats"]},
                expires_on=options["expires"],
            )
        except LicensingRefused as exc:
            raise CommandError(str(exc)) from None
        key = current_key(registration)
        self.stdout.write(f"registration #{registration.pk}: {registration.status}")
        self.stdout.write(key.key if key is not None else "(no current key: revoked)")
