"""The order form (C3): name, email, shipping address. Nothing about the card."""

from __future__ import annotations

from typing import Any

from django import forms


class OrderForm(forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(
        max_length=254,
        label="Email address",
        help_text="Your receipt and license key are sent here.",
    )
    shipping_address = forms.CharField(
        label="Shipping address",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        help_text="Street, city, postal code, country: where the box with the CD goes.",
    )
    offer = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, signed_in: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in is not None:
            # A signed-in buyer's order goes to their account, at its address.
            self.fields["email"].disabled = True
            self.fields["email"].initial = signed_in.email
            self.fields[
                "email"
            ].help_text = "Your account's address: the receipt and key are sent here."
            self.fields["name"].initial = signed_in.name

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_shipping_address(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["shipping_address"].splitlines()]
        address = "\n".join(line for line in lines if line)
        if len(address) < 10:
            raise forms.ValidationError(
                "Give the full address: street, city, postal code, country."
            )
        return address


class ContactForm(forms.Form):
    topic = forms.CharField(
        max_length=120, help_text="Shown after the order number in the subject."
    )
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
