"""No-data watching: a station, or every station of a rule in an area, silent for too long."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warning.rulebook.compiler import CompiledRule, CompiledStation
from warning.rulebook.reasons import area_label, station_label
from warning.rulebook.series import SeriesState


@dataclass
class Watch:
    """Something that can fall silent, with the incident key its no-data warning uses."""

    rule: CompiledRule
    key: str
    # "Xiaoqing River, East Lock gauge (HY-370102-02)" or "every river-stage station in area 370102", by language
    label: dict[str, str]
    station_id: str  # the station's id, or "area:<code>"
    station_name: str
    area: str
    sample: CompiledStation  # a station of the watch, for the CAP content
    states: list[SeriesState] = field(default_factory=list)
    silent: bool = False  # its no-data warning was issued and nothing has been heard since

    def heard(self, watching_since: datetime) -> datetime:
        """The last reading from any of its stations, or when watching started."""
        latest = max((state.last_at for state in self.states if state.last_at is not None), default=None)
        return max(latest, watching_since) if latest is not None else watching_since

    def due(self, watching_since: datetime) -> datetime:
        assert self.rule.spec.no_data is not None
        return self.heard(watching_since) + self.rule.spec.no_data.after


def build_watches(rule: CompiledRule, state_of: dict[str, SeriesState]) -> list[Watch]:
    """One watch per station, or one per area with `no_data.per: area`."""
    no_data = rule.spec.no_data
    if no_data is None:
        return []
    if no_data.per == "station":
        return [
            Watch(
                rule,
                f"{state_of[sid].key}:no-data",
                station_label(s),
                sid,
                s.spec.name,
                s.spec.area,
                s,
                [state_of[sid]],
            )
            for sid, s in rule.stations.items()
        ]
    watches: dict[str, Watch] = {}
    for sid, station in rule.stations.items():
        area = station.spec.area
        if area not in watches:
            watches[area] = Watch(rule, f"{rule.id}:area:{area}:no-data", area_label(rule, area),
                                  f"area:{area}", f"{rule.spec.title}, area {area}", area, station)  # fmt: skip
        watches[area].states.append(state_of[sid])
    return list(watches.values())
