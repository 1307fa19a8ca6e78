"""Charts drawn on the server as plain SVG: no script, no inline style, CSP-safe (C7).

Colours and sizes are SVG presentation attributes, which a strict Content Security
Policy allows; all text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#2563eb", "#16a34a", "#d97706", "#9333ea")
WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


def line_chart(
    days: Sequence[date], series: dict[str, Sequence[int | None]], title: str
) -> SafeString:
    """Trend lines over ``days``; a None value (a suppressed day) breaks the line."""
    top = max([v for values in series.values() for v in values if v is not None] or [0])
    scale = _nice(top)
    width, height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (width * i / (len(days) - 1) if len(days) > 1 else width / 2)

    def y(v: int) -> float:
        return TOP + height - height * v / scale

    parts = [_frame(title), *_grid(scale, y)]
    for colour, (name, values) in zip(COLOURS, series.items(), strict=False):
        for run in _runs(values):
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            parts.extend(
                f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(name)} {days[i]:%d %b %Y}: {v:,}</title></circle>"
                for i, v in run
            )
    if days:
        parts.append(_text(LEFT, HEIGHT - 22, f"{days[0]:%d %b %Y}", "start"))
        parts.append(_text(WIDTH - RIGHT, HEIGHT - 22, f"{days[-1]:%d %b %Y}", "end"))
    legend_x = LEFT
    for colour, name in zip(COLOURS, series, strict=False):
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 12}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(_text(legend_x + 14, HEIGHT - 3, name, "start"))
        legend_x += 24 + 7 * len(name)
    return _svg(parts, title)


def bar_chart(rows: Sequence[tuple[str, int]], title: str) -> SafeString:
    """Horizontal bars, largest first, each labelled with its value."""
    bar, gap, label_width = 18, 6, 260
    height = TOP + len(rows) * (bar + gap) + 8
    top = max([n for _, n in rows] or [1])
    width = WIDTH - label_width - 80
    parts = []
    for i, (label, n) in enumerate(rows):
        y = TOP + i * (bar + gap)
        shown = label if len(label) <= 40 else label[:39] + "…"
        parts.append(_text(label_width - 8, y + 13, shown or "(none)", "end", full=label))
        length = max(1.0, width * n / top)
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
            f'fill="{COLOURS[0]}" rx="2"><title>{escape(label)}: {n:,}</title></rect>'
        )
        parts.append(_text(label_width + length + 6, y + 13, f"{n:,}", "start"))
    return _svg(parts, title, height=max(height, 40))


def _nice(top: int) -> int:
    """A round maximum for the axis just above ``top``."""
    if top <= 5:
        return 5
    step = 10 ** (len(str(top)) - 1)
    for multiple in (1, 2, 2.5, 5, 10):
        if top <= multiple * step:
            return int(multiple * step)
    return top


def _grid(scale: int, y: object) -> list[str]:
    parts = []
    for k in range(5):
        value = scale * k / 4
        at = y(value)  # type: ignore[operator]
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" '
            'stroke="#e5e7eb" stroke-width="1"/>'
        )
        label = f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
        parts.append(_text(LEFT - 6, at + 4, label, "end"))
    return parts


def _runs(values: Sequence[int | None]) -> list[list[tuple[int, int]]]:
    runs: list[list[tuple[int, int]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, v))
    return [run for run in runs if run]


def _frame(title: str) -> str:
    return f"<title>{escape(title)}</title>"


def _text(x: float, y: float, text: str, anchor: str, full: str | None = None) -> str:
    hint = f"<title>{escape(full)}</title>" if full and full != text else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12" '
        f'fill="#374151">{hint}{escape(text)}</text>'
    )


def _svg(parts: list[str], title: str, height: int = HEIGHT) -> SafeString:
    body = "".join(parts)
    return mark_safe(  # noqa: S308 - every text above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">{body}</svg>'
    )
