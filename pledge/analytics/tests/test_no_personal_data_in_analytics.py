"""After ingest, no analytics table holds an IP address, an email address, an account
number or a cookie value, even when the log carries them (C7)."""

from __future__ import annotations

import re
from datetime import date

from django.apps import apps
from django.conf import settings

from pledge.analytics.cells import read_marks
from pledge.analytics.models import CountedVisitors
from pledge.analytics.report import report

from .conftest import FIREFOX, log_line

KNOWN_IP = "83.149.9.216"
IPV6 = "2001:db8:85a3::8a2e:370:7334"
COOKIE = "q8f2kz0x7m1n4b6v9c3a5s8d0f2g4h6j"


def planted_log(person) -> list[str]:
    email = person.email
    quoted = email.replace("@", "%40")
    return [
        log_line(
            KNOWN_IP,
            0,
            f"/products/?email={email}",
            referrer=f"https://mail.example.net/?to={quoted}",
            agent=FIREFOX,
        ),
        log_line(
            KNOWN_IP,
            10,
            f"/account/{person.pk}/orders/",
            referrer=f"http://{KNOWN_IP}/?u={email}",
            agent=FIREFOX,
        ),
        log_line(
            KNOWN_IP,
            20,
            f"/u/{email}/",
            referrer=f"http://{email.split('@')[1]}/u/{email}",
            agent=FIREFOX,
        ),
        log_line(KNOWN_IP, 30, f"/cart/;{settings.SESSION_COOKIE_NAME}={COOKIE}", agent=FIREFOX),
        log_line(
            IPV6,
            40,
            f"/?{settings.SESSION_COOKIE_NAME}={COOKIE}",
            referrer=f"http://[{IPV6}]/",
            agent=FIREFOX,
        ),
        log_line(IPV6, 50, f"/my-data/{COOKIE}/", agent=FIREFOX),
    ]


def every_stored_value() -> list[str]:
    """Every field of every analytics row, the compressed visitor marks unpacked."""
    values = []
    for stored in CountedVisitors.objects.all():
        values.extend(str(v) for row in read_marks(stored).iter_rows() for v in row)
    for model in apps.get_app_config("analytics").get_models():
        for row in model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]):
            for value in row:
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("latin-1")
                values.append(str(value))
    return values


def test_no_analytics_table_holds_an_ip_email_account_number_or_cookie(
    ingest, write_log, make_person
):
    person = make_person("ada.planted@example.com", id=987654)
    path = write_log(planted_log(person))

    ingest(path)
    values = every_stored_value()

    planted = [KNOWN_IP, IPV6, person.email, person.email.replace("@", "%40"), COOKIE]
    account = re.compile(rf"\b{person.pk}\b")
    leaks = [v for v in values if any(p.lower() in v.lower() for p in planted) or account.search(v)]
    pages = report("contactgenie", date(2026, 3, 2), date(2026, 3, 2), "page")
    assert (len(values) > 50, leaks, pages.suppressed > 0) == (True, [], True)
