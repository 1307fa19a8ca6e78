"""The demo's support tickets, taken in as mail through the same intake real mail uses."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from django.contrib.auth import get_user_model

from .intake import take_in
from .models import Ticket
from .reading import support_address
from .tickets import assign, reply

DEMO_MAILS = (
    (
        "Ada Lovelace <ada@example.com>",
        "ContactGenie will not start after the update",
        "Hello,\n\nSince yesterday's update ContactGenie stops at the splash screen.\n"
        "I use Windows 11.\n\nAda\n",
    ),
    (
        "Alan Turing <alan@example.com>",
        "Upgrade price for the Network Edition?",
        "Good morning,\n\nWhat does the upgrade from Professional to the Network Edition "
        "cost for five seats?\n\nAlan Turing\n\n"
        "On Mon, 2 Mar 2026, ContactGenie <news@claxton.localhost> wrote:\n"
        "> Version 6.2 is out: faster search and a new address book.\n",
    ),
)


def _mail(sender: str, subject: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = support_address()
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="demo.example.com")
    message.set_content(text)
    return message


def seed_tickets(customer_service_email: str = "support@claxton.localhost") -> int:
    """Open the demo tickets once (running again changes nothing); answer the first."""
    made = 0
    agent = get_user_model()._default_manager.filter(email__iexact=customer_service_email).first()
    for sender, subject, text in DEMO_MAILS:
        if Ticket.objects.filter(subject=subject).exists():
            continue
        ticket = take_in(_mail(sender, subject, text)).ticket
        made += 1
        if agent is not None and made == 1:
            assign(ticket, agent, by=agent)
            reply(
                ticket,
                "Hello Ada,\n\nPlease choose Repair in the Help menu's ContactGenie folder,"
                " then start ContactGenie again. Does it start now?",
                by=agent,
            )
    return made
