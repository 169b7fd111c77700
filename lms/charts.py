"""Bar charts staff can read: the geometry of an SVG bar chart with both
axes, round tick values, axis titles and every bar's number on hover (its
<title>); pages also give the numbers in a table. Rendered by
templates/components/bar_chart.html, so every chart reads the same way."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 44
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass
class Bar:
    label: str  # in full, on hover
    count: int
    tick: str = ""  # under the x axis; empty for no tick
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    center: float = 0


@dataclass
class BarChart:
    title: str
    x_title: str
    y_title: str
    bars: list[Bar]
    y_ticks: list[dict] = field(default_factory=list)
    x_ticks: list[dict] = field(default_factory=list)
    show_counts: bool = False
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    bottom: int = TOP + PLOT_H
    right: int = LEFT + PLOT_W
    x_title_y: int = HEIGHT - 4
    y_title_x: int = 12
    y_title_y: int = TOP + PLOT_H // 2


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k at least `value` (at least 1): the
    top of the y axis, so its ticks are round numbers."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def bar_chart(
    bars: list[Bar],
    *,
    title: str,
    x_title: str,
    y_title: str,
    show_counts: bool = False,
) -> BarChart:
    """Lay `bars` out left to right on a y axis from 0 to a round maximum
    (ticks at 0, half and the top); the bars with a `tick` are labelled on
    the x axis."""
    top_value = nice_ceiling(max((b.count for b in bars), default=0))
    slot = PLOT_W / max(1, len(bars))
    for index, bar in enumerate(bars):
        bar.width = round(max(1.0, slot * 0.8), 2)
        bar.x = round(LEFT + index * slot + (slot - bar.width) / 2, 2)
        bar.center = round(bar.x + bar.width / 2, 2)
        bar.height = round(bar.count * PLOT_H / top_value, 2)
        bar.y = round(TOP + PLOT_H - bar.height, 2)
    ticks = sorted({0, top_value // 2 if top_value % 2 == 0 else 0, top_value})
    y_ticks = [
        {"value": v, "y": round(TOP + PLOT_H - v * PLOT_H / top_value, 2)}
        for v in ticks
    ]
    x_ticks = [{"label": bar.tick, "x": bar.center} for bar in bars if bar.tick]
    return BarChart(
        title=title,
        x_title=x_title,
        y_title=y_title,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        show_counts=show_counts,
    )


HOUR_TICK_STEPS = (1, 2, 3, 6, 12, 24, 48, 72, 168)


def hour_tick_step(hours: int, *, most: int = 8) -> int:
    """Hours between two labels on a time axis of `hours` bars: the
    smallest usual step that leaves at most `most` labels."""
    for step in HOUR_TICK_STEPS:
        if hours / step <= most:
            return step
    return HOUR_TICK_STEPS[-1]


def hourly_bars(rows: list[dict], *, max_hours: int = 24 * 28) -> list[dict]:
    """Rows of {"hour", "count"} (hours with submissions only) as every hour
    from the first to the last, zeros included, so the x axis is time and a
    quiet night shows as a gap. Capped at `max_hours` from the last hour."""
    if not rows:
        return []
    counts = {row["hour"]: row["count"] for row in rows}
    last: datetime = rows[-1]["hour"]
    first: datetime = max(rows[0]["hour"], last - timedelta(hours=max_hours - 1))
    hours = int((last - first) / timedelta(hours=1)) + 1
    return [
        {
            "hour": first + timedelta(hours=i),
            "count": counts.get(first + timedelta(hours=i), 0),
        }
        for i in range(hours)
    ]
