"""Inline SVG bar charts (no script, no network): the on-time rate per month and per field."""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def bars(items: list[tuple[str, int, int]], title: str, width: int = 640) -> Markup:
    """Vertical bars of ``done_on_time / resolved`` per label; a label with nothing resolved shows '—'."""
    height, top, bottom, left = 220, 24, 40, 36
    inner_w, inner_h = width - left - 8, height - top - bottom
    step = inner_w / max(len(items), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for pct in (0, 50, 100):
        y = top + inner_h * (1 - pct / 100)
        parts.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{pct}%</text>')
    for i, (label, resolved, on_time) in enumerate(items):
        x = left + i * step + step * 0.15
        w = step * 0.7
        cx = x + w / 2
        if resolved:
            rate = on_time / resolved
            h = inner_h * rate
            parts.append(f'<rect x="{x:.1f}" y="{top + inner_h - h:.1f}" width="{w:.1f}" height="{h:.1f}" fill="#2b6cb0">'
                         f'<title>{escape(label)}: {rate:.1%} ({on_time}/{resolved})</title></rect>'
                         f'<text x="{cx:.1f}" y="{top + inner_h - h - 3:.1f}" text-anchor="middle" font-size="10">{rate:.0%}</text>')
        else:
            parts.append(f'<text x="{cx:.1f}" y="{top + inner_h - 3:.1f}" text-anchor="middle" font-size="10">—</text>')
        parts.append(f'<text x="{cx:.1f}" y="{height - bottom + 14}" text-anchor="middle" font-size="10">{escape(label[:18])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


__all__ = ["bars"]
