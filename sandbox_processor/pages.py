"""HTML for the card page and the dashboard: templates filled with escaped values."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from html import escape
from importlib.resources import files
from string import Template

SYMBOLS = {"eur": "€", "usd": "$", "gbp": "£", "jpy": "¥", "chf": "CHF "}
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}


@cache
def template(name: str) -> Template:
    return Template((files("sandbox_processor") / "templates" / name).read_text("utf-8"))


def render(template_name: str, /, **values: str) -> str:
    """Fill ``template_name``; every value must already be HTML (use ``escape`` on text)."""
    return template(template_name).substitute(values)


def money(amount: int, currency: str) -> str:
    """``1250, "eur"`` → ``€12.50``: minor units shown as a buyer reads them."""
    symbol = SYMBOLS.get(currency, currency.upper() + " ")
    if currency in ZERO_DECIMAL:
        return f"{symbol}{amount:,}"
    return f"{symbol}{amount // 100:,}.{amount % 100:02d}"


def when(timestamp: float | None) -> str:
    if timestamp is None:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def message_page(title: str, text: str, link_url: str | None = None, link_text: str = "") -> str:
    link = f'<p><a href="{escape(link_url)}">{escape(link_text)}</a></p>' if link_url else ""
    return render("message.html", title=escape(title), text=escape(text), link=link)


__all__ = ["escape", "message_page", "money", "render", "when"]
