from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from pledge.people.models import Person

from .correction import correctable_fields


class LinkRequestForm(forms.Form):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class CorrectionForm(forms.Form):
    """The fields of the person's record that the registry marks correctable."""

    HELP = {
        "email": "We will send a link to the new address. Your address changes when you "
        "follow it; until then we keep using the current one.",
    }

    def __init__(self, *args: Any, person: Person, **kwargs: Any):
        names = correctable_fields(Person)
        kwargs.setdefault("initial", {name: getattr(person, name) for name in names})
        super().__init__(*args, **kwargs)
        email_field = person.get_email_field_name()
        for name in names:
            model_field = person._meta.get_field(name)
            assert isinstance(model_field, models.Field)  # a correctable field is a column
            field = model_field.formfield()
            assert field is not None  # and has a form field
            field.label = str(model_field.verbose_name).capitalize()
            field.help_text = self.HELP.get(name, "")
            if name == email_field:
                # Sign-in and every mail need an address; erasure is the way to drop it.
                field.required = True
            self.fields[name] = field

    def changes(self) -> dict[str, Any]:
        """Only what the person changed, so an untouched field is never rewritten."""
        return {name: self.cleaned_data[name] for name in self.changed_data}
