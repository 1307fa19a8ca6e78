"""Owners see their products and keys on their account page; others see no card."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from pledge.licensing.ownership import current_key, reissue_key, revoke_registration


def card(client) -> str:
    html = client.get(reverse("people:account")).content.decode()
    if 'id="your-products"' not in html:
        return ""
    start = html.index('id="your-products"')
    return html[start : html.index('<div class="card"', start + 1)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_an_owner_sees_the_product_its_key_the_issue_date_and_no_expiry(
    client, make_person, register
):
    ada = make_person()
    registration = register(ada)
    key = current_key(registration)
    client.force_login(ada)

    section = card(client)

    assert f'<code class="license-key" id="key-{key.serial}">{key.key}</code>' in section
    assert f'data-copy="key-{key.serial}">Copy key</button>' in section
    issued = f"{key.issued_at:%-d %B %Y}"
    assert f"Issued {issued} · does not expire" in text(section)
    assert "ContactGenie Professional Active" in text(section)
    assert "Edition Professional, 1 seat" in text(section)


def test_an_expiring_key_says_until_when(client, make_person, register):
    ada = make_person()
    register(ada, expires_on=datetime.date(2030, 6, 30))
    client.force_login(ada)

    assert "valid until the end of 30 June 2030" in text(card(client))


def test_a_revoked_registration_shows_why_and_no_usable_key(client, make_person, register):
    ada = make_person()
    registration = register(ada)
    serial = current_key(registration).serial
    revoke_registration(registration, "refunded on request")
    client.force_login(ada)

    section = text(card(client))

    assert "ContactGenie Professional Revoked" in section
    assert "refunded on request" in section
    assert "Copy key" not in section
    assert f"Earlier keys, no longer valid: {serial} (revoked on" in section


def test_after_a_reissue_the_new_key_is_shown_and_the_old_one_listed_as_replaced(
    client, make_person, register
):
    ada = make_person()
    registration = register(ada)
    old = current_key(registration)
    new = reissue_key(registration, by=None)
    client.force_login(ada)

    section = card(client)

    assert f'id="key-{new.serial}"' in section
    assert f'id="key-{old.serial}"' not in section
    assert f"{old.serial} (replaced by a newer key on" in text(section)


def test_someone_who_owns_nothing_sees_no_products_card(client, make_person):
    client.force_login(make_person())

    assert card(client) == ""


@pytest.mark.parametrize("owned", [1, 3])
def test_the_card_costs_one_query_however_many_products(
    client, make_person, register, owned, django_assert_num_queries
):
    from pledge.licensing.templatetags.licensing import owned_products_card

    ada = make_person()
    for _ in range(owned):
        register(ada)

    with django_assert_num_queries(1):
        shown = owned_products_card(ada)["owned"]

    assert len(shown) == owned
