"""The catalog on each site: the products it sells, and one product's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Product


def product_list(request: HttpRequest) -> HttpResponse:
    site_key = request.site.key  # type: ignore[attr-defined]
    products = list(Product.objects.on_sale(site_key).select_related("upgrades_from"))
    editions = [p for p in products if not p.is_upgrade]
    upgrades = [p for p in products if p.is_upgrade]
    return render(request, "shop/products.html", {"editions": editions, "upgrades": upgrades})


def product_detail(request: HttpRequest, sku: str) -> HttpResponse:
    on_sale = Product.objects.on_sale(request.site.key)  # type: ignore[attr-defined]
    product = get_object_or_404(on_sale.select_related("upgrades_from"), sku=sku)
    upgrades = on_sale.filter(upgrades_from=product) if not product.is_upgrade else []
    return render(request, "shop/product.html", {"product": product, "upgrades": upgrades})
