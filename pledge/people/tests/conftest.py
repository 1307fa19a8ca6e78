"""Fixtures for the account tests: registering through the real form, reading mail links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from pledge.conftest import find_link

PASSWORD = "plum-violet-harbour-42"
# The password the project's make_person fixture gives everyone.
MADE_PASSWORD = "correct horse battery staple"


@pytest.fixture
def register(client: Any, policy: Any) -> Callable[..., Any]:
    """Post the registration form as a person would."""

    def post(
        email: str = "ada@example.com",
        *,
        name: str = "Ada Lovelace",
        password: str = PASSWORD,
        password2: str | None = None,
        interest: bool = False,
        host: str = "testserver",
    ) -> Any:
        data = {
            "name": name,
            "email": email,
            "password1": password,
            "password2": password if password2 is None else password2,
        }
        if interest:
            data["service_interest"] = "on"
        return client.post(reverse("people:register"), data, HTTP_HOST=host)

    return post


@pytest.fixture
def sign_in(client: Any) -> Callable[..., Any]:
    """Post the sign-in form."""

    def post(email: str, password: str = MADE_PASSWORD, **extra: Any) -> Any:
        return client.post(reverse("people:login"), {"email": email, "password": password}, **extra)

    return post


@pytest.fixture
def mail_link() -> Callable[[str, str], str]:
    """Find a link in a mail: the path of the first one that opens ``people:<url_name>``."""
    return lambda text, url_name: find_link(text, f"people:{url_name}")
