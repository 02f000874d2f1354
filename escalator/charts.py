"""Inline SVG charts for the report page and the dashboard: no scripts, no network.

Pure functions from numbers to markup; labels are escaped here, so the result is safe to
place in an autoescaped template as Markup.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

PALETTE = ("#0747a6", "#00875a", "#de350b", "#ff991f", "#5243aa", "#00a3bf")
FONT = "font-family:Segoe UI,Arial,Helvetica,sans-serif;font-size:12px"


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def hbars(items: Sequence[tuple[str, float]], *, width: int = 560,
          fmt: Callable[[float], str] = _fmt, color: str = PALETTE[0],
          title: str = "") -> Markup:
    """One horizontal bar per (label, value), longest = full width."""
    if not items:
        return Markup('<p class="empty">nothing to show</p>')
    row, label_w, value_w = 22, 170, 110
    bar_w = width - label_w - value_w
    top = max(v for _, v in items) or 1
    height = row * len(items) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'style="{FONT}">']
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = max(bar_w * value / top, 1 if value else 0)
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" fill="#172b4d">'
            f'{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" rx="2" '
            f'fill="{color}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" fill="#42526e">'
            f'{escape(fmt(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(labels: Sequence[str], series: dict[str, Sequence[float]], *,
            width: int = 640, height: int = 200, title: str = "") -> Markup:
    """Grouped vertical bars: one group per label, one bar per series, with a legend."""
    if not labels:
        return Markup('<p class="empty">nothing to show</p>')
    left, bottom, legend = 36, 34, 20
    plot_h = height - bottom - legend
    plot_w = width - left - 8
    top = max((max(v) for v in series.values() if v), default=0) or 1
    group = plot_w / len(labels)
    bar = max((group - 6) / max(len(series), 1), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'style="{FONT}">']
    for frac in (0, 0.5, 1):
        y = legend + plot_h * (1 - frac)
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#dfe1e6"/><text x="{left - 4}" y="{y + 4:.1f}" '
                     f'text-anchor="end" fill="#6b778c">{_fmt(top * frac)}</text>')
    for s, (name, values) in enumerate(series.items()):
        color = PALETTE[s % len(PALETTE)]
        parts.append(f'<rect x="{left + s * 110}" y="4" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + s * 110 + 14}" y="13" fill="#172b4d">'
                     f'{escape(name)}</text>')
        for i, value in enumerate(values):
            h = plot_h * value / top
            x = left + i * group + 3 + s * bar
            parts.append(f'<rect x="{x:.1f}" y="{legend + plot_h - h:.1f}" width="{bar:.1f}" '
                         f'height="{h:.1f}" fill="{color}"><title>{escape(labels[i])} '
                         f'{escape(name)}: {_fmt(value)}</title></rect>')
    step = max(1, len(labels) // 6)
    for i in range(0, len(labels), step):
        x = left + i * group + group / 2
        parts.append(f'<text x="{x:.1f}" y="{height - 14}" text-anchor="middle" '
                     f'fill="#6b778c">{escape(labels[i])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
