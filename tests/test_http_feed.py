"""Readings over HTTP (`POST /api/readings`, `warning readings post`): JSON, JSON lines and CSV from a
feed with its own token; every bad item dead-lettered where it stands with its reason, the valid
ones beside it kept; per-feed figures on /metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from sensors.sensorthings import DatastreamFileSpec
from tests.conftest import ROOT, START, events_of, make_runtime
from warning import cli
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.decisions.events import ReadingsRedelivered
from warning.errors import ConfigFileError
from warning.yamlfile import load_spec

FEED_TOKEN = "token-hydrology"
PERSON_TOKEN = "token-li-na"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Runtime]:
    runtime = make_runtime(f"sqlite:///{tmp_path / 'feed.db'}", VirtualClock(START + timedelta(hours=1)),
                           tokens={PERSON_TOKEN: "li-na"}, feeds={FEED_TOKEN: "hydrology-bureau"})  # fmt: skip
    try:
        yield runtime
    finally:
        runtime.close()


def post(runtime: Runtime, body: bytes, content_type: str, token: str | None = FEED_TOKEN) -> tuple[int, Any]:
    assert runtime.api is not None
    headers = {"Content-Type": content_type} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(f"{runtime.api.url}/api/readings", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def gauge(value: object, minute: int, sensor: str = "HY-370102-01") -> dict[str, object]:
    at = (START + timedelta(minutes=minute)).isoformat()
    return {"sensor_id": sensor, "kind": "water_level", "value": value, "unit": "m", "observed_at": at}


def test_a_json_array_keeps_its_valid_readings_and_dead_letters_each_bad_item_with_its_place(served: Runtime) -> None:
    items = [gauge(2.9, 0), "not an object", gauge("3.1", 1), gauge(3.7, 2), gauge(2.0, 3, sensor="NOBODY")]
    body = json.dumps(items).replace('"observed_at"', '"value": 1, "observed_at"', 1).encode()  # item 1: a key twice
    status, answer = post(served, body, "application/json")
    assert status == 200
    assert (answer["feed"], answer["received"], answer["accepted"], answer["refused"]) == ("hydrology-bureau", 5, 1, 4)
    reasons = {refusal["where"]: refusal["reason"] for refusal in answer["refusals"]}
    assert "'value' appears more than once" in reasons["item 1"]
    assert reasons["item 2"] == "a reading must be a JSON object"
    assert "value" in reasons["item 3"] and "unknown sensor 'NOBODY'" in reasons["item 5"]
    dead = served.store.dead_letters()
    assert [row.source for row in dead] == [f"http:hydrology-bureau:item {n}" for n in (1, 2, 3, 5)]
    opened = [row for row in served.store.decisions() if row.kind == "incident_opened"]
    assert len(opened) == 1 and opened[0].data["evidence"]["reading"]["value"] == 3.7  # item 4 was judged, and warns


def test_json_lines_and_csv_are_judged_line_by_line(served: Runtime) -> None:
    good = [json.dumps(gauge(2.9, 0)).encode(), json.dumps(gauge(3.0, 1)).encode()]
    lines = b"\n".join([good[0], b"{broken", b"\xff\xfe", good[1]])
    status, answer = post(served, lines + b"\n", "application/x-ndjson")
    assert status == 200 and (answer["accepted"], answer["refused"]) == (2, 2)
    assert [refusal["where"] for refusal in answer["refusals"]] == ["line 2", "line 3"]

    csv_body = (
        "sensor_id,kind,value,unit,observed_at\n"
        f"HY-370102-01,water_level,3.2,m,{(START + timedelta(minutes=2)).isoformat()}\n"
        "HY-370102-01,water_level,3.3\n"
        f"HY-370102-01,water_level,high,m,{(START + timedelta(minutes=4)).isoformat()}\n"
        f"HY-370102-01,water_level,3.8,m,{(START + timedelta(minutes=5)).isoformat()}\n"
    ).encode()
    status, answer = post(served, csv_body, "text/csv; charset=utf-8")
    assert status == 200 and (answer["received"], answer["accepted"], answer["refused"]) == (4, 2, 2)
    reasons = {refusal["where"]: refusal["reason"] for refusal in answer["refusals"]}
    assert reasons["line 3"] == "3 cells where the header names 5 columns"
    assert "value" in reasons["line 4"]
    assert any(row.kind == "incident_opened" for row in served.store.decisions())


def test_a_body_that_cannot_be_split_is_refused_whole_and_recorded(served: Runtime) -> None:
    for body, content_type, words in [
        (b'[{"sensor_id": "x"', "application/json", "not JSON"),
        (b"a,b\n1,2\n", "text/csv", "header row must name"),
        (b"{}", "application/xml", "is not one of"),
        (b"[" * 5000 + b"]" * 5000, "application/json", "nested too deeply"),
    ]:
        status, answer = post(served, body, content_type)
        assert status == 400 and words in answer["error"], (body[:20], answer)
    assert len(served.store.dead_letters()) == 4  # the operator sees what the feed sent, and why
    too_big = b"\n" * (16 * 1024 * 1024 + 1)
    assert post(served, too_big, "application/x-ndjson")[0] == 413


def test_only_a_feed_token_posts_readings_and_it_acts_as_nobody(served: Runtime) -> None:
    body = json.dumps(gauge(3.0, 0)).encode()
    assert post(served, body, "application/json", token=None)[0] == 401
    assert post(served, body, "application/json", token=PERSON_TOKEN)[0] == 401
    assert post(served, body, "application/json", token="token-unknown")[0] == 401
    assert post(served, body, "application/json")[0] == 200
    assert served.api is not None
    as_feed = {"Authorization": f"Bearer {FEED_TOKEN}"}
    request = urllib.request.Request(f"{served.api.url}/api/incidents", headers=as_feed)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401


def test_a_body_posted_twice_is_judged_once(served: Runtime) -> None:
    body = json.dumps([gauge(2.9, 0), gauge(3.7, 1)]).encode()
    assert post(served, body, "application/json")[1]["accepted"] == 2
    assert post(served, body, "application/json")[1]["accepted"] == 2  # taken, and recognised
    decisions = served.store.decisions()
    assert [row.kind for row in decisions].count("incident_opened") == 1
    (again,) = events_of(served.store, ReadingsRedelivered)  # one decision for the batch
    assert again.count == 2 and all(reading.startswith("HY-370102-01@") for reading in again.readings)


def test_metrics_count_each_feed_and_need_a_token(served: Runtime) -> None:
    post(served, json.dumps([gauge(2.9, 0), gauge("x", 1), gauge(3.0, 2)]).encode(), "application/json")
    assert served.api is not None
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{served.api.url}/metrics", timeout=10)
    assert refused.value.code == 401
    request = urllib.request.Request(f"{served.api.url}/metrics", headers={"Authorization": f"Bearer {PERSON_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    feed = ("feed", "hydrology-bureau")
    assert samples["warning_feed_readings_total", (feed, ("outcome", "accepted"))] == 2
    assert samples["warning_feed_readings_total", (feed, ("outcome", "refused"))] == 1
    assert samples["warning_feed_last_message_timestamp_seconds", (feed,)] == (START + timedelta(hours=1)).timestamp()


def test_the_post_command_sends_a_file_in_parts_and_names_refused_lines_of_the_file(
    served: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "READINGS_PER_POST", 3)
    at = [(START + timedelta(minutes=n)).isoformat() for n in range(8)]
    rows = [f"HY-370102-01,water_level,{2.0 + n / 10:.1f},m,{at[n]}" for n in range(8)]
    rows[4] = "HY-370102-01,water_level,deep,m," + (START + timedelta(minutes=4)).isoformat()
    file = tmp_path / "backfill.csv"
    file.write_text("sensor_id,kind,value,unit,observed_at\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert served.api is not None
    feed = ["--api", served.api.url, "--token", FEED_TOKEN]
    result = CliRunner().invoke(cli.main, ["readings", "post", str(file), *feed])
    assert result.exit_code == 1, result.output
    assert "8 readings posted, 7 accepted, 1 refused" in result.output
    assert f"{file}: line 6: value" in result.output  # row 5 of the data, under the header: line 6 of the file
    lines = tmp_path / "backfill.jsonl"
    lines.write_text("".join(json.dumps(gauge(2.5, 20 + n)) + "\n" for n in range(7)), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["readings", "post", str(lines), *feed])
    assert result.exit_code == 0 and "7 readings posted, 7 accepted, 0 refused" in result.output


bodies = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.just(json.dumps(gauge(2.5, 0))), st.text(max_size=40)), max_size=8).map(
        lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, content_type=st.sampled_from(["application/json", "application/x-ndjson", "text/csv", "", "x/y"]))
def test_no_body_gets_a_server_error_and_what_is_received_is_accounted_for(
    served: Runtime, body: bytes, content_type: str
) -> None:
    status, answer = post(served, body, content_type)
    assert status in (200, 400), answer
    if status == 200:
        assert answer["accepted"] + answer["refused"] == answer["received"]
        assert all(refusal["reason"] for refusal in answer["refusals"])


# --- FIWARE NGSI-LD notifications ----------------------------------------------------------------


@pytest.fixture
def city(tmp_path: Path) -> Iterator[Runtime]:
    rules = tuple(ROOT / "rules" / name for name in ("flood.yaml", "traffic.yaml", "gas.yaml"))
    runtime = make_runtime(f"sqlite:///{tmp_path / 'ngsi.db'}", VirtualClock(START + timedelta(hours=1)),
                           tokens={PERSON_TOKEN: "li-na"}, feeds={FEED_TOKEN: "orion-ld"}, rules=rules)  # fmt: skip
    try:
        yield runtime
    finally:
        runtime.close()


def notify(runtime: Runtime, body: object, token: str | None = FEED_TOKEN) -> tuple[int, Any]:
    assert runtime.api is not None
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/ld+json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(f"{runtime.api.url}/ngsi-ld/notify", data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def prop(value: object, **meta: object) -> dict[str, object]:
    return {"type": "Property", "value": value, **meta}


def test_an_ngsi_ld_notification_becomes_readings_and_what_cannot_is_refused_by_entity(city: Runtime) -> None:
    at = (START + timedelta(minutes=5)).isoformat()
    entities = [
        {"id": "urn:ngsi-ld:WaterObserved:HY-370102-01", "type": "WaterObserved",
         "height": prop(3.7, unitCode="MTR", observedAt=at)},
        {"id": "urn:ngsi-ld:FloodMonitoring:Lixia-east-lock", "type": "FloodMonitoring", "stationID": "HY-370102-02",
         "currentLevel": 255.0, "observationDateTime": at},  # simplified, in cm? no: no unitCode, so metres
        {"id": "urn:ngsi-ld:TrafficFlowObserved:TR-370102-JS01", "type": "TrafficFlowObserved",
         "dateObserved": prop(f"{START.isoformat()}/{at}"), "averageVehicleSpeed": prop(8.0, unitCode="KMH"),
         "occupancy": prop(0.76, unitCode="C62"), "intensity": prop(197)},
        {"id": "urn:ngsi-ld:UtilityTunnelGasObserved:GAS-370102-UT01-C03", "type": "UtilityTunnelGasObserved",
         "combustibleGasConcentration": prop(12.5, unitCode="P1", observedAt=at)},
        {"id": "urn:ngsi-ld:AirQualityObserved:AQ1", "type": "AirQualityObserved", "dateObserved": at},
        {"id": "urn:ngsi-ld:WaterObserved:HY-370102-01", "type": "WaterObserved",
         "height": prop(12.1, unitCode="FOT", observedAt=at)},
        {"id": "urn:ngsi-ld:WaterObserved:HY-370102-01", "type": "WaterObserved", "height": prop(3.0)},
        "not an entity",
    ]  # fmt: skip
    status, answer = notify(city, {"id": "urn:ngsi-ld:Notification:1", "type": "Notification",
                                   "subscriptionId": "urn:ngsi-ld:Subscription:warning", "data": entities})  # fmt: skip
    assert status == 200, answer
    assert (answer["received"], answer["accepted"]) == (9, 5)
    reasons = {refusal["where"]: refusal["reason"] for refusal in answer["refusals"]}
    assert "is not read here" in reasons["entity 5 (urn:ngsi-ld:AirQualityObserved:AQ1)"]
    assert "unitCode 'FOT'" in reasons["entity 6 (urn:ngsi-ld:WaterObserved:HY-370102-01) height"]
    assert "no observedAt" in reasons["entity 7 (urn:ngsi-ld:WaterObserved:HY-370102-01) height"]
    assert reasons["entity 8"] == "an entity must be a JSON object"
    with city.store.transaction() as tx:
        stored = {(r.sensor_id, r.kind): r.value for r in tx.readings_since(START - timedelta(days=1))}
    assert stored == {("HY-370102-01", "water_level"): 3.7, ("HY-370102-02", "water_level"): 255.0,
                      ("TR-370102-JS01", "speed"): 8.0, ("TR-370102-JS01", "occupancy"): 76.0,
                      ("GAS-370102-UT01-C03", "combustible_gas"): 12.5}  # fmt: skip
    opened = {row.data["evidence"]["rule"] for row in city.store.decisions() if row.kind == "incident_opened"}
    assert {"river-stage", "tunnel-gas"} <= opened  # the traffic rules want their levels held a while first


def test_ngsi_ld_bodies_that_cannot_be_read_are_refused_and_need_a_feed_token(city: Runtime) -> None:
    assert notify(city, {"type": "Notification", "data": []}, token=None)[0] == 401
    assert notify(city, {"type": "Notification", "data": []}, token=PERSON_TOKEN)[0] == 401
    status, answer = notify(city, b"{not json")
    assert status == 400 and "not JSON" in answer["error"]
    status, answer = notify(city, {"type": "Notification", "data": {"id": "x"}})
    assert status == 400 and "as a list under `data`" in answer["error"]
    status, answer = notify(city, {"type": "Notification", "data": []})
    assert status == 200 and answer["received"] == 0


# --- OGC SensorThings Observations ----------------------------------------------------------------

DATASTREAMS = """datastreams:
  - {id: 12, station: HY-370102-01, kind: water_level, unit: m}
  - {id: gas-0301, station: GAS-370102-UT01-C03, kind: combustible_gas, unit: "%LEL"}
