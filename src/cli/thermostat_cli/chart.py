"""The chart: temperature and setpoint over time, heating periods shaded.

matplotlib is imported here only, and only when a chart is drawn: it costs more to
import than everything else the command does for ``status`` or ``history``.
"""

from __future__ import annotations

import html
import io
import itertools
import statistics
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from thermostat.contract import Reading
from thermostat_cli.timerange import TimeRange, zone_name

SIZE_INCHES = (12.0, 5.0)
DPI = 120  # 1440 x 600 px
TEMPERATURE_COLOUR = "#c0392b"
SETPOINT_COLOUR = "#34495e"
# Opaque, drawn under the lines: a shaded pixel has exactly this colour.
HEATING_SHADE = "#fcd9b1"
AXES_FACE = "#f6f6f6"
_LEGEND_ORDER = ["temperature", "setpoint", "heating on"]
# A gap this much longer than the usual interval is missing data, not a long reading.
GAP_FACTOR = 5
MIN_GAP = timedelta(minutes=10)
MAX_TICKS = 12
TICK_STEPS = [timedelta(minutes=m) for m in (5, 10, 15, 30, 60, 120, 180)]


def typical_interval(readings: Sequence[Reading]) -> timedelta:
    steps = sorted(b.recorded_at - a.recorded_at for a, b in itertools.pairwise(readings))
    return steps[len(steps) // 2] if steps else timedelta(minutes=1)


def max_gap(readings: Sequence[Reading]) -> timedelta:
    return max(MIN_GAP, GAP_FACTOR * typical_interval(readings))


def heating_spans(readings: Sequence[Reading]) -> list[tuple[datetime, datetime]]:
    """Runs of ``heating=True``: each reading's state holds until the next reading."""
    gap, step = max_gap(readings), typical_interval(readings)
    spans: list[tuple[datetime, datetime]] = []
    for i, current in enumerate(readings):
        if not current.heating:
            continue
        following = readings[i + 1] if i + 1 < len(readings) else None
        start = current.recorded_at
        if following is not None and following.recorded_at - start <= gap:
            end = following.recorded_at
        else:
            end = start + step
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _with_gaps(readings: Sequence[Reading], field: str) -> tuple[list[datetime], list[float]]:
    """x/y series with a NaN wherever data is missing, so the line breaks there."""
    gap = max_gap(readings)
    xs: list[datetime] = []
    ys: list[float] = []
    for previous, current in zip([None, *readings], readings, strict=False):
        if previous is not None and current.recorded_at - previous.recorded_at > gap:
            xs.append(previous.recorded_at + (current.recorded_at - previous.recorded_at) / 2)
            ys.append(float("nan"))
        xs.append(current.recorded_at)
        ys.append(float(getattr(current, field)))
    return xs, ys


def _hour_floor(moment: datetime, tz: tzinfo) -> datetime:
    local = moment.astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def visible_range(readings: Sequence[Reading], span: TimeRange) -> tuple[datetime, datetime]:
    """The whole hours (in the display zone) that hold readings, within the range asked for:
    today's chart in the afternoon shows the hours so far, not 24 h mostly blank."""
    first = _hour_floor(readings[0].recorded_at, span.tz)
    last = _hour_floor(readings[-1].recorded_at, span.tz) + timedelta(hours=1)
    start, end = max(span.start, first), min(span.end, last)
    return (start, end) if end > start else (span.start, span.end)


def tick_step(width: timedelta) -> timedelta | None:
    """The smallest clock-friendly step giving at most 12 ticks; None beyond 36 h (dates)."""
    if width > timedelta(hours=36):
        return None
    return next(step for step in TICK_STEPS if width / step <= MAX_TICKS)


def summary(readings: Sequence[Reading]) -> str:
    temps = [r.temperature_c for r in readings]
    duty = sum(r.heating for r in readings) / len(readings)
    return (
        f"{len(readings)} readings · {min(temps):.1f} to {max(temps):.1f} °C,"
        f" mean {statistics.fmean(temps):.1f} °C · heating on {duty:.0%} of the time"
    )


def figure(readings: Sequence[Reading], span: TimeRange, device_id: str) -> Any:
    """Draw the chart on a new Agg figure (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates
    from matplotlib.figure import Figure

    # matplotlib's stubs take floats for x; it converts datetimes itself (in UTC).
    mdates: Any = dates

    fig = Figure(figsize=SIZE_INCHES, dpi=DPI, facecolor="white")
    # Fixed margins, not tight/constrained layout: the plot area is the same in every chart.
    fig.subplots_adjust(left=0.06, right=0.97, top=0.86, bottom=0.12)
    ax: Any = fig.add_subplot()
    ax.set_facecolor(AXES_FACE)
    ax.set_axisbelow(True)
    ax.grid(True, color="#dddddd", linewidth=0.7)
    for i, (start, end) in enumerate(heating_spans(readings)):
        ax.axvspan(
            start,
            end,
            facecolor=HEATING_SHADE,
            edgecolor="none",
            zorder=1,
            label="heating on" if i == 0 else None,
        )
    ax.plot(
        *_with_gaps(readings, "setpoint_c"),
        color=SETPOINT_COLOUR,
        linewidth=1.4,
        linestyle="--",
        drawstyle="steps-post",
        label="setpoint",
        zorder=3,
    )
    ax.plot(
        *_with_gaps(readings, "temperature_c"),
        color=TEMPERATURE_COLOUR,
        linewidth=1.8,
        label="temperature",
        zorder=4,
    )
    values = [v for r in readings for v in (r.temperature_c, r.setpoint_c)]
    ax.set_ylim(min(values) - 0.8, max(values) + 0.8)
    start, end = visible_range(readings, span)
    ax.set_xlim(start, end)
    step = tick_step(end - start)
    if step is not None:
        # Up to a day and a half: clock times only (the date is in the title).
        if step < timedelta(hours=1):
            minutes = range(0, 60, int(step.total_seconds() // 60))
            ax.xaxis.set_major_locator(mdates.MinuteLocator(byminute=minutes, tz=span.tz))
        else:
            hours = range(0, 24, int(step.total_seconds() // 3600))
            ax.xaxis.set_major_locator(mdates.HourLocator(byhour=hours, tz=span.tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=span.tz))
    else:
        locator = mdates.AutoDateLocator(tz=span.tz, minticks=6, maxticks=14)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator, tz=span.tz, show_offset=False)
        )
    ax.set_xlabel(f"time ({zone_name(span.tz)})")
    ax.set_ylabel("temperature (°C)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{device_id} {span.describe()}", loc="left", fontsize=14, pad=24)
    ax.text(0, 1.02, summary(readings), transform=ax.transAxes, fontsize=9, color="#555555")
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: _LEGEND_ORDER.index(labels[i]))
    ax.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=3,
        frameon=False,
    )
    return fig


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    # No date in the metadata: the same data gives the same file.
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def html_page(fig: Any, title: str, caption: str) -> str:
    """One self-contained page: the chart as inline SVG (fonts as paths), no scripts."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
        "figure{margin:0}svg{max-width:100%;height:auto}"
        "figcaption{color:#555;margin-top:.5rem}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n<figure>\n{_svg(fig)}\n"
        f"<figcaption>{html.escape(caption)}</figcaption>\n</figure>\n</body>\n</html>\n"
    )


def save(readings: Sequence[Reading], span: TimeRange, device_id: str, path: Path) -> None:
    """Write a .png, .svg or .html chart to ``path``."""
    fig = figure(readings, span, device_id)
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        title = f"{device_id} {span.describe()}"
        path.write_text(html_page(fig, title, summary(readings)), encoding="utf-8")
    elif suffix == ".svg":
        path.write_text(_svg(fig), encoding="utf-8")
    else:
        fig.savefig(path, format="png", metadata={"Software": None})
