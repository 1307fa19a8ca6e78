"""Staff sign in through the rate-limited sign-in page, then reach the admin."""

from __future__ import annotations

from django.urls import reverse


def test_admin_login_sends_staff_to_the_rate_limited_sign_in(client, db):
    response = client.get("/staff/login/?next=/staff/")

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("people:login") + "?next=/staff/",
    )


def test_staff_member_signs_in_and_lands_in_the_admin(client, make_person):
    make_person("clerk@example.com", is_staff=True)

    response = client.post(
        reverse("people:login") + "?next=/staff/",
        {
            "email": "clerk@example.com",
            "password": "correct horse battery staple",
            "next": "/staff/",
        },
    )

    assert (response.status_code, response["Location"]) == (302, "/staff/")