"""


@pytest.fixture
def things(tmp_path: Path) -> Iterator[Runtime]:
    (tmp_path / "datastreams.yaml").write_text(DATASTREAMS, encoding="utf-8")
    rules = tuple(ROOT / "rules" / name for name in ("flood.yaml", "gas.yaml"))
    clock = VirtualClock(START + timedelta(hours=1))
    runtime = make_runtime(f"sqlite:///{tmp_path / 'sta.db'}", clock, feeds={FEED_TOKEN: "frost"}, rules=rules,
                           datastreams=tmp_path / "datastreams.yaml")  # fmt: skip
    try:
        yield runtime
    finally:
        runtime.close()


def observe(runtime: Runtime, path: str, body: object) -> tuple[int, Any]:
    assert runtime.api is not None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {FEED_TOKEN}"}
    request = urllib.request.Request(f"{runtime.api.url}/sensorthings/v1.1/{path}", data=json.dumps(body).encode(),
                                     method="POST", headers=headers)  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sensorthings_observations_become_readings_of_their_datastreams_station(things: Runtime) -> None:
    at = [(START + timedelta(minutes=n)).isoformat() for n in range(6)]
    status, answer = observe(things, "Datastreams(12)/Observations", {"phenomenonTime": at[0], "result": 3.1})
    assert status == 200 and answer["accepted"] == 1
    status, answer = observe(things, "Observations", {"value": [
        {"phenomenonTime": at[1], "result": 12.5, "Datastream": {"@iot.id": "gas-0301"}},
        {"phenomenonTime": f"{at[0]}/{at[2]}", "result": 3.7,
         "Datastream@iot.navigationLink": "http://frost/v1.1/Observations(7)/Datastreams(12)"},
        {"phenomenonTime": at[3], "result": 1.0, "Datastream": {"@iot.id": 99}},
        {"phenomenonTime": at[4], "result": 1.0},
        {"result": 1.0, "Datastream": {"@iot.id": 12}},
        {"phenomenonTime": at[5], "result": "high", "Datastream": {"@iot.id": 12}},
    ]})  # fmt: skip
    assert status == 200 and (answer["received"], answer["accepted"]) == (6, 2)
    reasons = {refusal["where"]: refusal["reason"] for refusal in answer["refusals"]}
    assert reasons["observation 3"] == "Datastream 99 is not mapped to a station (WARNING_SENSORTHINGS_DATASTREAMS)"
    assert reasons["observation 4"].startswith("no Datastream")
    assert reasons["observation 5"] == "no phenomenonTime (nor resultTime)"
    assert "value" in reasons["observation 6 (Datastream 12)"]
    with things.store.transaction() as tx:
        stored = sorted((r.sensor_id, r.value, r.observed_at.isoformat()) for r in tx.readings_since(START))
    assert stored == [("GAS-370102-UT01-C03", 12.5, at[1]), ("HY-370102-01", 3.7, at[2])]  # and 3.1 at the start
    opened = {row.data["evidence"]["rule"] for row in things.store.decisions() if row.kind == "incident_opened"}
    assert opened == {"river-stage", "tunnel-gas"}


def test_a_datastreams_file_is_checked_like_every_configuration_file(tmp_path: Path) -> None:
    path = tmp_path / "datastreams.yaml"
    path.write_text(DATASTREAMS + "  - {id: 12, station: X, kind: water_level}\n  - {id: 13, kind: speed}\n")
    with pytest.raises(ConfigFileError) as caught:
        load_spec(path, DatastreamFileSpec, ConfigFileError)
    problems = [str(problem) for problem in caught.value.problems]
    assert any(problem.startswith(f"{path}:5:") and "station" in problem for problem in problems), problems


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=15,
)
entity_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["WaterObserved", "FloodMonitoring", "TrafficFlowObserved", "UtilityTunnelGasObserved",
                              "Notification", "Other"]) | json_values},
    optional={
        "id": st.sampled_from(["urn:ngsi-ld:WaterObserved:HY-370102-01", "urn:ngsi-ld:X:", ""]) | json_values,
        "height": json_values, "currentLevel": json_values, "occupancy": json_values, "stationID": json_values,
        "averageVehicleSpeed": json_values, "dateObserved": json_values, "data": st.lists(json_values, max_size=3),
        "value": st.lists(json_values, max_size=3), "result": json_values, "phenomenonTime": json_values,
        "Datastream": json_values, "Datastream@iot.navigationLink": json_values,
    },
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(entity_like, st.lists(entity_like, max_size=4), json_values),
    path=st.sampled_from(
        ["/ngsi-ld/notify", "/sensorthings/v1.1/Observations", "/sensorthings/v1.1/Datastreams(12)/Observations"]
    ),
)
def test_no_ngsi_ld_or_sensorthings_body_gets_a_server_error(things: Runtime, body: object, path: str) -> None:
    assert things.api is not None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {FEED_TOKEN}"}
    data = json.dumps(body, allow_nan=True).encode()
    request = urllib.request.Request(f"{things.api.url}{path}", data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, answer = exc.code, json.loads(exc.read())
    assert status in (200, 400), answer
    if status == 200:
        assert answer["accepted"] + answer["refused"] == answer["received"]
        assert all(refusal["reason"] for refusal in answer["refusals"])
