"""A city's worth of stations for the benchmarks: the bundled rules and organisation, with the
station catalogue grown to N stations (river gauges on the Xiaoqing and utility-tunnel gas cabins,
which the bundled rules select by tag), and a day of readings at one-minute cadence.

Most of the day is quiet, as a real feed is: gauges drift with the tide of the day, detectors read a
few %LEL. A flood wave lifts a few gauges over their warning stage (and two over the guaranteed
stage) for some hours, and one gas cabin leaks for twenty minutes, so warnings open, escalate and
lift during the run as they would in a storm.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_RULES = ("flood.yaml", "gas.yaml", "traffic.yaml", "compound.yaml")
GAUGE_SHARE = 0.7  # of the stations; the rest are gas cabins
FLOODED = 12  # gauges over their warning stage during the wave
OVER_GUARANTEED = 2  # of those, over the guaranteed stage too


def gauge_id(index: int) -> str:
    return f"HY-370102-G{index:04d}"


def cabin_id(index: int) -> str:
    return f"GAS-370102-UT{index // 10 + 10:02d}-C{index % 10:02d}"


def split(stations: int) -> tuple[int, int]:
    gauges = round(stations * GAUGE_SHARE)
    return gauges, stations - gauges


def area_of(index: int, areas: int) -> str:
    """The district of generated station `index`: the flooded gauges in Lixia (370102, the district
    the bundled organisation pages for), the others spread over `areas` districts of Jinan."""
    if index < FLOODED or areas <= 1:
        return "370102"
    return f"3701{index % areas + 2:02d}"


def write_rules(directory: Path, stations: int, areas: int = 1) -> list[Path]:
    """Copies of the bundled rule files beside a catalogue of the bundled stations plus `stations`
    more, spread over `areas` districts."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in BUNDLED_RULES:
        shutil.copy(ROOT / "rules" / name, directory / name)
    gauges, cabins = split(stations)
    lines = [(ROOT / "rules" / "stations.yaml").read_text(encoding="utf-8").rstrip("\n")]
    for index in range(gauges):
        lines.append(f"  - {{id: {gauge_id(index)}, name: Xiaoqing gauge {index}, area: \"{area_of(index, areas)}\", "
                     "kinds: [water_level], tags: [river, xiaoqing], "
                     "stages: {warning_stage: 3.50, guaranteed_stage: 4.20}}")  # fmt: skip
    for index in range(cabins):
        lines.append(f"  - {{id: {cabin_id(index)}, name: Tunnel cabin {index}, area: \"{area_of(index, areas)}\", "
                     "kinds: [combustible_gas], tags: [utility-tunnel, gas-cabin]}")  # fmt: skip
    (directory / "stations.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [directory / name for name in BUNDLED_RULES]


def _stage(index: int, minute: int, hours: float) -> float:
    """A gauge's stage: a slow daily swing, and for the first FLOODED gauges a wave across the run."""
    base = 2.2 + 0.4 * (index % 7) / 7 + 0.15 * math.sin(2 * math.pi * (minute / 1440 + index / 50))
    if index < FLOODED:
        middle, width = hours * 60 * 0.4, hours * 60 * 0.12
        crest = 1.5 + (0.9 if index < OVER_GUARANTEED else 0.0)
        base += crest * math.exp(-(((minute - middle) / width) ** 2))
    return round(base, 3)


def _gas(index: int, minute: int, hours: float) -> float:
    leak_at = int(hours * 60 * 0.6)
    if index == 0 and leak_at <= minute < leak_at + 20:
        return 24.0
    return round(1.0 + ((index * 7 + minute) % 13) / 10, 2)


def readings(stations: int, hours: float) -> Iterator[tuple[timedelta, dict[str, object]]]:
    """(offset from the start, reading) for every station each minute, in time order."""
    gauges, cabins = split(stations)
    for minute in range(int(hours * 60)):
        at = timedelta(minutes=minute)
        for index in range(gauges):
            value = _stage(index, minute, hours)
            yield at, {"sensor_id": gauge_id(index), "kind": "water_level", "value": value, "unit": "m"}
        for index in range(cabins):
            value = _gas(index, minute, hours)
            yield at, {"sensor_id": cabin_id(index), "kind": "combustible_gas", "value": value, "unit": "%LEL"}


def write_series(path: Path, stations: int, hours: float) -> int:
    """A JSON-lines series file for a scenario (one reading per line with its `at`); lines written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for at, reading in readings(stations, hours):
            minutes = int(at.total_seconds() // 60)
            out.write(json.dumps({"at": f"{minutes}m", **reading}) + "\n")
            count += 1
    return count
