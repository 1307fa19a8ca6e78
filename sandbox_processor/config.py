"""How one sandbox process is set up: command-line options over environment variables.

Every option has an environment variable ``SANDBOX_PROCESSOR_<NAME>`` so the
demo, a container or a test can start it either way; an option given on the
command line wins. Bad values stop the start with a message naming the option.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sandbox_processor import demo

# Stripe retries a failed delivery for up to three days with growing gaps.
DEFAULT_RETRY_SCHEDULE = (60.0, 300.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0, 86400.0)


@dataclass(frozen=True)
class Config:
    host: str = demo.HOST
    port: int = demo.PORT
    db: Path = Path(demo.DATABASE)
    secret_key: str = demo.SECRET_KEY
    webhook_url: str | None = None
    webhook_secret: str = demo.WEBHOOK_SECRET
    # Where browsers reach the sandbox (session urls); by default http://host:port.
    public_url: str | None = None
    business_name: str = "Sandbox merchant"
    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    async_delay: float = 5.0
    sweep_interval: float = 5.0
    # Stripe wants expires_at 30 minutes to 24 hours ahead; tests may shorten it.
    allow_short_expiry: bool = False
    delivery_timeout: float = 10.0

    def with_port(self, port: int) -> Config:
        return replace(self, port=port)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


class ConfigError(ValueError):
    """A setting the sandbox cannot start with."""


def _seconds_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"retry schedule {text!r}: give seconds separated by commas") from None
    if any(value < 0 for value in values):
        raise ConfigError(f"retry schedule {text!r}: delays cannot be negative")
    return values


def _flag(text: str) -> bool:
    if text.lower() in {"1", "true", "yes", "on"}:
        return True
    if text.lower() in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{text!r} is not a yes/no value")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sandbox-processor",
        description="A stand-in for Stripe's Checkout API, hosted card page and webhooks.",
        epilog="Each option can also be set as SANDBOX_PROCESSOR_<OPTION> "
        "(e.g. SANDBOX_PROCESSOR_WEBHOOK_URL).",
    )
    p.add_argument("--host", help=f"address to listen on (default {demo.HOST})")
    p.add_argument("--port", type=int, help=f"port; 0 picks a free one (default {demo.PORT})")
    p.add_argument("--db", help=f"SQLite file (default {demo.DATABASE})")
    p.add_argument("--secret-key", help="the sk_test_ key clients must send")
    p.add_argument("--webhook-url", help="endpoint that receives the events")
    p.add_argument("--webhook-secret", help="whsec_ secret that signs the events")
    p.add_argument("--public-url", help="base URL browsers use to reach the sandbox")
    p.add_argument("--business-name", help="name shown on the card page")
    p.add_argument("--retry-schedule", help="seconds between delivery retries, e.g. 60,300,1800")
    p.add_argument("--async-delay", type=float, help="seconds until an asynchronous card settles")
    p.add_argument("--sweep-interval", type=float, help="seconds between expiry sweeps")
    p.add_argument(
        "--allow-short-expiry",
        action="store_const",
        const="1",
        help="accept expires_at under Stripe's 30-minute minimum (tests)",
    )
    p.add_argument("--delivery-timeout", type=float, help="seconds to wait for the endpoint")
    return p


def load(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """The configuration from ``argv`` over ``environ`` over the defaults."""
    environ = os.environ if environ is None else environ
    args = vars(parser().parse_args(argv))

    def setting(name: str) -> str | None:
        given = args.get(name)
        if given is not None:
            return str(given)
        return environ.get("SANDBOX_PROCESSOR_" + name.upper())

    config = Config()
    changes: dict[str, object] = {}
    for name in (
        "host",
        "secret_key",
        "webhook_url",
        "webhook_secret",
        "public_url",
        "business_name",
    ):
        value = setting(name)
        if value is not None:
            changes[name] = value or None if name in ("webhook_url", "public_url") else value
    if (db := setting("db")) is not None:
        changes["db"] = Path(db)
    for name in ("port",):
        if (value := setting(name)) is not None:
            try:
                changes[name] = int(value)
            except ValueError:
                raise ConfigError(f"--{name}: {value!r} is not a number") from None
    for name in ("async_delay", "sweep_interval", "delivery_timeout"):
        if (value := setting(name)) is not None:
            try:
                changes[name] = float(value)
            except ValueError:
                raise ConfigError(
                    f"--{name.replace('_', '-')}: {value!r} is not a number"
                ) from None
    if (value := setting("retry_schedule")) is not None:
        changes["retry_schedule"] = _seconds_list(value)
    if (value := setting("allow_short_expiry")) is not None:
        changes["allow_short_expiry"] = _flag(value)
    config = replace(config, **changes)  # type: ignore[arg-type]
    check(config)
    return config


def check(config: Config) -> None:
    """Refuse settings that would make the sandbox pass for the real thing."""
    if not config.secret_key.startswith("sk_test_"):
        raise ConfigError(
            "--secret-key must be a test key (sk_test_…): the sandbox is test mode only"
        )
    if not config.webhook_secret.startswith("whsec_"):
        raise ConfigError("--webhook-secret must start with whsec_, as Stripe's signing secrets do")
    if config.webhook_url and not config.webhook_url.startswith(("http://", "https://")):
        raise ConfigError(f"--webhook-url {config.webhook_url!r} must be an http(s) URL")
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"--port {config.port} is out of range")
