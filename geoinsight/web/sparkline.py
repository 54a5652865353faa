"""A trend sparkline as inline SVG: numbers only, so nothing from the data reaches the markup
except years and figures formatted here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 90, 22, 2


def sparkline(trend: Sequence[dict[str, Any]], label: str = "") -> Markup:
    """A polyline over the published figures (gaps where a year is secret or missing)."""
    points = [(int(p["year"]), float(p["value"])) for p in trend if p.get("value") is not None]
    if len(points) < 2:
        return Markup("")
    years = [y for y, _ in points]
    low, high = min(v for _, v in points), max(v for _, v in points)
    span_x = (max(years) - min(years)) or 1
    span_y = (high - low) or 1

    def xy(year: int, value: float) -> str:
        x = PAD + (year - min(years)) / span_x * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - (value - low) / span_y * (HEIGHT - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    path = " ".join(xy(y, v) for y, v in points)
    last = xy(*points[-1]).split(",")
    title = escape(f"{label} " + ", ".join(f"{y}: {v:g}" for y, v in points)).strip()
    return Markup(
        f'<svg class="gi-spark" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"'
        f' role="img" aria-label="{title}"><title>{title}</title>'
        f'<polyline fill="none" stroke="#3b6fb6" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{last[0]}" cy="{last[1]}" r="2" fill="#3b6fb6"/></svg>')
