"""pledge demo: prepare and start the whole demo (what `make run` does).

Migrates the SQLite database, publishes the declaration, seeds The Claxton
Group's demo data and staff, then runs the web site, the mail worker and the
mail catcher together until interrupted.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pledge.campaigns.demo import seed_campaigns
from pledge.policy.loaded import configured_declaration
from pledge.shop.demo import seed_products
from pledge.site.demo import CUSTOMER_PASSWORD, CUSTOMERS, seed_customers
from pledge.staff.demo import create_demo_staff
from pledge.support.demo import seed_tickets


class Command(BaseCommand):
    help = "Prepare the demo data and run the site, the mail worker and the mail catcher."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--prepare-only", action="store_true", help="set up data, start nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("policy_publish", by="make run", stdout=self.stdout)
        seed_customers()
        seed_products()
        staff = create_demo_staff()
        # After the staff: the demo's campaigns are written by its marketing member.
        seed_campaigns()
        # Mail to support, answered by the demo's customer service member.
        seed_tickets()
        self.print_logins(staff, options["port"])
        if options["prepare_only"]:
            return
        self.run_processes(options["port"])

    def print_logins(self, staff: list[Any], port: int) -> None:
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("The Claxton Group demo"))
        for key, site in configured_declaration().sites.items():
            host = site["hosts"][0]
            out.write(f"  {site['name']:<18} http://{host}:{port}/   ({key})")
        out.write(f"  Mail the sites sent  http://127.0.0.1:{port}/dev/mail/")
        out.write(f"  Staff admin          http://127.0.0.1:{port}/staff/")
        out.write("")
        out.write(f"  Customers (password {CUSTOMER_PASSWORD}):")
        for customer in CUSTOMERS:
            out.write(f"    {customer.email:<26} {customer.name}")
        out.write("  Staff:")
        for member in staff:
            out.write(f"    {member.role:<18} {member.email:<28} {member.password}")
        out.write("")

    def run_processes(self, port: int) -> None:
        pledge = [sys.executable, "-m", "pledge.cli"]
        commands = {
            "web": [*pledge, "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [*pledge, "worker"],
            "mailcatcher": [*pledge, "mailcatcher"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(
                            f"{name} stopped (exit {child.returncode}); stopping the demo"
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
