"""The ``pledge`` command: Django's management commands, with Pledge's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    # `pledge policy publish` reads better than `pledge policy_publish`: join a
    # command group and its verb when Django knows the joined name.
    if len(argv) >= 3 and not argv[1].startswith("-") and not argv[2].startswith("-"):
        import django
        from django.core.management import get_commands

        django.setup()
        joined = f"{argv[1]}_{argv[2]}"
        joined = joined.replace("-", "_")  # `pledge license public-key`
        if joined in get_commands():
            argv = [argv[0], joined, *argv[3:]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
