"""Plain-words description of a compiled rule, for `warning rules explain`."""

from __future__ import annotations

from warning.domain import format_duration
from warning.rulebook.compiler import CompiledRule
from warning.rulebook.reasons import signal_unit


def explain_rule(rule: CompiledRule) -> list[str]:
    spec = rule.spec
    unit = signal_unit(rule)
    lines = [f"{spec.id} (version {rule.version}, {rule.source}): {spec.title}"
             + (f" / {spec.title_zh}" if spec.title_zh else ""),
             f"  hazard {rule.hazard}; watches '{spec.kind}' readings"
             + (f" in {spec.unit}" if spec.unit else "")]  # fmt: skip
    if spec.signal is None:
        lines.append("  judges each reading's value")
    elif spec.signal.of == "rate":
        needed = format_duration(spec.signal.min_span or spec.signal.over / 2)
        lines.append(f"  judges the rate of change per hour against the reading {format_duration(spec.signal.over)} "
                     f"back (from {needed} of data)")  # fmt: skip
    else:
        lines.append(f"  judges the {spec.signal.of} of the readings in the last {format_duration(spec.signal.over)}")
    if spec.quality is not None:
        checks = []
        if spec.quality.range is not None:
            checks.append(f"outside [{spec.quality.range[0]:g}, {spec.quality.range[1]:g}]")
        if spec.quality.spike is not None:
            checks.append(f"jumping more than {spec.quality.spike:g} between readings")
        if spec.quality.stuck_for is not None:
            checks.append(f"unchanged for {format_duration(spec.quality.stuck_for)}")
        effect = "not judged" if spec.quality.on_fail == "block" else "judged with certainty lowered to Possible"
        lines.append(f"  quality gate: a reading {' or '.join(checks)} is {effect}")
    if spec.pending is not None:
        lines.append(f"  a higher level must hold {format_duration(spec.pending)} before it is raised")
    if spec.keep_firing_for is not None:
        lines.append(f"  a level is kept {format_duration(spec.keep_firing_for)} after it clears")
    if spec.no_data is not None:
        lines.append(f"  a station silent for {format_duration(spec.no_data.after)} raises a "
                     f"{spec.no_data.level.value} sensor-health warning")  # fmt: skip
    for station in rule.stations.values():
        lines.append(f"  station {station.spec.id}, {station.spec.name} (area {station.spec.area}):")
        for threshold in reversed(station.thresholds):
            lines.append(f"    {threshold.level.label:<12} fires {threshold.fire_text(unit)}; "
                         f"lifted {threshold.clear_text(unit)}")  # fmt: skip
    return lines
