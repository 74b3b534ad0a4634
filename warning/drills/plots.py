"""The after-action report's plots, drawn with matplotlib as SVG (text as outlines, so the report
opens anywhere without fonts or the internet): each station's readings with thresholds, clear
levels and warning periods; the escalation chart; times to acknowledge; messages against budgets."""

from __future__ import annotations

import io
import itertools
import logging
import math
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: files only


import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from warning.domain import Level
from warning.drills.measures import Measures, PersonLoad, Track, WarningMeasure

# The console's level colours.
COLOURS = {Level.blue: "#1f6fd1", Level.yellow: "#f2c500", Level.orange: "#f07c00", Level.red: "#d7191c"}
CHANNEL_MARKERS = {"sms": "v", "voice": "o", "webhook": "s", "console": "D"}
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "SimHei")

log = logging.getLogger(__name__)


def _cjk_fonts() -> list[str]:
    """The CJK fonts matplotlib knows. Its font cache is built once per matplotlib version, so a font
    installed after the cache was written is unknown to it until its file is added."""
    known = {font.name for font in font_manager.fontManager.ttflist}
    if not any(name in known for name in CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if any(part in Path(path).name.lower() for part in ("wqy", "cjk", "sourcehansans", "simhei")):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file is skipped
                    continue
        known = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in known]


def use_fonts(language: str) -> None:
    """Sans-serif text; a CJK font first for Chinese (Debian: fonts-wqy-microhei)."""
    cjk = _cjk_fonts()
    if language == "zh-CN" and not cjk:
        log.warning("no Chinese font found (install fonts-wqy-microhei): Chinese text in the plots shows as boxes")
    plt.rcParams["font.sans-serif"] = [*cjk, "DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["svg.fonttype"] = "path"
    plt.rcParams["svg.hashsalt"] = "warning"  # the same ids in every run: the same report, byte for byte
    plt.rcParams["axes.unicode_minus"] = False


DAY = timedelta(days=1)


def _x(moment: datetime) -> float:
    """A time as matplotlib's date axis counts it."""
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _minutes(span: timedelta | None) -> float:
    return span.total_seconds() / 60 if span is not None else 0.0


def _broken_at_gaps(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    """A NaN where the readings pause for over twice their usual spacing: the line breaks there
    rather than drawing readings that never came."""
    steps = sorted(b[0] - a[0] for a, b in itertools.pairwise(points))
    if not steps:
        return points
    usual = steps[len(steps) // 2]
    broken = [points[0]]
    for previous, point in itertools.pairwise(points):
        if point[0] - previous[0] > 2 * usual:
            broken.append((previous[0] + usual, math.nan))
        broken.append(point)
    return broken


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: no XML prolog or doctype


def _time_axis(axis: Axes, zone: tzinfo | None) -> None:
    axis.xaxis.set_major_locator(mdates.AutoDateLocator(tz=zone))  # type: ignore[no-untyped-call]
    axis.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=zone))  # type: ignore[no-untyped-call]
    axis.grid(True, axis="x", color="#dddddd", linewidth=0.6)


def station_plot(
    station: str, name: str, points: list[tuple[datetime, float]], warnings: list[WarningMeasure],
    words: Callable[[str], str], zone: tzinfo | None, unit: str,
    silent: Sequence[tuple[datetime, datetime, str]] = (),
) -> str:  # fmt: skip
    """Readings, thresholds (solid) and clear levels (dashed), warning periods shaded in their level's
    colour, and the times a fault kept the station silent in grey."""
    figure, axis = plt.subplots(figsize=(9, 3.2))
    for start, stop, inject in silent:
        axis.axvspan(_x(start), _x(stop), color="#888888", alpha=0.25, linewidth=0, hatch="xx",
                     label=f"{words('silent')} ({inject})")  # fmt: skip
    if points:
        points = _broken_at_gaps(points)
        axis.plot([_x(at) for at, _ in points], [value for _, value in points], color="#333333", linewidth=1.4,
                  marker=".", markersize=3, label=words("readings"))  # fmt: skip
    drawn: set[tuple[str, float]] = set()
    for warning in warnings:
        for span in warning.spans:
            axis.axvspan(_x(span.start), _x(span.end), color=COLOURS[span.level], alpha=0.18, linewidth=0)
        for threshold in warning.thresholds.get(station, []):
            level = Level(threshold["level"])
            for key, style in (("above", "-"), ("clear_below", "--")):
                value = threshold.get(key)
                if isinstance(value, int | float) and (key, value) not in drawn:
                    drawn.add((key, value))
                    label = f"{words(level.value)} {words('threshold' if key == 'above' else 'clear level')} {value:g}"
                    axis.axhline(value, color=COLOURS[level], linestyle=style, linewidth=1.1, label=label)
    axis.set_title(name, loc="left", fontsize=11)
    axis.set_ylabel(unit)
    _time_axis(axis, zone)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure)


