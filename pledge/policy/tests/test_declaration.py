"""The declaration file: validated against the Fides taxonomy, errors name key and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from pledge.policy.declaration import DeclarationError, load, parse


@pytest.fixture
def demo_text() -> str:
    return Path(settings.POLICY_DECLARATION).read_text()


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(next(line for line in text.splitlines() if needle in line)) + 1


def test_demo_declaration_is_valid():
    declaration = load(settings.POLICY_DECLARATION)

    assert declaration.data["organisation"]["name"] == "The Claxton Group"
    assert sorted(declaration.sites) == ["claxton", "contactgenie"]


def test_unknown_category_names_the_key_and_its_line(demo_text):
    broken = demo_text.replace(
        "    categories: [user.name, user.contact.email, user.authorization.password]\n  service_interest:",
        "    categories: [user.name, user.contact.emial, user.authorization.password]\n  service_interest:",
    )
    expected_line = line_of(broken, "user.contact.emial")

    with pytest.raises(DeclarationError) as caught:
        parse(broken, source="claxton.yaml")

    assert str(caught.value) == (
        f"claxton.yaml:{expected_line}: unknown data category 'user.contact.emial' "
        "(not in the Fides taxonomy)"
    )
    assert caught.value.line == expected_line


def test_unknown_data_use_names_the_key_and_its_line(demo_text):
    broken = demo_text.replace(
        "use: marketing.communications.email\n    basis: consent\n    contact: true\n    categories: [user.name, user.contact.email]\n  product_updates",
        "use: marketing.spam\n    basis: consent\n    contact: true\n    categories: [user.name, user.contact.email]\n  product_updates",
    )
    expected_line = line_of(broken, "marketing.spam")

    with pytest.raises(DeclarationError) as caught:
        parse(broken, source="x.yaml")

    assert str(caught.value) == (
        f"x.yaml:{expected_line}: unknown data use 'marketing.spam' (not in the Fides taxonomy)"
    )


def test_unknown_subject_is_refused(demo_text):
    broken = demo_text.replace("subject: prospect", "subject: martian", 1)

    with pytest.raises(DeclarationError) as caught:
        parse(broken)

    assert caught.value.line == line_of(broken, "subject: martian")
    assert "unknown data subject 'martian'" in str(caught.value)


def test_category_used_but_not_described_is_refused(demo_text):
    broken = demo_text.replace(
        "categories: [user.name, user.contact.email]\n  product_updates",
        "categories: [user.name, user.contact.email, user.biometric.voice]\n  product_updates",
    )

    with pytest.raises(DeclarationError) as caught:
        parse(broken)

    assert caught.value.line == line_of(broken, "user.biometric.voice")
    assert "'user.biometric.voice' is used but not listed under 'categories'" in str(caught.value)


def test_placeholder_the_declaration_cannot_fill_is_refused(demo_text):
    broken = demo_text.replace("{collects:registration}", "{collects:nowhere}")

    with pytest.raises(DeclarationError) as caught:
        parse(broken)

    assert "section 'registration': {collects:nowhere} names no collection point" in str(
        caught.value
    )


def test_persistent_cookie_needs_a_lifetime(demo_text):
    broken = demo_text.replace("    lifetime_seconds: 31536000\n", "")

    with pytest.raises(DeclarationError) as caught:
        parse(broken)

    assert "persistent cookie 'csrftoken' needs lifetime_seconds" in str(caught.value)


def test_broken_yaml_reports_its_line():
    with pytest.raises(DeclarationError) as caught:
        parse("organisation:\n  name: [unclosed\n", source="bad.yaml")

    assert str(caught.value).startswith("bad.yaml:")
    assert "not valid YAML" in str(caught.value)


def test_duplicate_key_is_refused(demo_text):
    broken = demo_text.replace("  fax: 586-283-7542\n", "  fax: 586-283-7542\n  fax: 1\n")

    with pytest.raises(DeclarationError) as caught:
        parse(broken)

    assert "key 'fax' is given twice" in str(caught.value)
