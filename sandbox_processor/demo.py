"""The demo's keys and addresses, in one place both sides read.

``pledge demo`` starts the sandbox with these values, and the vendor's
settings fall back to them for ``PLEDGE_STRIPE_API_BASE``,
``PLEDGE_STRIPE_SECRET_KEY`` and ``PLEDGE_STRIPE_WEBHOOK_SECRET`` in the
embedded demo. They are test-mode placeholders, good for nothing beyond this
machine; production sets the real Stripe keys and leaves the base unset.
"""

from __future__ import annotations

HOST = "127.0.0.1"
PORT = 8010
API_BASE = f"http://{HOST}:{PORT}"
SECRET_KEY = "sk_test_claxton_demo_4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_claxton_demo_3d1f0a9c5b7e4c2a8f6d1b0e9c7a5f3d"
# The vendor's endpoint on the demo site (pledge.payments serves it).
WEBHOOK_PATH = "/payments/stripe/webhook/"
WEBHOOK_URL = f"http://127.0.0.1:8000{WEBHOOK_PATH}"
DATABASE = "var/sandbox.sqlite3"
BUSINESS_NAME = "The Claxton Group"
