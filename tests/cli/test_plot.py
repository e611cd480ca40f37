"""`thermostat plot`: the chart files, checked as images and documents."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from PIL import Image

from tests.cli.helpers import REGION, configure_env, create_contract_table, put_items, run_cli
from tests.cli.helpers import stored_day as stored
from tests.support.readings import reading_at
from thermostat.contract import Reading
from thermostat_cli import chart
from thermostat_cli.chart import AXES_FACE, HEATING_SHADE, TEMPERATURE_COLOUR
from thermostat_cli.timerange import TimeRange

Rgb = tuple[int, int, int]
DAY_START = datetime(2025, 12, 1, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1)


def rgb(hex_colour: str) -> Rgb:
    value = hex_colour.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def near(pixel: Rgb, colour: Rgb, tolerance: int = 4) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


@dataclass
class Charts:
    folder: Path
    readings: list[Reading]


@pytest.fixture(scope="module")
def charts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Charts]:
    """GIVEN `living-room` with a day of 2-minute readings and `hall` with 5-minute ones."""
    folder = tmp_path_factory.mktemp("plot")
    with pytest.MonkeyPatch.context() as monkeypatch:
        configure_env(monkeypatch, folder)
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            create_contract_table(client)
            readings, items = stored("living-room", timedelta(minutes=2))
            put_items(client, items)
            put_items(client, stored("hall", timedelta(minutes=5), seed=7)[1])
            yield Charts(folder, readings)


def heating_runs(readings: list[Reading]) -> list[tuple[datetime, datetime]]:
    """From the data: each run of heating=True lasts until the next reading."""
    runs: list[tuple[datetime, datetime]] = []
    start = None
    for reading, following in zip(readings, [*readings[1:], None], strict=True):
        if reading.heating and start is None:
            start = reading.recorded_at
        if start is not None and (following is None or not following.heating):
            end = following.recorded_at if following else reading.recorded_at
            runs.append((start, end))
            start = None
    return runs


class PlotArea:
    """Where the axes are in the image, found from their face colour alone."""

    def __init__(self, image: Image.Image) -> None:
        self.image = image.convert("RGB")
        pixels = self.image.load()
        assert pixels is not None
        self.pixels = pixels
        face = rgb(AXES_FACE)
        width, height = self.image.size
        # Anti-aliased text has stray face-coloured pixels: the plot is where they are many.
        columns = [
            x
            for x in range(width)
            if sum(pixels[x, y] == face for y in range(height)) > height // 4
        ]
        rows = [
            y for y in range(height) if sum(pixels[x, y] == face for x in range(width)) > width // 4
        ]
        self.left, self.right, self.top, self.bottom = columns[0], columns[-1], rows[0], rows[-1]

    def column(self, moment: datetime) -> int:
        share = (moment - DAY_START) / (DAY_END - DAY_START)
        return round(self.left + share * (self.right - self.left))

    def share(self, x: int, colour: Rgb) -> float:
        """Share of the plot's height at column ``x`` painted ``colour``."""
        rows = range(self.top, self.bottom + 1)
        return sum(near(self.pixels[x, y], colour) for y in rows) / len(rows)


@pytest.fixture(scope="module")
def area(png: Image.Image) -> PlotArea:
    return PlotArea(png)


@pytest.fixture(scope="module")
def png(charts: Charts) -> Image.Image:
    """WHEN the day of `living-room` is plotted to PNG (times in UTC)."""
    path = charts.folder / "chart.png"
    result = run_cli(
        "plot", "--device", "living-room", "--day", "2025-12-01", "--tz", "UTC", "-o", str(path)
    )
    assert result.code == 0, result.err
    assert result.err == f"wrote {path} (720 readings)\n"
    return Image.open(path)


def test_png_has_the_documented_size(png: Image.Image) -> None:
    """The chart is 1440 x 600 pixels."""
    assert png.format == "PNG"
    assert png.size == (1440, 600)


def test_png_is_not_blank(png: Image.Image) -> None:
    """Many colours, and the temperature line's red covers a real share of the image."""
    image = png.convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 100
    red = rgb(TEMPERATURE_COLOUR)
    assert sum(count for count, colour in colours if near(colour, red, 10)) > 2000


def test_heating_runs_are_shaded(area: PlotArea, charts: Charts) -> None:
    """In the middle of every heating run of 8+ minutes, the plot's height is shaded."""
    runs = [run for run in heating_runs(charts.readings) if run[1] - run[0] >= timedelta(minutes=8)]
    assert len(runs) >= 15
    shade = rgb(HEATING_SHADE)
    for start, end in runs:
        x = area.column(start + (end - start) / 2)
        assert area.share(x, shade) > 0.85, f"run {start:%H:%M}-{end:%H:%M} at x={x}"


def test_time_without_heating_is_not_shaded(area: PlotArea, charts: Charts) -> None:
    """In the middle of every off period of 8+ minutes, no shade, only the plot's face."""
    runs = heating_runs(charts.readings)
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(runs)]
    gaps = [gap for gap in gaps if gap[1] - gap[0] >= timedelta(minutes=8)]
    assert len(gaps) >= 15
    shade, face = rgb(HEATING_SHADE), rgb(AXES_FACE)
    for start, end in gaps:
        x = area.column(start + (end - start) / 2)
        assert area.share(x, shade) < 0.02, f"off {start:%H:%M}-{end:%H:%M} at x={x}"
        assert area.share(x, face) > 0.6


