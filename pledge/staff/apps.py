from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    """Keep the role groups in step with the declaration after every migrate."""
    from .roles import sync_roles

    sync_roles()


class StaffConfig(AppConfig):
    name = "pledge.staff"
    label = "staff"
    verbose_name = "Staff"

    def ready(self) -> None:
        post_migrate.connect(sync_roles_after_migrate, sender=self)
