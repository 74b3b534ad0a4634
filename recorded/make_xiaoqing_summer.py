"""Writes the project-made recorded series the bundled backtest scores the flood rules on: a summer
(2026-06-15 to 2026-08-15, every 10 minutes) at the Lixia rain gauge and the two Xiaoqing River gauges,
and the events "observed" on the ground. It is not a real record: no package on the registry ships a
river-stage, rainfall or lake-level series at this cadence with observed impacts. It is made from a
simple model instead, the same every run (a seeded generator):

- rain falls in storms (start, hours, peak mm per 10 minutes), bell-shaped, with light noise;
- each river gauge is a linear reservoir: storage decays with its own time constant and fills with
  the rain, and the stage is a base level plus storage times a factor, with centimetre noise;
- one faulty reading (a spike of 9.9 m) that the rules' quality gate must set aside;
- observed events are where the modelled world would hurt: the Riverside Bridge embankment path
  under water (stage over 4.05 m for 30 minutes), water over the East Lock apron (over 3.30 m), and
  the Quancheng Square underpass flooded (over 45 mm of rain in an hour).

Run: python recorded/make_xiaoqing_summer.py (writes the two files beside it).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZONE = timezone(timedelta(hours=8))
START = datetime(2026, 6, 15, tzinfo=ZONE)
STEP = timedelta(minutes=10)
STEPS = 62 * 24 * 6 - 6 * 24  # 2026-06-15 00:00 to 2026-08-15 00:00

# (day from the start, hour, hours long, peak mm per 10 minutes)
STORMS = [
    (3, 14, 5, 4.0),
    (9, 2, 8, 6.5),
    (16, 18, 3, 11.0),
    (21, 9, 10, 5.0),
    (27, 20, 12, 9.5),
    (33, 15, 2, 14.0),
    (38, 4, 6, 3.0),
    (44, 22, 14, 8.0),
    (51, 13, 4, 7.0),
    (57, 1, 9, 10.5),
]
# (sensor, base stage m, factor m per mm stored, time constant h)
GAUGES = [("HY-370102-01", 2.55, 0.0105, 20.0), ("HY-370102-02", 2.05, 0.0062, 14.0)]


def rain(rng: random.Random) -> list[float]:
    series = [0.0] * STEPS
    for day, hour, hours, peak in STORMS:
        first = (day * 24 + hour) * 6
        length = hours * 6
        for k in range(length):
            shape = math.sin(math.pi * (k + 0.5) / length) ** 2
            series[first + k] += max(0.0, peak * shape * rng.uniform(0.7, 1.3))
    return [round(value, 1) for value in series]


def stages(rainfall: list[float], base: float, factor: float, hours: float, rng: random.Random) -> list[float]:
    decay = math.exp(-1 / (hours * 6))
    stored, out = 0.0, []
    for value in rainfall:
        stored = stored * decay + value
        out.append(round(base + factor * stored + rng.gauss(0, 0.008), 2))
    return out


def runs(values: list[float], over: float, least: int) -> list[tuple[int, int]]:
    found, begin = [], None
    for index, value in enumerate([*values, -math.inf]):
        if value > over and begin is None:
            begin = index
        elif value <= over and begin is not None:
            if index - begin >= least:
                found.append((begin, index - 1))
            begin = None
    return found


def main() -> None:
    rng = random.Random(20260615)
    rainfall = rain(rng)
    rivers = {sensor: stages(rainfall, base, factor, hours, rng) for sensor, base, factor, hours in GAUGES}
    rivers["HY-370102-01"][40 * 144 + 30] = 9.9  # a faulty reading the quality gate sets aside
    lines = ["observed_at,sensor_id,kind,value,unit"]
    for index in range(STEPS):
        stamp = (START + index * STEP).isoformat()
        lines.append(f"{stamp},RG-370102-01,rainfall,{rainfall[index]},mm")
        for sensor, _, _, _ in GAUGES:
            lines.append(f"{stamp},{sensor},water_level,{rivers[sensor][index]},m")
    (HERE / "xiaoqing-summer-2026.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    hourly = [sum(rainfall[max(0, i - 5) : i + 1]) for i in range(STEPS)]
    impacts = [
        ("HY-370102-01", rivers["HY-370102-01"], 4.05, 3, "Riverside Bridge embankment path under water; closed"),
        ("HY-370102-02", rivers["HY-370102-02"], 3.30, 1, "water over the East Lock apron"),
        ("RG-370102-01", hourly, 45.0, 1, "Quancheng Square underpass flooded; traffic stopped"),
    ]
    events = []
    for sensor, values, over, least, what in impacts:
        for begin, end in runs(values, over, least):
            events.append((START + begin * STEP, START + end * STEP, sensor, what))
    events.sort()
    out = ["# Made by make_xiaoqing_summer.py from its model: not a real record (see that script).",
           "source: project-made model of a summer on the Xiaoqing River (recorded/make_xiaoqing_summer.py)",
           "events:"]  # fmt: skip
    for number, (start, end, sensor, what) in enumerate(events, 1):
        out.append(f"  - {{id: OB{number:02d}, station: {sensor}, start: '{start.isoformat()}', "
                   f"end: '{end.isoformat()}', what: \"{what}\"}}")  # fmt: skip
    (HERE / "xiaoqing-summer-2026.observed.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
