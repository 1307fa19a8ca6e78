"""pledge demo: prepare and start the whole demo (what `make run` does).

Migrates the SQLite database, publishes the declaration, seeds The Claxton
Group's demo data and staff, then runs the web site, the mail worker, the
mail catcher and the payment sandbox (``sandbox_processor`` on port 8010, in
place of Stripe) together until interrupted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pledge.campaigns.demo import seed_campaigns
from pledge.licensing.demo import seed_registrations
from pledge.orders.demo import seed_special_prices
from pledge.policy.loaded import configured_declaration
from pledge.shop.demo import seed_products
from pledge.site.demo import CUSTOMER_PASSWORD, CUSTOMERS, seed_customers
from pledge.staff.demo import create_demo_staff
from pledge.support.demo import seed_tickets
from sandbox_processor import demo as sandbox_demo


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
        seed_special_prices()  # one offer for everyone, from now for 14 days
        seed_registrations()  # owners of the demo products: after customers and products
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
        out.write(f"  Payment sandbox      {sandbox_demo.API_BASE}/dashboard/")
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
            # The stand-in for Stripe: its own process, port and SQLite file.
            "processor": [
                sys.executable,
                "-m",
                "sandbox_processor",
                "--port",
                str(sandbox_demo.PORT),
                "--db",
                str(Path(settings.BASE_DIR) / sandbox_demo.DATABASE),
                "--secret-key",
                sandbox_demo.SECRET_KEY,
                "--webhook-secret",
                sandbox_demo.WEBHOOK_SECRET,
                "--webhook-url",
                f"http://127.0.0.1:{port}{sandbox_demo.WEBHOOK_PATH}",
                "--business-name",
                sandbox_demo.BUSINESS_NAME,
            ],
        }
        # The site and worker reach the sandbox as they would reach Stripe.
        environ = dict(os.environ)
        environ.setdefault("PLEDGE_STRIPE_API_BASE", sandbox_demo.API_BASE)
        environ.setdefault("PLEDGE_STRIPE_SECRET_KEY", sandbox_demo.SECRET_KEY)
        environ.setdefault("PLEDGE_STRIPE_WEBHOOK_SECRET", sandbox_demo.WEBHOOK_SECRET)
        children = {
            name: subprocess.Popen(cmd, env=environ)  # noqa: S603
            for name, cmd in commands.items()
        }
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
