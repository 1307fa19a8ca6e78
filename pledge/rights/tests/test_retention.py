"""Unverified accounts are erased after the declared days (retention rule)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from pledge.people.models import Person
from pledge.policy.models import AuditEvent
from pledge.rights.retention import purge_unverified_accounts


def test_unverified_account_older_than_the_declared_days_is_erased(make_person):
    stale = make_person("stale@example.com", email_verified_at=None)
    fresh = make_person("fresh@example.com", email_verified_at=None)
    verified = make_person("kept@example.com")
    Person.objects.filter(pk__in=[stale.pk, verified.pk]).update(
        date_joined=timezone.now() - timedelta(days=7, minutes=1)
    )

    result = purge_unverified_accounts()

    statuses = dict(Person.objects.values_list("pk", "status"))
    assert result.erased == 1
    assert (statuses[stale.pk], statuses[fresh.pk], statuses[verified.pk]) == (
        "erased",
        "active",
        "active",
    )
    assert AuditEvent.objects.get(action="rights.erase").subject_id == stale.pk


def test_account_just_inside_the_window_is_kept(make_person):
    person = make_person(email_verified_at=None)
    Person.objects.filter(pk=person.pk).update(
        date_joined=timezone.now() - timedelta(days=6, hours=23)
    )

    assert purge_unverified_accounts().erased == 0


def test_retention_command_reports_what_it_erased(make_person, capsys):
    person = make_person(email_verified_at=None)
    Person.objects.filter(pk=person.pk).update(date_joined=timezone.now() - timedelta(days=30))

    call_command("retention_apply")

    assert capsys.readouterr().out == "unverified_accounts: 1 erased\n"
    assert Person.objects.get(pk=person.pk).status == "erased"
