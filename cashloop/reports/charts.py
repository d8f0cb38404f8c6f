"""The geometry of the revenue page's charts, drawn as inline SVG by
`reports/_revenue_chart.html` (decision 063): no chart library, so the page works
without JavaScript and prints, and labels are text in the page's own font, so Chinese
names stay legible.

* bar: a horizontal bar per row of the table (the largest `BAR_ROWS`), the comparison
  as a thin bar under it;
* line: the total over the periods of the window;
* stacked: a column per period, stacked by the largest `STACKED_ROWS` rows and the rest.

Every function returns plain numbers (pixels) and texts; the template only places them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from cashloop.reports.revenue import RevenueReport, RevenueRow

BAR_ROWS = 12
STACKED_ROWS = 5
LABEL_CHARS = 16
WIDTH = 760
PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#db2777", "#7c3aed", "#94a3b8")
ZERO = Decimal(0)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _scale(value: Decimal, top: Decimal, pixels: int) -> int:
    return int(abs(value) / top * pixels) if top > 0 else 0


@dataclass
class Chart:
    kind: str
    width: int
    height: int
    items: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def row_label(row: RevenueRow, none_label: str) -> str:
    return row.label or none_label


def bar_chart(report: RevenueReport, *, compare: str, none_label: str, compare_label: str) -> Chart:
    """`compare`: "previous", "year" or "" (no comparison bar)."""
    rows = report.rows[:BAR_ROWS]
    left, right, step = 170, 110, 30
    area = WIDTH - left - right
    values = [abs(r.current) for r in rows]
    if compare:
        values += [
            abs(getattr(r, "previous" if compare == "previous" else "year_before")) for r in rows
        ]
    top = max(values, default=ZERO)
    items = []
    for n, row in enumerate(rows):
        before = (
            getattr(row, "previous" if compare == "previous" else "year_before")
            if compare
            else None
        )
        items.append(
            {
                "label": _short(row_label(row, none_label)),
                "title": row_label(row, none_label),
                "value": row.current,
                "y": 10 + n * step,
                "width": max(_scale(row.current, top, area), 1 if row.current else 0),
                "negative": row.current < 0,
                "before": before,
                "before_width": _scale(before, top, area) if before is not None else 0,
            }
        )
    legend = [{"label": _("This period"), "color": PALETTE[0]}]
    if compare:
        legend.append({"label": compare_label, "color": PALETTE[5]})
    return Chart(
        "bar",
        WIDTH,
        20 + max(len(rows), 1) * step,
        items,
        legend,
        {"left": left, "value_x": left + area + 6},
    )


def line_chart(report: RevenueReport) -> Chart:
    """The total per period; the axis runs from the lowest value (or zero) to the highest."""
    values = report.total.series
    left, top_pad, plot = 40, 24, 180
    low = min([ZERO, *values])
    high = max([ZERO, *values])
    span = high - low or Decimal(1)
    gap = (WIDTH - 2 * left) / max(len(values) - 1, 1)

    def y(value: Decimal) -> int:
        return top_pad + int((high - value) / span * plot)

    points = []
    for n, (period, value) in enumerate(zip(report.periods, values, strict=True)):
        points.append(
            {
                "x": int(left + n * gap),
                "y": y(value),
                "value": value,
                "label": report.params.period_label(period),
                "show_label": len(values) <= 13 or n % max(len(values) // 12, 1) == 0,
            }
        )
    path = " ".join(f"{p['x']},{p['y']}" for p in points)
    return Chart(
        "line",
        WIDTH,
        top_pad + plot + 40,
        points,
        [{"label": _("Total"), "color": PALETTE[0]}],
        {"path": path, "zero_y": y(ZERO), "axis_y": top_pad + plot + 16},
    )


def stacked_chart(report: RevenueReport, *, none_label: str) -> Chart:
    """A column per period: the largest rows' parts stacked, the rest as "Other".  Negative
    parts (a month of credit notes) are left out of the columns; the table shows them."""
    top_rows = report.rows[:STACKED_ROWS]
    count = len(report.periods)
    shown = [[max(v, ZERO) for v in row.series] for row in top_rows]
    rest = [
        max(total - sum((r.series[n] for r in top_rows), ZERO), ZERO)
        for n, total in enumerate(report.total.series)
    ]
    layers = [*shown, rest]
    heights = [sum((layer[n] for layer in layers), ZERO) for n in range(count)]
    tallest = max(heights, default=ZERO)
    plot, base_y = 170, 200
    slot = (WIDTH - 40) / max(count, 1)
    bar = max(min(int(slot * 0.7), 48), 4)
    columns = []
    for n, period in enumerate(report.periods):
        x = int(20 + n * slot + (slot - bar) / 2)
        y, parts = base_y, []
        for k, layer in enumerate(layers):
            h = _scale(layer[n], tallest, plot)
            if h:
                y -= h
                parts.append({"y": y, "height": h, "color": PALETTE[k], "value": layer[n]})
        columns.append(
            {
                "x": x,
                "width": bar,
                "parts": parts,
                "label": report.params.period_label(period),
                "label_x": x + bar // 2,
                "show_label": count <= 13 or n % max(count // 12, 1) == 0,
                "total": heights[n],
                "top": y - 5,
            }
        )
    legend = [
        {"label": _short(row_label(row, none_label)), "color": PALETTE[k]}
        for k, row in enumerate(top_rows)
    ]
    if any(rest):
        legend.append({"label": _("Other"), "color": PALETTE[len(top_rows)]})
    return Chart("stacked", WIDTH, base_y + 30, columns, legend, {"base_y": base_y})
