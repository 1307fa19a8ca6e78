"""The migration that adds ``recipient_domain`` fills it for the rows already there."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from pledge.mail.models import OutboundMessage

migration = import_module("pledge.mail.migrations.0007_recipient_domain_and_domain_backoff")


def test_existing_rows_get_their_lower_cased_domain(make_person, queue_notice):
    rows = [queue_notice(make_person(f"p{i}@Busy.Example")) for i in range(3)]
    rows.append(queue_notice(make_person("q@calm.example")))
    OutboundMessage.objects.update(recipient_domain="")

    migration.fill_recipient_domains(apps, SimpleNamespace(connection=connection))

    domains = dict(OutboundMessage.objects.values_list("pk", "recipient_domain"))
    assert [domains[row.pk] for row in rows] == ["busy.example"] * 3 + ["calm.example"]
