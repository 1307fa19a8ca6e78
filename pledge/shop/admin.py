"""The catalog in the staff admin: billing and the administrator edit, other jobs read.

Who may open and change it is ``ROLE_PERMISSIONS`` in ``pledge.staff.roles``. Every
add and change goes through ``catalog.save_product``, which audits it. Products are
never deleted here: orders will point at them; untick "active" to stop selling one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .catalog import save_product
from .forms import ProductForm
from .models import Product, declared_sites


class SiteFilter(admin.SimpleListFilter):
    """Products by the site that sells them, named as the declaration names it."""

    title = "sold on"
    parameter_name = "site"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(declared_sites().items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value() in declared_sites():
            return queryset.filter(listings__site=self.value())
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    actions = None
    list_display = ("name", "sku", "kind", "price_shown", "sites", "active", "position")
    list_filter = ("kind", "active", SiteFilter)
    search_fields = ("sku", "name", "edition")
    list_select_related = ("upgrades_from",)
    fieldsets = (
        ("Product", {"fields": ("sku", "name", "kind", "edition", "upgrades_from")}),
        ("Shown to visitors", {"fields": ("summary", "description")}),
        ("Price", {"fields": ("price", "currency")}),
        ("Where and how it is sold", {"fields": ("sites", "active", "position")}),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("created_at", "updated_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("listings")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="price", ordering="price")
    def price_shown(self, product: Product) -> str:
        return f"{product.money} {product.currency}"

    @admin.display(description="sold on")
    def sites(self, product: Product) -> str:
        names = declared_sites()
        keys = {listing.site for listing in product.listings.all()}
        return ", ".join(name for key, name in names.items() if key in keys) or "—"

    def save_model(
        self, request: HttpRequest, obj: Product, form: ProductForm, change: bool
    ) -> None:
        save_product(
            obj,
            by=request.user,
            changed_fields=form.changed_data,
            sites=form.cleaned_data["sites"],
        )
