"""Adding and changing products: the one door, audited."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pledge.policy.audit import record_audit

from .models import Listing, Product, declared_sites

# What the audit trail records of a product: every field staff edit.
EDITABLE = (
    "sku",
    "name",
    "kind",
    "edition",
    "summary",
    "description",
    "price",
    "currency",
    "upgrades_from",
    "active",
    "position",
)
SITES = "sites"


def _plain(product: Product, field: str) -> Any:
    """A field's value as the audit trail's JSON keeps it: money as text, an edition by SKU."""
    if field == "upgrades_from":
        edition = product.upgrades_from
        return edition.sku if edition is not None else None
    value = getattr(product, field)
    return str(value) if isinstance(value, Decimal) else value


def _check_sites(sites: Iterable[str]) -> list[str]:
    known = declared_sites()
    wanted = [key for key in known if key in set(sites)]
    unknown = sorted(set(sites) - set(known))
    if unknown:
        raise ValidationError({SITES: f"Not sites of the declaration: {', '.join(unknown)}."})
    if not wanted:
        raise ValidationError({SITES: "Choose at least one site to sell the product on."})
    return wanted


def save_product(
    product: Product,
    *,
    by: Any,
    changed_fields: Iterable[str] = (),
    sites: Iterable[str] | None = None,
) -> list[str]:
    """Add ``product``, or save the ``changed_fields`` of an existing one; return what changed.

    ``sites`` are the keys of the declaration's sites the product is sold on (needed
    when adding; ``None`` keeps them when changing). Fields the caller names but whose
    value is as stored are left out, and a save that changes nothing writes nothing.
    Audited as ``shop.product.add`` or ``shop.product.change``, with old and new
    values: a product holds no personal data, and a price is what billing answers for.
    """
    if product._state.adding:
        if sites is None:
            raise ValidationError({SITES: "Choose at least one site to sell the product on."})
        return _add(product, by=by, sites=_check_sites(sites))
    wanted = _check_sites(sites) if sites is not None else None
    return _change(product, by=by, changed_fields=set(changed_fields), sites=wanted)


def _add(product: Product, *, by: Any, sites: list[str]) -> list[str]:
    with transaction.atomic():
        product.save()
        Listing.objects.bulk_create(Listing(product=product, site=key) for key in sites)
        new = {field: _plain(product, field) for field in EDITABLE}
        record_audit(
            "shop.product.add",
            actor=by,
            reason=f"added {product.sku}",
            detail={"product": product.pk, "sku": product.sku, "new": {**new, SITES: sites}},
        )
    return [*EDITABLE, SITES]


def _change(
    product: Product, *, by: Any, changed_fields: set[str], sites: list[str] | None
) -> list[str]:
    with transaction.atomic():
        stored = Product.objects.select_for_update().get(pk=product.pk)
        stored_sites = list(stored.listings.order_by("site").values_list("site", flat=True))
        old, new = {}, {}
        for field in EDITABLE:
            if field in changed_fields and _plain(stored, field) != _plain(product, field):
                old[field], new[field] = _plain(stored, field), _plain(product, field)
        if sites is not None and sorted(sites) != stored_sites:
            old[SITES], new[SITES] = stored_sites, sorted(sites)
        if not new:
            return []
        product.save(update_fields=[*(field for field in new if field != SITES), "updated_at"])
        if sites is not None and SITES in new:
            product.listings.exclude(site__in=sites).delete()
            Listing.objects.bulk_create(
                Listing(product=product, site=key) for key in sites if key not in stored_sites
            )
        record_audit(
            "shop.product.change",
            actor=by,
            reason=f"changed {', '.join(new)} of {product.sku}",
            detail={"product": product.pk, "sku": product.sku, "old": old, "new": new},
        )
    return list(new)
