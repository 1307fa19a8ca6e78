"""The Claxton Group's catalog for the demo, added through the same action staff use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from .catalog import save_product
from .models import Product

BOTH = ("contactgenie", "claxton")


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    edition: str
    price: str
    summary: str
    description: str
    sites: tuple[str, ...] = BOTH
    upgrades_from: str = ""  # the SKU of the edition an upgrade is for


PRODUCTS = (
    DemoProduct(
        "cg-standard",
        "ContactGenie Standard",
        "Standard",
        "49.00",
        "Every contact, call and follow-up in one place on your own computer.",
        "ContactGenie Standard keeps the people you deal with in one address book on "
        "your PC: names, companies, phone and fax numbers, addresses, birthdays and "
        "notes, found as you type.\n\n"
        "Log each call, letter and meeting against the contact it was with, and set a "
        "follow-up so nothing slips. The day's to-do list opens with ContactGenie.\n\n"
        "Import your existing contacts from Outlook, ACT! or a CSV file, and print "
        "labels, envelopes and a pocket address book. Your data stays on your "
        "computer; back it up to a file or a USB stick with one click.",
    ),
    DemoProduct(
        "cg-professional",
        "ContactGenie Professional",
        "Professional",
        "99.00",
        "Standard, plus mail merge, custom fields, sales follow-up and Outlook sync.",
        "Everything in Standard, for people whose contacts are their business.\n\n"
        "Add your own fields and groups, write letters and mailings with Microsoft "
        "Word mail merge, and keep your calendar and contacts in step with Outlook "
        "and your phone.\n\n"
        "Track each prospect from first call to signed order, see what is due this "
        "week, and print reports of calls, follow-ups and sales by month.",
    ),
    DemoProduct(
        "cg-network-5",
        "ContactGenie Network Edition (5 users)",
        "Network Edition",
        "299.00",
        "Professional for a team of five, sharing one contact database on the office network.",
        "The whole office works from one set of contacts: five people at once, on a "
        "shared folder of your own network, with no server software to install.\n\n"
        "Each user has their own log-in and to-do list; a change one person makes is "
        "there for everyone at once, and two people editing the same contact are "
        "warned rather than overwriting each other.\n\n"
        "Includes every feature of Professional. More users can be added in packs of five.",
        sites=("claxton",),
    ),
    DemoProduct(
        "cg-upgrade-standard-professional",
        "Upgrade: Standard to Professional",
        "Professional",
        "39.00",
        "Turn your Standard licence into Professional and keep all your data.",
        "Already using ContactGenie Standard? Unlock mail merge, custom fields, sales "
        "follow-up and Outlook synchronisation for the difference in price.\n\n"
        "Your contacts, history and settings carry over as they are: the upgrade key "
        "switches on the Professional features in the copy you have installed.",
        upgrades_from="cg-standard",
    ),
    DemoProduct(
        "cg-upgrade-professional-8",
        "Upgrade: Professional 7 to 8",
        "Professional 8",
        "29.00",
        "Version 8: faster search, duplicate merging and a week-at-a-glance view.",
        "ContactGenie 8 finds contacts faster as you type, adds duplicate merging, "
        "a map link for every address and a new week-at-a-glance follow-up view.\n\n"
        "Install it over version 7: your contact file is converted on first start, "
        "and a copy of the old one is kept.",
        upgrades_from="cg-professional",
    ),
)


def seed_products() -> list[str]:
    """Add the demo products whose SKU is not in the catalog yet; return their SKUs.

    Running again adds nothing and leaves alone what staff changed since.
    """
    made = []
    for position, item in enumerate(PRODUCTS, start=1):
        if Product.objects.filter(sku=item.sku).exists():
            continue
        with transaction.atomic():
            product = Product(
                sku=item.sku,
                name=item.name,
                kind=Product.Kind.UPGRADE if item.upgrades_from else Product.Kind.EDITION,
                edition=item.edition,
                summary=item.summary,
                description=item.description,
                price=Decimal(item.price),
                upgrades_from=(
                    Product.objects.get(sku=item.upgrades_from) if item.upgrades_from else None
                ),
                position=position * 10,
            )
            save_product(product, by=None, sites=item.sites)
        made.append(item.sku)
    return made
