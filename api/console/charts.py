"""Small accessible SVG charts, drawn on the server: horizontal bars and lines over months.

Each chart is an ``<svg role="img">`` with a title and a description naming what it shows; the
page puts the same numbers in a table beside it, so nothing is only in the picture. Colours are
the theme's dark blue and an orange with enough contrast against white, told apart by pattern
(solid and hatched bars, solid and dashed lines) as well as colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

COLOURS = ("#154273", "#a34d00", "#2b7a3b")
DASHES = ("", "6 4", "2 3")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "") -> Markup:
    """Horizontal bars: one group per label, one bar per series."""
    row, bar, left, width = 14 * max(1, len(series)) + 10, 12, 190, 360
    height = 30 + row * len(labels) + 20 * len(series)
    top = max([0.0, *[v for s in series for v in s.values]]) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-titel {chart_id}-beschrijving" '
        f'width="{left + width + 90}" height="{height}" viewBox="0 0 {left + width + 90} {height}" id="{chart_id}">',
        f'<title id="{chart_id}-titel">{escape(title)}</title>',
        f'<desc id="{chart_id}-beschrijving">Staafdiagram; de getallen staan in de tabel ernaast.</desc>',
        '<defs>' + "".join(
            f'<pattern id="{chart_id}-arcering-{n}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="{COLOURS[n % len(COLOURS)]}"/></pattern>'
            for n in range(len(series))
        ) + '</defs>',
    ]
    for i, label in enumerate(labels):
        y = 10 + i * row
        parts.append(f'<text x="{left - 8}" y="{y + bar}" text-anchor="end">{escape(label)}</text>')
        for n, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else 0
            length = max(0.0, width * value / top)
            fill = COLOURS[n % len(COLOURS)] if n % 2 == 0 else f"url(#{chart_id}-arcering-{n})"
            parts.append(f'<rect x="{left}" y="{y + n * 14}" width="{length:.1f}" height="{bar}" fill="{fill}" '
                         f'stroke="{COLOURS[n % len(COLOURS)]}"/>')
            parts.append(f'<text x="{left + length + 4:.1f}" y="{y + n * 14 + 10}">{_fmt(value)}{escape(unit)}</text>')
    legend_y = 20 + row * len(labels)
    for n, s in enumerate(series):
        fill = COLOURS[n % len(COLOURS)] if n % 2 == 0 else f"url(#{chart_id}-arcering-{n})"
        y = legend_y + n * 18
        parts.append(f'<rect x="{left}" y="{y}" width="14" height="12" fill="{fill}" stroke="{COLOURS[n % len(COLOURS)]}"/>')
        parts.append(f'<text x="{left + 20}" y="{y + 10}">{escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def lines(chart_id: str, title: str, months: Sequence[str], series: Sequence[Series], *, mark: str | None = None) -> Markup:
    """Lines over months (cumulative amounts); ``mark``: a month to mark (the break-even month)."""
    left, top_pad, width, height = 80, 20, 520, 220
    total_h = top_pad + height + 40 + 18 * len(series)
    peak = max([0.0, *[v for s in series for v in s.values]]) or 1.0
    step = width / max(1, len(months) - 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{chart_id}-titel {chart_id}-beschrijving" '
        f'width="{left + width + 20}" height="{total_h}" viewBox="0 0 {left + width + 20} {total_h}" id="{chart_id}">',
        f'<title id="{chart_id}-titel">{escape(title)}</title>',
        f'<desc id="{chart_id}-beschrijving">Lijndiagram per maand; de getallen staan in de tabel ernaast.</desc>',
        f'<line x1="{left}" y1="{top_pad + height}" x2="{left + width}" y2="{top_pad + height}" stroke="#555"/>',
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + height}" stroke="#555"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{_fmt(peak)}</text>',
        f'<text x="{left - 6}" y="{top_pad + height}" text-anchor="end">0</text>',
    ]
    if months:
        parts.append(f'<text x="{left}" y="{top_pad + height + 16}">{escape(months[0])}</text>')
        parts.append(f'<text x="{left + width}" y="{top_pad + height + 16}" text-anchor="end">{escape(months[-1])}</text>')
    if mark is not None and mark in months:
        x = left + step * list(months).index(mark)
        parts.append(f'<line x1="{x:.1f}" y1="{top_pad}" x2="{x:.1f}" y2="{top_pad + height}" stroke="#2b7a3b" stroke-width="2"/>')
        parts.append(f'<text x="{x + 4:.1f}" y="{top_pad + 12}">break-even {escape(mark or "")}</text>')
    for n, s in enumerate(series):
        points = " ".join(
            f"{left + step * i:.1f},{top_pad + height - height * v / peak:.1f}" for i, v in enumerate(s.values)
        )
        dash = f' stroke-dasharray="{DASHES[n % len(DASHES)]}"' if DASHES[n % len(DASHES)] else ""
        parts.append(f'<polyline points="{points}" fill="none" stroke="{COLOURS[n % len(COLOURS)]}" stroke-width="3"{dash}/>')
        y = top_pad + height + 30 + n * 18
        parts.append(f'<line x1="{left}" y1="{y}" x2="{left + 24}" y2="{y}" stroke="{COLOURS[n % len(COLOURS)]}" stroke-width="3"{dash}/>')
        parts.append(f'<text x="{left + 30}" y="{y + 4}">{escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
