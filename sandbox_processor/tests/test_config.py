"""Starting options: command line over environment over defaults; refusals name the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox_processor import demo
from sandbox_processor.config import DEFAULT_RETRY_SCHEDULE, ConfigError, load


def test_defaults_are_the_demos() -> None:
    config = load([], environ={})

    assert (config.port, config.secret_key, config.webhook_secret) == (
        demo.PORT,
        demo.SECRET_KEY,
        demo.WEBHOOK_SECRET,
    )
    assert config.webhook_url is None
    assert config.retry_schedule == DEFAULT_RETRY_SCHEDULE
    assert config.base_url == demo.API_BASE


def test_environment_sets_and_command_line_wins() -> None:
    environ = {
        "SANDBOX_PROCESSOR_PORT": "9001",
        "SANDBOX_PROCESSOR_DB": "/tmp/elsewhere.sqlite3",
        "SANDBOX_PROCESSOR_WEBHOOK_URL": "http://127.0.0.1:8000/payments/stripe/webhook/",
        "SANDBOX_PROCESSOR_RETRY_SCHEDULE": "1, 2.5,10",
        "SANDBOX_PROCESSOR_ALLOW_SHORT_EXPIRY": "yes",
    }

    config = load(["--port", "9002"], environ=environ)

    assert config.port == 9002
    assert config.db == Path("/tmp/elsewhere.sqlite3")
    assert config.webhook_url == "http://127.0.0.1:8000/payments/stripe/webhook/"
    assert config.retry_schedule == (1.0, 2.5, 10.0)
    assert config.allow_short_expiry is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--secret-key", "sk_live_abc"], "--secret-key must be a test key (sk_test_…)"),
        (["--webhook-secret", "secret"], "--webhook-secret must start with whsec_"),
        (["--webhook-url", "localhost:8000/hook"], "must be an http(s) URL"),
        (["--retry-schedule", "1,soon"], "give seconds separated by commas"),
        (["--retry-schedule", "5,-1"], "delays cannot be negative"),
    ],
)
def test_bad_settings_stop_the_start_naming_the_option(argv: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(argv, environ={})


def test_a_bad_number_in_the_environment_is_named() -> None:
    with pytest.raises(ConfigError, match="--async-delay: 'soon' is not a number"):
        load([], environ={"SANDBOX_PROCESSOR_ASYNC_DELAY": "soon"})
