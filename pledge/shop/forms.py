"""The staff form for a product, with the sites it is sold on."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Product, declared_sites


def site_choices() -> list[tuple[str, str]]:
    return list(declared_sites().items())


class ProductForm(forms.ModelForm):
    """A product's fields and, as ticks, the declared sites that sell it."""

    sites = forms.MultipleChoiceField(
        label="Sold on",
        choices=site_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one site to sell the product on."},
        help_text="The sites of the declaration that list this product.",
    )

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "kind",
            "edition",
            "upgrades_from",
            "summary",
            "description",
            "price",
            "currency",
            "active",
            "position",
        ]
        # The summary is a sentence: as wide as the description, on one line.
        widgets = {"summary": forms.TextInput(attrs={"class": "vLargeTextField"})}
        error_messages = {
            "price": {
                "invalid": "Enter the price as a number, such as 49.00.",
                "max_decimal_places": "A price has at most two decimal places (cents).",
                "max_digits": "A price is at most 999999.99.",
                "max_whole_digits": "A price is at most 999999.99.",
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["sites"] = list(self.instance.listings.values_list("site", flat=True))

    def clean_description(self) -> str:
        # Browsers send a textarea's lines ending in CRLF; keep the text as stored.
        return str(self.cleaned_data["description"]).replace("\r\n", "\n")
