"""The staff role as the admin shows it: a Django group named after a declared role."""

from __future__ import annotations

from django.contrib.auth.models import Group

from pledge.policy.registry import not_personal


@not_personal(name="the key of a role in the declaration, not a person's name")
class Role(Group):
    """A staff role (C20): the group whose name is a role key of the declaration.

    A proxy, so the admin can list roles under "Staff" with their jobs and
    categories, and so the permission to manage them is the staff app's own.
    """

    class Meta:
        proxy = True
        verbose_name = "staff role"
        verbose_name_plural = "staff roles"