def escalation_chart(
    tracks: list[Track], warnings: dict[str, WarningMeasure], department_name: Callable[[str], str],
    person_name: Callable[[str], str], words: Callable[[str], str], zone: tzinfo | None, end: datetime,
) -> str:  # fmt: skip
    """A Gantt of every department's part in every warning: from its first page to its acknowledgement
    (solid) or to the warning's end unacknowledged (hatched), each message marked by channel."""
    rows = sorted(tracks, key=lambda t: (t.incident, t.first_paged))
    figure, axis = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.2))
    for y, track in enumerate(rows):
        warning = warnings[track.incident]
        colour = COLOURS[max((span.level for span in warning.spans), key=lambda level: level.rank)]
        stop = track.acknowledged or track.settled or warning.lifted or end
        hatch = None if track.acknowledged or track.settled else "////"
        axis.barh(y, (stop - track.first_paged) / DAY, left=_x(track.first_paged), height=0.5, alpha=0.55, hatch=hatch,
                  color="#bbbbbb" if track.settled else colour, edgecolor="#555555", linewidth=0.5)  # fmt: skip
        if track.settled is not None:
            axis.annotate(words("settled"), (track.settled, y), xytext=(6, -3), textcoords="offset points",
                          fontsize=7, color="#555555")  # fmt: skip
        for page in track.pages:
            if page.purpose == "page":
                axis.plot(_x(page.at), y, marker=CHANNEL_MARKERS.get(page.channel, "x"), color="#222222", markersize=5)
        if track.acknowledged is not None:
            axis.plot(_x(track.acknowledged), y, marker="*", color="#0a7d2c", markersize=11)
            axis.annotate(person_name(track.acknowledged_by or ""), (track.acknowledged, y), xytext=(6, -3),
                          textcoords="offset points", fontsize=7)  # fmt: skip
    axis.set_yticks(range(len(rows)), [f"{t.incident} · {department_name(t.department)}" for t in rows], fontsize=8)
    axis.invert_yaxis()
    _time_axis(axis, zone)
    handles = [
        Line2D([], [], marker="v", linestyle="", color="#222222", label=words("SMS")),
        Line2D([], [], marker="o", linestyle="", color="#222222", label=words("voice call")),
        Line2D([], [], marker="*", linestyle="", color="#0a7d2c", markersize=10, label=words("acknowledged")),
    ]
    axis.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure)


def acknowledgement_chart(
    by_department: dict[str, timedelta | None], by_tier: dict[str, timedelta | None],
    department_name: Callable[[str], str], words: Callable[[str], str],
) -> str:  # fmt: skip
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, max(2.2, 0.4 * len(by_department) + 1)),
                                         gridspec_kw={"width_ratios": [3, 2]})  # fmt: skip
    for axis, values, name in ((left, by_department, department_name), (right, by_tier, words)):
        labels = list(values)
        minutes = [_minutes(values[label]) for label in labels]
        bars = axis.barh(range(len(labels)), minutes, color="#4a78b5", height=0.55)
        for bar, label in zip(bars, labels, strict=True):
            text = f"{bar.get_width():.1f} {words('min')}" if values[label] is not None else words("never")
            axis.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(3, -3),
                          textcoords="offset points", fontsize=7)  # fmt: skip
        axis.set_yticks(range(len(labels)), [name(label) for label in labels], fontsize=8)
        axis.invert_yaxis()
        axis.set_xlabel(words("minutes from first page to acknowledgement"), fontsize=8)
        axis.margins(x=0.25)
    left.set_title(words("by department"), loc="left", fontsize=10)
    right.set_title(words("by tier"), loc="left", fontsize=10)
    figure.tight_layout()
    return _svg(figure)


def budget_chart(measures: Measures, person_name: Callable[[str], str], words: Callable[[str], str]) -> str:
    """Each person's busiest use of every carrier limit, as a share of it: over 100 %, the carrier
    would have dropped or delayed a message (the dispatcher holds or moves it instead)."""
    budget = measures.budget
    limits: list[tuple[str, int, Callable[[PersonLoad], int]]] = []
    for count, per in budget.voice:
        if per == timedelta(hours=1):
            limits.append(
                (f"{words('calls')} / {words('hour')} ≤ {count}", count, lambda load: load.busiest_voice_hour)
            )
        elif per == timedelta(days=1):
            limits.append((f"{words('calls')} / {words('day')} ≤ {count}", count, lambda load: load.busiest_voice_day))
    limits.append((f"{words('identical SMS')} / {words('day')} ≤ {budget.identical_sms[0]}", budget.identical_sms[0],
                   lambda load: load.most_identical_sms_day))  # fmt: skip
    loads = measures.loads
    figure, axis = plt.subplots(figsize=(9, max(2.4, 0.55 * len(loads) + 1)))
    height = 0.8 / len(limits)
    shades = ("#2f5f9e", "#6f94c8", "#b3c7e6")
    for index, (label, count, used) in enumerate(limits):
        ys = [y - 0.4 + height * (index + 0.5) for y in range(len(loads))]
        shares = [100 * used(load) / count if count else 0.0 for load in loads]
        bars = axis.barh(ys, shares, height=height * 0.9, color=shades[index % len(shades)], label=label)
        for bar, load in zip(bars, loads, strict=True):
            axis.annotate(f"{used(load)}/{count}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                          xytext=(3, -3), textcoords="offset points", fontsize=6)  # fmt: skip
    axis.axvline(100, color=COLOURS[Level.red], linestyle="--", linewidth=1, label=words("carrier limit"))
    names = [f"{person_name(load.person)}\n{load.sms} {words('SMS')}, {load.voice} "
             f"{words('call' if load.voice == 1 else 'calls')}" for load in loads]  # fmt: skip
    axis.set_yticks(range(len(loads)), names, fontsize=7)
    axis.invert_yaxis()
    axis.set_xlim(0, max(110.0, axis.get_xlim()[1]))
    axis.set_xlabel(words("busiest use of the limit (%)"), fontsize=8)
    axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure)
