"""The whole purchase in a real browser, on both sites, and the card canary (C3, C20).

Chromium signs in, opens a product, presses Buy, fills the order form, types a
chosen test card on the sandbox processor's hosted page (its own process), comes
back to the order's page, which shows "waiting" until the signed webhook arrives
and then the key, and finds the key on the account page. The receipt is read
from a real SMTP server. Then the canary: the vendor's whole database (every
table, dumped), its log file, every mail it sent and the buyer's data export
hold neither the card number nor its last four digits with the expiry.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.db import connection

from pledge.licensing.models import LicenseKey
from pledge.mail.delivery import deliver_due
from pledge.orders.models import Order, Status
from pledge.people.models import Person
from pledge.rights.export import export_person_data
from pledge.shop.catalog import save_product
from pledge.shop.models import Product

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # make_person's
CARD = "5555 5555 5555 4444"  # the sandbox's succeeding Mastercard
DIGITS = CARD.replace(" ", "")
LAST4, EXPIRY = DIGITS[-4:], "09/31"
# Forms the expiry could take in a stored or logged record.
EXPIRY_FORMS = ("09/31", "0931", "09/2031", "9/31", '"exp_month": 9', "exp_month=9", "2031")


class WebhookGate:
    """Between the sandbox and the live server: holds the processor's deliveries while shut.

    The gate lets a test say "after this request, not during it": the
    processor's event about a staff action then finds that action recorded, and
    the test reads one order of events rather than a race.
    """

    def __init__(self, target: str):
        self.target, self.open = target, threading.Event()
        self.open.set()
        gate = self

        class Relay(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gate.open.wait(timeout=30)
                request = urllib.request.Request(gate.target, data=body, method="POST")
                for name in ("Content-Type", "Stripe-Signature", "User-Agent"):
                    if self.headers.get(name):
                        request.add_header(name, self.headers[name])
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                        status, data = answer.status, answer.read()
                except urllib.error.HTTPError as refused:
                    status, data = refused.code, refused.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def webhook_gate(live_server):
    gate = WebhookGate(live_server.url + "/payments/stripe/webhook/")
    yield gate
    gate.open.set()
    gate.server.shutdown()
    gate.server.server_close()


@pytest.fixture
def sandbox_webhook_url(webhook_gate):
    return webhook_gate.url


@pytest.fixture
def product(policy):
    product = Product(
        sku="cg-pro",
        name="ContactGenie Professional",
        edition="Professional",
        summary="For a small office.",
        price="149.00",
    )
    save_product(product, by=None, sites=["contactgenie", "claxton"])
    return product


@pytest.fixture
def shop(live_server, sandbox_processor, settings, product, tmp_path):
    """The sites on the live server's port, the SDK on the sandbox, logs to a file."""
    settings.PUBLIC_PORT = str(urlsplit(live_server.url).port)
    settings.STRIPE_API_BASE = sandbox_processor.base_url
    settings.STRIPE_SECRET_KEY = sandbox_processor.secret_key
    settings.STRIPE_WEBHOOK_SECRET = sandbox_processor.webhook_secret
    log_file = tmp_path / "pledge.log"
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield {"port": settings.PUBLIC_PORT, "log": log_file, "sandbox": sandbox_processor}
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


def _after_the_webhook(sandbox):
    def hold(route):
        event = sandbox.wait_for_event("checkout.session.completed")
        sandbox.wait_for_delivery(event["id"])
        route.continue_()

    return hold


def _buy_on(page, site_host, port, shop, email, shot_prefix):
    base = f"http://{site_host}:{port}"
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/")
    page.goto(f"{base}/products/cg-pro/")
    screenshot(page, f"{shot_prefix}-1-product")
    page.get_by_role("link", name="Buy").click()
    page.wait_for_url(f"{base}/orders/buy/cg-pro/")
    assert page.locator("#id_email").input_value() == email  # prefilled from the account
    page.locator("#id_shipping_address").fill("12 Analytical Row\nLondon N1 7AA\nUnited Kingdom")
    screenshot(page, f"{shot_prefix}-2-order-form")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(re.escape(shop["sandbox"].base_url) + "/pay/.*"))
    # Before paying, the order's page says honestly that it waits for the processor.
    order = Order.objects.get()
    waiting = page.context.new_page()
    waiting.goto(f"{base}/orders/{order.token}/")
    assert waiting.get_by_role("heading").inner_text() == "Waiting for the payment processor"
    screenshot(waiting, f"{shot_prefix}-3a-order-waiting")
    waiting.close()
    # Let the browser come back only once the webhook is handled, so the page
    # shows the paid order at once rather than "waiting" and a refresh.
    page.route(re.compile(r".*/orders/[^/]+/\?paid=1$"), _after_the_webhook(shop["sandbox"]))
    page.locator("#number").fill(CARD)
    page.locator("#expiry").fill(EXPIRY)
    page.locator("#cvc").fill("737")
    page.locator("#name").fill("Ada Lovelace")
    screenshot(page, f"{shot_prefix}-3-processor-card-page")
    page.get_by_role("button", name=re.compile("^Pay ")).click()
    page.wait_for_url(re.compile(re.escape(base) + r"/orders/[^/]+/\?paid=1"))
    page.get_by_text("Thank you: your payment was received").wait_for(timeout=15000)
    screenshot(page, f"{shot_prefix}-4-order-paid")
    order_key = page.locator("code.license-key").inner_text()
    page.goto(f"{base}/account/")
    screenshot(page, f"{shot_prefix}-5-account")
    return base, order_key


