"""Settings: production refuses placeholders and passes Django's deploy checks (C20)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run_pledge(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PLEDGE_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "pledge.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "PLEDGE_ENV": "production",
    "PLEDGE_SECRET_KEY": "k" * 20 + "-a-real-secret-for-this-test-0123456789",
    "PLEDGE_FIELD_ENCRYPTION_KEYS": "u0sI1dE2Sx-Lh9Yqf3b8Q6kY1v5o7cXw2gN4pR0tZ8M=",
    "PLEDGE_ALLOWED_HOSTS": "contactgenie.example,claxton.example",
    "PLEDGE_LICENSE_SIGNING_KEY": "test2026:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    "PLEDGE_STRIPE_SECRET_KEY": "sk_live_" + "s" * 40,
    "PLEDGE_STRIPE_WEBHOOK_SECRET": "whsec_" + "w" * 40,
}


def test_production_settings_pass_the_deploy_checks(tmp_path):
    result = run_pledge(
        "check", "--deploy", "--fail-level", "WARNING", PLEDGE_VAR_DIR=str(tmp_path), **PRODUCTION
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_a_placeholder_secret(tmp_path):
    env = {**PRODUCTION, "PLEDGE_SECRET_KEY": "change-me", "PLEDGE_VAR_DIR": str(tmp_path)}

    result = run_pledge("check", **env)

    assert result.returncode != 0
    assert (
        "PLEDGE_SECRET_KEY must be set to a real secret of at least 32 characters in production"
        in result.stderr
    )


def test_a_bad_boolean_is_a_clear_error(tmp_path):
    result = run_pledge("check", PLEDGE_DEBUG="maybe", PLEDGE_VAR_DIR=str(tmp_path))

    assert result.returncode != 0
    assert "PLEDGE_DEBUG must be true or false, not 'maybe'" in result.stderr


def test_every_environment_variable_is_documented():
    names = set(
        re.findall(
            r"\b(PLEDGE_[A-Z_]+|DATABASE_URL|CACHE_URL)\b",
            (ROOT / "pledge" / "settings.py").read_text(),
        )
    )
    documented = (ROOT / "docs" / "configuration.md").read_text()

    assert sorted(n for n in names if f"`{n}`" not in documented) == []
