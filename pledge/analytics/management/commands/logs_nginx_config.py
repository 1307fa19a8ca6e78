"""``pledge logs nginx-config``: print the nginx configuration for the sites (C7, C8)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pledge.analytics.ingest import site_by_host
from pledge.analytics.nginx import Server, nginx_config


class Command(BaseCommand):
    help = (
        "Print the nginx configuration (for its http block) that writes the access log "
        "masked as Pledge's own, answers the page beacon, and hands the rest to Pledge."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server-name",
            action="append",
            default=[],
            help="a host name to serve (repeat it); default: the declaration's sites' hosts",
        )
        parser.add_argument(
            "--upstream", default="127.0.0.1:8000", help="where Pledge listens (host:port)"
        )
        parser.add_argument(
            "--listen", default="", help="nginx's listen parameters (default 80, or 443 ssl)"
        )
        parser.add_argument("--certificate", default="", help="TLS certificate chain file")
        parser.add_argument("--certificate-key", default="", help="its private key file")
        parser.add_argument("--access-log", default=Server.access_log)
        parser.add_argument("--error-log", default=Server.error_log)

    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["certificate"]) != bool(options["certificate_key"]):
            raise CommandError("give both --certificate and --certificate-key, or neither")
        names = options["server_name"] or list(site_by_host()[0])
        server = Server(
            server_names=names,
            upstream=options["upstream"],
            listen=options["listen"],
            certificate=options["certificate"],
            certificate_key=options["certificate_key"],
            access_log=options["access_log"],
            error_log=options["error_log"],
        )
        self.stdout.write(nginx_config(server), ending="")
