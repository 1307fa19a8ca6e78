"""Forms for campaigns in the staff admin: the draft, and when to send it."""

from __future__ import annotations

from typing import Any

from django import forms

from .models import Campaign, declared_lists, declared_sites
from .sending import EDITABLE


def list_choices() -> list[tuple[str, str]]:
    """The declaration's lists, named as the statement names them."""
    choices = []
    for key, entry in declared_lists().items():
        label = entry["label"]
        if entry.get("owners_only"):
            label += " (owners of one product: name it below)"
        choices.append((key, label))
    return choices


class CampaignForm(forms.ModelForm):
    """A draft: its site and list come from the declaration, its texts are templates."""

    class Meta:
        model = Campaign
        fields = list(EDITABLE)
        widgets = {
            "name": forms.TextInput(attrs={"class": "vTextField campaign-wide"}),
            "subject": forms.TextInput(attrs={"class": "vTextField campaign-wide"}),
            "promo_label": forms.TextInput(attrs={"class": "vTextField campaign-wide"}),
            "body_text": forms.Textarea(attrs={"rows": 14, "class": "campaign-source"}),
            "body_html": forms.Textarea(attrs={"rows": 14, "class": "campaign-source"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"] = forms.ChoiceField(
            choices=list(declared_sites().items()), help_text="The site the mail comes from."
        )
        self.fields["list_key"] = forms.ChoiceField(
            label="List",
            choices=list_choices(),
            help_text="Recipients are the people on this list whom the policy lets us mail "
            "when the campaign goes out.",
        )


class ScheduleForm(forms.Form):
    """When a draft starts sending, in UTC."""

    at = forms.DateTimeField(
        label="Send at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