def test_svg_output_is_an_svg_document(charts: Charts) -> None:
    """-o chart.svg writes an SVG that an XML parser accepts, with drawn paths."""
    path = charts.folder / "hall.svg"
    result = run_cli("plot", "--device", "hall", "--day", "2025-12-01", "-o", str(path))
    assert result.code == 0
    root = ET.parse(path).getroot()  # noqa: S314 - our own file
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//{http://www.w3.org/2000/svg}path")) > 50


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.seen: list[tuple[str, list[str], dict[str, str | None]]] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, list(self.stack), dict(attrs)))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "title":
            self.title += data


def test_html_output_embeds_the_svg_and_needs_nothing_else(charts: Charts) -> None:
    """-o chart.html: a page with the SVG inline in <body>, no scripts or outside links."""
    path = charts.folder / "hall.html"
    result = run_cli("plot", "--device", "hall", "--day", "2025-12-01", "-o", str(path))
    assert result.code == 0
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    assert parser.title == "hall on 2025-12-01 (UTC)"
    svgs = [parents for tag, parents, _ in parser.seen if tag == "svg"]
    assert svgs and "body" in svgs[0]
    assert not [tag for tag, _, _ in parser.seen if tag in {"script", "link", "img", "iframe"}]
    for tag, _, attrs in parser.seen:
        for name, value in attrs.items():
            if name in {"src", "href", "xlink:href"}:
                assert not (value or "").startswith(("http:", "https:", "//")), (tag, value)


def test_empty_day_plots_nothing_and_exits_1(charts: Charts) -> None:
    """No readings that day: exit 1, a message, and no file left behind."""
    path = charts.folder / "empty.png"
    result = run_cli("plot", "--device", "hall", "--day", "2025-12-05", "-o", str(path))
    assert result.code == 1
    assert result.err == "thermostat: no readings for device 'hall' on 2025-12-05 (UTC)\n"
    assert not path.exists()


def test_unknown_device_plot_lists_devices(charts: Charts) -> None:
    """An unknown device exits 1 and names both devices in the table."""
    result = run_cli(
        "plot", "--device", "garage", "--day", "2025-12-01", "-o", str(charts.folder / "x.png")
    )
    assert result.code == 1
    assert "unknown device 'garage'; devices in table 'thermostat-test': hall, living-room" in (
        result.err
    )


def test_unsupported_output_type_is_a_usage_error(charts: Charts) -> None:
    """-o chart.jpg exits 2 before reading anything."""
    result = run_cli(
        "plot", "--device", "hall", "--day", "2025-12-01", "-o", str(charts.folder / "chart.jpg")
    )
    assert result.code == 2
    assert "-o must end in one of .png, .svg, .html, .htm" in result.err


def test_missing_output_folder_is_a_usage_error(charts: Charts) -> None:
    """-o into a folder that does not exist exits 2 before reading anything."""
    target = charts.folder / "no-such-folder" / "chart.png"
    result = run_cli("plot", "--device", "hall", "--day", "2025-12-01", "-o", str(target))
    assert result.code == 2
    assert result.err == f"thermostat: no such folder for -o: {target.parent}\n"


def axis(readings: list[Reading], span: TimeRange) -> tuple[datetime, datetime, list[str]]:
    """The chart's x range and its tick labels, as drawn."""
    from matplotlib import dates

    fig = chart.figure(readings, span, "den")
    fig.canvas.draw()
    ax = fig.axes[0]
    low, high = (dates.num2date(x) for x in ax.get_xlim())
    return low, high, [t.get_text() for t in ax.get_xticklabels()]


def test_part_of_a_day_shows_the_hours_with_data_with_readable_ticks() -> None:
    """A day with readings from 14:05 to 16:20 (today, in the afternoon) is drawn from 14:00
    to 17:00 with a tick every 15 minutes, not over 24 hours."""
    start = datetime(2025, 12, 1, 14, 5, tzinfo=UTC)
    readings = [
        reading_at(start + timedelta(minutes=i), device="den", setpoint_c=21.0)
        for i in range(0, 136)
    ]
    low, high, ticks = axis(readings, TimeRange.for_day(start.date(), UTC))
    assert (low, high) == (start.replace(minute=0), start.replace(hour=17, minute=0))
    assert ticks[:3] == ["14:00", "14:15", "14:30"]
    assert len(ticks) <= chart.MAX_TICKS + 1


def test_last_two_hours_is_a_plot_range(charts: Charts) -> None:
    """`--last 2h` is accepted by plot; with no readings in the last 2 h it says so, exit 1."""
    result = run_cli(
        "plot", "--device", "living-room", "--last", "2h", "-o", str(charts.folder / "x.png")
    )
    assert result.code == 1
    assert "no readings for device 'living-room' from " in result.err
