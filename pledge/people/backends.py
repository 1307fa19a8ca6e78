"""Log in by email, case-insensitively; only active, not-deactivated people."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import Person


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Person | None:
        email = kwargs.get("email", username)
        if not email or not password:
            return None
        person = Person.objects.filter(email__iexact=email.strip()).first()
        if person is None:
            # Same work for unknown addresses, so timing does not tell who has an account.
            Person().set_password(password)
            return None
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and user.status == Person.Status.ACTIVE
