"""A stand-in for Stripe in the demo and the tests: its own process, port and database.

It speaks Stripe's HTTP protocol for the subset the vendor uses (Checkout
Sessions, payment intents, refunds, events), serves a hosted card page, and
delivers signed webhooks with retries, so the vendor's adapter runs the same
code against it as against Stripe. See docs/sandbox_processor.md.
"""
