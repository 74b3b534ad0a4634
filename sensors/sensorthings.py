"""OGC SensorThings API Observations -> readings, by a mapping of Datastreams to stations.

A SensorThings service (FROST, or a gateway speaking the standard) creates Observations by POSTing
them to `/sensorthings/v1.1/Datastreams(12)/Observations`, or to `/sensorthings/v1.1/Observations`
with the Datastream in the body (`"Datastream": {"@iot.id": 12}`). A body may also hold an array,
or a collection (`{"value": [...]}`) as the service's own list responses do. An Observation is
`{"phenomenonTime": "2026-07-14T13:10:00Z", "result": 3.62}`; an interval phenomenonTime
(`start/end`) is observed by its end, and `resultTime` stands in when there is no phenomenonTime.

Which station, kind and unit a Datastream is comes from the datastreams file
(`WARNING_SENSORTHINGS_DATASTREAMS`), checked like every configuration file:

    datastreams:
      - {id: 12, station: HY-370102-01, kind: water_level, unit: m}
      - {id: "gas-0301", station: GAS-370102-UT01-C03, kind: combustible_gas, unit: "%LEL"}
"""

from __future__ import annotations

import json
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sensors.body import Item, parse_json_body
from warning.errors import ReadingRejected


class DatastreamSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int | str = Field(description="the Datastream's @iot.id")
    station: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=50)
    unit: str | None = Field(default=None, max_length=20)


class DatastreamFileSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    datastreams: list[DatastreamSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        seen: set[str] = set()
        for stream in self.datastreams:
            if str(stream.id) in seen:
                raise ValueError(f"Datastream {stream.id} is mapped twice")
            seen.add(str(stream.id))
        return self

    def by_id(self) -> dict[str, DatastreamSpec]:
        return {str(stream.id): stream for stream in self.datastreams}


def _datastream_of(observation: dict[str, Any]) -> str | None:
    linked = observation.get("Datastream")
    if isinstance(linked, dict) and isinstance(linked.get("@iot.id"), int | str):
        return str(linked["@iot.id"])
    link = observation.get("Datastream@iot.navigationLink")
    if isinstance(link, str) and "Datastreams(" in link:
        return link.rsplit("Datastreams(", 1)[1].split(")", 1)[0].strip("'")
    return None


def observation_items(body: bytes, datastreams: dict[str, DatastreamSpec], path_datastream: str | None) -> list[Item]:
    """The readings of one Observation, an array, or a collection; `path_datastream` is the one the
    URL names (`Datastreams(12)/Observations`), for Observations that do not name their own."""
    data = parse_json_body(body)
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    observations = data if isinstance(data, list) else [data]
    items = []
    for index, observation in enumerate(observations, start=1):
        where = f"observation {index}"
        text = json.dumps(observation, ensure_ascii=False)[:1000]
        if not isinstance(observation, dict):
            items.append(Item(where, ReadingRejected("an Observation must be a JSON object", text)))
            continue
        named = _datastream_of(observation) or path_datastream
        stream = datastreams.get(named) if named is not None else None
        if stream is None:
            problem = (
                f"Datastream {named} is not mapped to a station (WARNING_SENSORTHINGS_DATASTREAMS)"
                if named
                else "no Datastream: post to Datastreams(ID)/Observations, or give Datastream @iot.id"
            )
            items.append(Item(where, ReadingRejected(problem, text)))
            continue
        time = observation.get("phenomenonTime") or observation.get("resultTime")
        if not isinstance(time, str):
            items.append(Item(where, ReadingRejected("no phenomenonTime (nor resultTime)", text)))
            continue
        reading = {"sensor_id": stream.station, "kind": stream.kind, "value": observation.get("result"),
                   "observed_at": time.rsplit("/", 1)[-1]}  # fmt: skip
        if stream.unit is not None:
            reading["unit"] = stream.unit
        items.append(Item(f"{where} (Datastream {named})", reading))
    return items
