"""FIWARE NGSI-LD notifications (`POST /ngsi-ld/notify`) -> readings, one per observed attribute.

A context broker (Orion-LD, Scorpio, Stellio) notifies a subscription with
`{"type": "Notification", "data": [entity, ...]}`; each entity is normalised (`{"type": "Property",
"value": 3.62, "observedAt": "...", "unitCode": "MTR"}`) or simplified (`"height": 3.62`). The
Smart Data Models read, and what each attribute becomes:

| entity type | attribute | reading kind | unit |
|---|---|---|---|
| `WaterObserved` (Environment) | `height` | water_level | m (unitCode MTR; CMT converted) |
| `FloodMonitoring` (Environment) | `currentLevel` | water_level | m (MTR; CMT converted) |
| `TrafficFlowObserved` (Transportation) | `averageVehicleSpeed` | speed | km/h (KMH) |
| `TrafficFlowObserved` | `occupancy` (a fraction, C62) | occupancy | % (times 100; P1 taken as a percentage) |
| `UtilityTunnelGasObserved` (ours, below) | `combustibleGasConcentration` | combustible_gas | %LEL (P1) |

The station is the entity's `stationID` (FloodMonitoring), or else the last part of its id
(`urn:ngsi-ld:WaterObserved:HY-370102-01`). The time is the attribute's `observedAt`, or else the
entity's `dateObserved` / `observationDateTime` (the end of an interval `start/end`). A value in
a unit not listed is refused rather than converted by guesswork.

Our model for tunnel gas, `UtilityTunnelGasObserved`, in the Smart Data Models' style:

    {"id": "urn:ngsi-ld:UtilityTunnelGasObserved:GAS-370102-UT01-C03",
     "type": "UtilityTunnelGasObserved",
     "combustibleGasConcentration": {"type": "Property", "value": 12.5, "unitCode": "P1",
                                     "observedAt": "2026-07-14T21:10:00+08:00"},
     "refDevice": {"type": "Relationship", "object": "urn:ngsi-ld:Device:detector-0301"},
     "location": {"type": "GeoProperty", "value": {"type": "Point", "coordinates": [117.03, 36.65]}}}

`combustibleGasConcentration` is the concentration of combustible gas as a percentage of its lower
explosive limit (%LEL, 0 to 100); `refDevice` and `location` are optional and not read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sensors.body import BodyRefused, Item, parse_json_body
from warning.errors import ReadingRejected


@dataclass(frozen=True, slots=True)
class Attribute:
    kind: str
    unit: str
    # UN/CEFACT common codes accepted, each with the factor to our unit; the first is assumed when
    # the value carries none.
    codes: dict[str, float]


MODELS: dict[str, dict[str, Attribute]] = {
    "WaterObserved": {"height": Attribute("water_level", "m", {"MTR": 1.0, "CMT": 0.01})},
    "FloodMonitoring": {"currentLevel": Attribute("water_level", "m", {"MTR": 1.0, "CMT": 0.01})},
    "TrafficFlowObserved": {
        "averageVehicleSpeed": Attribute("speed", "km/h", {"KMH": 1.0}),
        # The model's occupancy is a fraction (C62, "one"); a percentage is accepted when it says so (P1).
        "occupancy": Attribute("occupancy", "%", {"C62": 100.0, "P1": 1.0}),
    },
    "UtilityTunnelGasObserved": {"combustibleGasConcentration": Attribute("combustible_gas", "%LEL", {"P1": 1.0})},
}
TIME_ATTRIBUTES = ("dateObserved", "observationDateTime")


def _value(attribute: Any) -> Any:
    """The value of a normalised Property, or the simplified value itself."""
    if isinstance(attribute, dict) and "value" in attribute:
        return attribute["value"]
    if isinstance(attribute, dict) and "@value" in attribute:
        return attribute["@value"]
    return attribute


def _time(entity: dict[str, Any], attribute: Any) -> str | None:
    if isinstance(attribute, dict) and isinstance(attribute.get("observedAt"), str):
        return str(attribute["observedAt"])
    for name in TIME_ATTRIBUTES:
        value = _value(_value(entity.get(name)))  # {"value": {"@type": "DateTime", "@value": "..."}}
        if isinstance(value, str):
            return value.rsplit("/", 1)[-1]  # an interval start/end: observed by its end
    return None


def _station(entity: dict[str, Any]) -> str | None:
    named = _value(entity.get("stationID"))
    if isinstance(named, str) and named:
        return named
    ident = entity.get("id")
    return ident.rsplit(":", 1)[-1] or None if isinstance(ident, str) else None


def entity_readings(entity: Any, where: str) -> Iterator[Item]:
    """One item per observed attribute of an entity, or one refused item saying why there is none."""
    text = json.dumps(entity, ensure_ascii=False)[:1000]
    if not isinstance(entity, dict):
        yield Item(where, ReadingRejected("an entity must be a JSON object", text))
        return
    model = MODELS.get(str(entity.get("type")))
    if model is None:
        known = ", ".join(MODELS)
        yield Item(
            where, ReadingRejected(f"entity type {entity.get('type')!r} is not read here (known: {known})", text)
        )
        return
    station = _station(entity)
    present = [name for name in model if name in entity]
    if station is None or not present:
        what = "no station (stationID, or an id like urn:ngsi-ld:Type:STATION)" if station is None else (
            f"none of {', '.join(model)}")  # fmt: skip
        yield Item(where, ReadingRejected(f"the entity carries {what}", text))
        return
    for name in present:
        spec, attribute = model[name], entity[name]
        located = f"{where} {name}"
        unit_code = attribute.get("unitCode", next(iter(spec.codes))) if isinstance(attribute, dict) else None
        value = _value(attribute)
        scale = spec.codes.get(unit_code, None) if unit_code is not None else next(iter(spec.codes.values()))
        if scale is None:
            problem = f"{name} in unitCode {unit_code!r}; send one of {', '.join(spec.codes)}"
            yield Item(located, ReadingRejected(problem, text))
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = value * scale
        observed = _time(entity, attribute)
        reading = {"sensor_id": station, "kind": spec.kind, "value": value, "unit": spec.unit}
        if observed is None:
            yield Item(located, ReadingRejected(f"{name} has no observedAt, nor the entity a dateObserved", text))
            continue
        yield Item(located, {**reading, "observed_at": observed})


def notification_items(body: bytes) -> list[Item]:
    """The readings of a notification (or of a bare entity, or an array of entities)."""
    data = parse_json_body(body)
    if isinstance(data, dict) and data.get("type") == "Notification":
        entities = data.get("data")
        if not isinstance(entities, list):
            raise BodyRefused("a Notification carries its entities as a list under `data`")
    else:
        entities = data if isinstance(data, list) else [data]
    items: list[Item] = []
    for index, entity in enumerate(entities, start=1):
        ident = entity.get("id") if isinstance(entity, dict) else None
        items += entity_readings(entity, f"entity {index}" + (f" ({ident})" if isinstance(ident, str) else ""))
    return items
