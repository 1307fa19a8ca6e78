"""The forms on a ticket's page: reply, assign, change state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from .models import Ticket
from .tickets import SUPPORT_ROLES


class ReplyForm(forms.Form):
    text = forms.CharField(
        label="Your reply",
        widget=forms.Textarea(attrs={"rows": 8, "class": "support-reply-text"}),
        help_text="Sent by mail from the support address, in the customer's thread.",
    )


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name or obj.email} ({obj.email})" if obj.name else str(obj.email)


class AssignForm(forms.Form):
    assigned_to = StaffChoice(
        queryset=get_user_model()._default_manager.none(),
        required=False,
        empty_label="— no one —",
        label="Assigned to",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = (
            get_user_model()
            ._default_manager.filter(is_staff=True, is_active=True, groups__name__in=SUPPORT_ROLES)
            .distinct()
            .order_by("name", "email")
        )


class StateForm(forms.Form):
    state = forms.ChoiceField(choices=Ticket.State.choices, label="State")
