"""Forms for joining and leaving mailing lists."""

from __future__ import annotations

from typing import Any

from django import forms


class SubscribeForm(forms.Form):
    """A visitor's sign-up: a name and an address, nothing more (C9)."""

    name = forms.CharField(label="Your name", max_length=150)
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="We send a link to this address; you are on the list once you follow it.",
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class ListChoiceForm(forms.Form):
    """A button on the account page: which list (and, for a product's list, which product)."""

    list = forms.SlugField(max_length=64)
    scope = forms.SlugField(max_length=64, required=False)
