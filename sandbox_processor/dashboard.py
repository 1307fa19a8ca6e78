"""``/dashboard/``: the sessions, events and webhook deliveries, for the demo's audience."""

from __future__ import annotations

from sandbox_processor.pages import escape, money, render, when
from sandbox_processor.processor import Processor

EMPTY = '      <tr><td class="empty" colspan="{}">None yet.</td></tr>'


def page(sandbox: Processor) -> str:
    store = sandbox.store
    sessions = store.latest("checkout.session", limit=50)
    session_rows = "\n".join(
        "      <tr>"
        f'<td>{when(s["created"])}</td><td class="id">{escape(s["id"][:24])}…</td>'
        f"<td>{escape(s['client_reference_id'] or '')}</td>"
        f"<td>{money(s['amount_total'], s['currency'])}</td>"
        f"<td>{escape(s['status'])}</td><td>{escape(s['payment_status'])}</td></tr>"
        for s in sessions
    ) or EMPTY.format(6)
    db = store.connection()
    states = {
        row["event_id"]: (row["state"], row["attempts"])
        for row in db.execute("SELECT event_id, state, attempts FROM deliveries")
    }
    events = store.latest("event", limit=50)
    event_rows = "\n".join(
        "      <tr>"
        f'<td>{when(e["created"])}</td><td class="id">{escape(e["id"])}</td>'
        f'<td>{escape(e["type"])}</td><td class="id">{escape(e["data"]["object"]["id"][:24])}</td>'
        f"<td>{_delivery(states.get(e['id']))}</td></tr>"
        for e in events
    ) or EMPTY.format(5)
    attempts = db.execute("SELECT * FROM attempts ORDER BY id DESC LIMIT 50").fetchall()
    attempt_rows = "\n".join(
        "      <tr>"
        f'<td>{when(a["at"])}</td><td class="id">{escape(a["event_id"])}</td><td>{a["number"]}</td>'
        f"<td>{escape(a['url'])}</td><td>{_answer(a['status'], a['error'])}</td>"
        f"<td>{a['duration_ms']} ms</td></tr>"
        for a in attempts
    ) or EMPTY.format(6)
    return render(
        "dashboard.html",
        base_url=escape(sandbox.base_url),
        webhook_url=escape(sandbox.config.webhook_url or "(no endpoint configured)"),
        sessions=session_rows,
        events=event_rows,
        attempts=attempt_rows,
    )


def _delivery(state: tuple[str, int] | None) -> str:
    if state is None:
        return '<span class="empty">not sent</span>'
    name, tries = state
    css = "status-ok" if name == "delivered" else "status-bad" if name == "failed" else ""
    return f'<span class="{css}">{escape(name)}</span> ({tries} {"try" if tries == 1 else "tries"})'


def _answer(status: int | None, error: str | None) -> str:
    if status is None:
        return f'<span class="status-bad">{escape(error or "no answer")}</span>'
    css = "status-ok" if 200 <= status < 300 else "status-bad"
    return f'<span class="{css}">HTTP {status}</span>'