@pytest.mark.parametrize(
    "site_host", ["contactgenie.localhost", "claxton.localhost"], ids=["contactgenie", "claxton"]
)
def test_buy_in_the_browser_key_in_account_receipt_by_smtp_and_the_card_is_nowhere(
    page, shop, make_person, smtp_sink, site_host
):
    person = make_person("ada@example.com", name="Ada Lovelace")
    prefix = f"orders-{site_host.split('.')[0]}"

    base, order_key = _buy_on(page, site_host, shop["port"], shop, person.email, prefix)

    order = Order.objects.get()
    key = LicenseKey.objects.get(registration__order_ref=order.number)
    assert order.status == Status.PAID
    assert order.site == site_host.split(".")[0]
    assert order_key == key.key
    assert page.locator("#your-products code.license-key").inner_text() == key.key
    assert page.locator("#your-orders td").first.inner_text().startswith(order.number)
    assert page.console_errors == []

    deliver_due()
    [receipt] = [m for m in smtp_sink.messages if "receipt" in m.message["Subject"]]
    assert receipt.rcpt_tos == ["ada@example.com"]
    assert key.key in receipt.message.get_body(("plain",)).get_content().replace("\n", "")

    # The canary: plant nothing, look everywhere the vendor keeps or sends anything.
    places = {
        "database": _dump_database(),
        "log file": shop["log"].read_text().splitlines(),
        "mail sent": [m.data.decode("utf-8", "replace") for m in smtp_sink.messages],
        "export": [json.dumps(export_person_data(Person.objects.get(pk=person.pk)), default=str)],
    }
    assert all(places.values())  # each place was really read
    assert any(order.number in line for line in places["database"])  # the dump holds the order
    for where, records in places.items():
        for record in records:
            flat = re.sub(r"[\s\-]", "", record)
            assert DIGITS not in flat, f"card number in {where}: {record[:200]}"
            assert "last4" not in record, f"a card's last4 field in {where}: {record[:200]}"
            has_expiry = any(form in record for form in EXPIRY_FORMS)
            assert not (LAST4 in record and has_expiry), (
                f"last 4 + expiry in {where}: {record[:200]}"
            )


def _dump_database() -> list[str]:
    """Every row of every table of the vendor's database, one text line per row."""
    lines = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            lines.extend(f"{table}: {row!r}" for row in cursor.fetchall())
    return lines


def test_the_billing_clerk_writes_about_and_refunds_an_order_in_the_admin(
    page, shop, make_person, smtp_sink, webhook_gate
):
    from django.utils import timezone

    from pledge.staff.roles import assign_role, sync_roles

    buyer = make_person("ada@example.com", name="Ada Lovelace")
    _buy_on(page, "contactgenie.localhost", shop["port"], shop, buyer.email, "orders-admin")
    order = Order.objects.get()
    sync_roles()
    clerk = Person.objects.create_user(
        "billing@claxton.localhost",
        PASSWORD,
        point="staff",
        name="Bill Clerk",
        email_verified_at=timezone.now(),
        is_staff=True,
    )
    assign_role(clerk, "billing_clerk", by=None)
    base = f"http://127.0.0.1:{shop['port']}"
    page.context.clear_cookies()

    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(clerk.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/staff/orders/order/{order.pk}/change/")
    screenshot(page, "orders-admin-6-order-page")
    page.get_by_role("link", name="Write to the buyer about this order").click()
    page.get_by_label("Topic").fill("Your shipping address")
    page.get_by_label("Message").fill("The courier asks for a flat number. Please reply.")
    screenshot(page, "orders-admin-7-contact")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("link", name="Refund…").click()
    page.locator("#id_reason").fill("bought twice by mistake")
    webhook_gate.open.clear()  # the processor's charge.refunded waits for the clerk's request
    page.get_by_role("button", name="Refund the order").click()
    page.get_by_text(f"Order {order.number} was refunded.").wait_for()
    screenshot(page, "orders-admin-8-refunded")
    webhook_gate.open.set()
    refunded = shop["sandbox"].wait_for_event("charge.refunded")
    shop["sandbox"].wait_for_delivery(refunded["id"])

    order.refresh_from_db()
    assert order.status == Status.REFUNDED
    [refund] = order.events.filter(kind="refund")
    assert (refund.actor.email, str(refund.amount)) == (clerk.email, "149.00")
    assert LicenseKey.objects.get(registration__order_ref=order.number).status == "revoked"
    deliver_due()
    subjects = sorted(m.message["Subject"] for m in smtp_sink.messages)
    assert f"About your order {order.number}: Your shipping address" in subjects
    assert page.console_errors == []
