"""Links to other sites leave through /out/, which follows only our own links (C6, C17)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from pledge.analytics.exits import NotOurLink, exit_url

from .conftest import CHROME

SIGNED = "https://www.example.org/recommended/tool?ref=claxton"
HOSTILE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "http:\\\\evil.example",
    "%2F%2Fevil.example",
    "https%3A%2F%2Fevil.example",
    "https://www.example.org@evil.example/",
    "https://user:pass@www.example.org/",
    "https://evil.example\\@www.example.org/",
    "https://evil.example%2F@www.example.org/",
    "https://www.example.org%2F.evil.example/",
    "https://evil。example/",
    "https://еxample.org/",  # a Cyrillic е
    "https://evil.example\t/",
    " https://evil.example/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://evil.example/",
    "https://",
    "https://.evil.example/",
    "https://evil..example/",
    "https://evil.example:99999/",
    "",
]


def follow(client, to: str, sig: str = ""):
    return client.get(f"/out/?{urlencode({'to': to, 'sig': sig})}", HTTP_USER_AGENT=CHROME)


def test_a_link_we_signed_redirects_without_cache_or_referrer(client):
    response = client.get(exit_url(SIGNED), HTTP_USER_AGENT=CHROME)

    assert (
        response.status_code,
        response["Location"],
        response["Cache-Control"],
        response["Referrer-Policy"],
    ) == (302, SIGNED, "no-store, max-age=0", "no-referrer")


@pytest.mark.parametrize("to", HOSTILE)
def test_a_hostile_destination_is_refused_unsigned(client, to):
    response = follow(client, to)

    assert (response.status_code, response.has_header("Location")) == (400, False)


@pytest.mark.parametrize("to", HOSTILE)
def test_a_hostile_destination_cannot_be_signed_either(to):
    with pytest.raises(NotOurLink):
        exit_url(to)


def test_an_unsigned_or_tampered_link_to_another_site_is_refused(client):
    signed = exit_url(SIGNED)
    sig = signed.rsplit("sig=", 1)[1]

    responses = [
        follow(client, SIGNED),
        follow(client, SIGNED, "x" + sig[1:]),
        follow(client, SIGNED.replace("example.org", "example.net"), sig),
        follow(client, SIGNED + "&x", sig),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400, 400]


def test_a_configured_host_is_followed_unsigned_and_only_it(client, settings):
    settings.EXIT_HOSTS = ["partner.example"]

    responses = [
        follow(client, "https://partner.example/shop"),
        follow(client, "https://partner.example.evil.example/"),
        follow(client, "https://evil.example/partner.example"),
        follow(client, "https://partner.example@evil.example/"),
    ]

    assert [r.status_code for r in responses] == [302, 400, 400, 400]
    assert responses[0]["Location"] == "https://partner.example/shop"


def test_the_refusal_says_why_in_plain_words(client):
    response = follow(client, "//evil.example")

    assert response.content.decode() == (
        "This link does not lead anywhere: only http and https addresses are followed."
    )
