"""What the console reads and asks beyond the dispatcher's API: a preview of every hand action that
changes nothing, the organisation and map it names and draws things by, the rules with their firings,
board rows with who each track paged, rows by code, the session again after a reload, and the page
itself with a Content-Security-Policy that admits only our scripts."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, START, http_json, make_runtime, reading
from warning.access import Role
from warning.app import Runtime, build_accounts
from warning.clock import VirtualClock
from warning.geometry import GeometryFileError, contains, load_geometry

PASSWORD = "correct horse battery"


@pytest.fixture
def centre(database_url: str, clock: VirtualClock) -> Iterator[tuple[Runtime, dict[str, str]]]:
    runtime = make_runtime(database_url, clock)
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("zhang", Role.dispatcher, "370100", full_name="Zhang Hua", password=PASSWORD)
    accounts.add_user("planner", Role.planner, "370100", full_name="Planner Qi")
    accounts.add_user("wang", Role.duty_officer, "370102", full_name="Wang Wei", person="wang-wei")
    accounts.add_user("huaiyin-desk", Role.dispatcher, "370104", full_name="Huaiyin desk")
    tokens = {name: accounts.issue_token(name, "test").secret for name in ("zhang", "planner", "wang", "huaiyin-desk")}
    try:
        yield runtime, tokens
    finally:
        runtime.close()


def _call(runtime: Runtime, method: str, path: str, token: str | None, body: object = None) -> tuple[int, Any]:
    assert runtime.api is not None
    return http_json(method, f"{runtime.api.url}{path}", body, token)


def _state(runtime: Runtime) -> tuple[int, int, int]:
    """Decisions, pages and tracks: what a preview must leave as it found them."""
    with runtime.store.transaction() as tx:
        tracks = sum(len(v) for v in tx.escalations_of_many([i.id for i in tx.all_incidents()]).values())
    return len(runtime.store.decisions()), len(runtime.store.notifications()), tracks


def test_previews_say_who_would_be_paged_and_change_nothing(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    zhang = tokens["zhang"]
    runtime.engine.ingest_payload(reading(3.8, START), "test")  # F0001, yellow: Wang Wei by SMS
    before = _state(runtime)
    status, preview = _call(runtime, "POST", "/api/incidents/F0001/escalate/preview?language=zh-CN", zhang, {})
    assert status == 200, preview
    assert [(p["person"], p["channel"], p["department_name"]) for p in preview["pages"]] == [
        ("li-na", "voice", "历下区水务局")
    ]  # the next step calls the deputy
    assert "F0001" in preview["decisions"][0]
    status, preview = _call(runtime, "POST", "/api/incidents/F0001/level/preview", zhang,
                            {"level": "orange", "reason": "Water reaching ground floors"})  # fmt: skip
    assert status == 200, preview
    assert {p["department"] for p in preview["pages"]} == {"traffic-370102", "em-370102"}  # orange engages both
    status, preview = _call(runtime, "POST", "/api/incidents/F0001/lift/preview", zhang, {"reason": "drained"})
    assert status == 200 and [(p["person"], p["purpose"]) for p in preview["pages"]] == [("wang-wei", "lifted")]
    status, preview = _call(runtime, "POST", "/api/incidents/preview", zhang, {
        "hazard": "flood", "level": "yellow", "area": "370102", "title": "Water over the road",
        "description": "Knee-deep water reported", "source": "hotline_12345"})  # fmt: skip
    assert status == 200 and [p["person"] for p in preview["pages"]] == ["wang-wei"]
    assert _state(runtime) == before  # nothing of any preview was kept
    assert [i.code for i in runtime.store.incidents()] == ["F0001"]
    # A preview is refused as the action would be, and says why.
    status, refused = _call(runtime, "POST", "/api/incidents/F0001/escalate/preview", tokens["planner"], {})
    assert status == 403 and "planner" in refused["error"]
    status, refused = _call(runtime, "POST", "/api/incidents/F0001/escalate/preview", tokens["huaiyin-desk"], {})
    assert status == 403
    status, refused = _call(runtime, "POST", "/api/incidents/F0001/level/preview", zhang,
                            {"level": "yellow", "reason": "same"})  # fmt: skip
    assert status == 409 and "yellow already" in refused["error"]
    # And the action itself still does what its preview said.
    status, _ = _call(runtime, "POST", "/api/incidents/F0001/escalate", zhang, {})
    assert status == 200
    assert [(n.person_id, n.channel) for n in runtime.store.notifications()][-1] == ("li-na", "voice")


def test_board_rows_carry_causes_and_who_each_track_paged(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, tokens = centre
    runtime.engine.ingest_payload(reading(3.8, START), "test")
    runtime.engine.ingest_payload(reading(2.9, START + timedelta(minutes=1), sensor="HY-370102-02"), "test")
    status, page = _call(runtime, "GET", "/api/incidents?code=f0001&limit=100", tokens["zhang"])
    assert status == 200 and [i["code"] for i in page["items"]] == ["F0001"]
    (row,) = page["items"]
    assert [(c["rule"], c["station"], c["level"]) for c in row["causes"]] == [("river-stage", "HY-370102-01", "yellow")]
    (track,) = row["escalations"]
    assert (track["department"], track["paged"], track["paged_name"], track["paged_by"]) == (
        "water-370102", "wang-wei", "Wang Wei", "sms")  # fmt: skip
    status, page = _call(runtime, "GET", "/api/incidents?code=F0001&code=F0002", tokens["zhang"])
    assert status == 200 and sorted(i["code"] for i in page["items"]) == ["F0001", "F0002"]
    assert _call(runtime, "GET", "/api/incidents?code=F1'--", tokens["zhang"])[0] == 422


def test_the_directory_names_areas_departments_and_the_caller_s_actions(
    centre: tuple[Runtime, dict[str, str]],
) -> None:
    runtime, tokens = centre
    status, directory = _call(runtime, "GET", "/api/organisation", tokens["zhang"])
    assert status == 200 and directory["time_zone"] == "Asia/Shanghai"
    areas = {a["code"]: a for a in directory["areas"]}
    assert areas["370102"]["name_zh"] == "历下区" and areas["370102"]["outline"] is True
    assert areas["370103"]["parent"] == "370100"  # a district only the map knows, in the tree its code implies
    assert [a["code"] for a in directory["areas"]][:2] == ["370000", "370100"]  # parents first
    assert "escalate" in directory["actions"] and "flood" in directory["hazards"]
    status, planner = _call(runtime, "GET", "/api/organisation", tokens["planner"])
    assert status == 200 and planner["actions"] == []
    status, officer = _call(runtime, "GET", "/api/organisation", tokens["wang"])
    assert {d["area"] for d in officer["departments"] if d["in_area"]} == {"370102"}  # pickers: the officer's area
    assert "370104" not in {a["code"] for a in officer["areas"]}
    status, geometry = _call(runtime, "GET", "/api/geometry", tokens["wang"])
    assert status == 200 and len(geometry["features"]) == 10
    status, rules = _call(runtime, "GET", "/api/rules", tokens["planner"])
    assert status == 200 and {r["id"] for r in rules} >= {"river-stage", "river-rise"}
    runtime.engine.ingest_payload(reading(3.8, START), "test")
    status, rules = _call(runtime, "GET", "/api/rules", tokens["planner"])
    stage = next(r for r in rules if r["id"] == "river-stage")
    assert (stage["firings"], stage["standing"]) == (1, 1) and stage["last_fired_at"] is not None
    assert _call(runtime, "GET", "/api/rules", None)[0] == 401


def test_every_located_station_stands_inside_its_area_s_outline() -> None:
    geometry = load_geometry((ROOT / "geo",))
    outlines = {f["properties"]["code"]: f for f in geometry["features"]}
    from warning.rulebook import load_rulebook

    rulebook = load_rulebook([ROOT / "rules"])
    located = {sid: st.spec for rule in rulebook.rules for sid, st in rule.stations.items() if st.spec.location}
    assert len(located) >= 5
    for station_id, spec in located.items():
        assert spec.location is not None
        assert contains(outlines[spec.area], *spec.location), f"{station_id} is outside area {spec.area}"


def _area(code: str, geometry: str) -> str:
    feature = f'{{"type": "Feature", "properties": {{"code": "{code}", "name": "x"}}, "geometry": {geometry}}}'
    return f'{{"type": "FeatureCollection", "features": [{feature}]}}'


SQUARE = '{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "is not JSON"),
        ('{"type": "Feature"}', "is not a GeoJSON FeatureCollection"),
        (_area("37010", SQUARE), "feature 0"),
        (_area("370102", SQUARE.replace("[1,1]", "[1,91]")), "not a WGS 84"),
        (_area("370102", '{"type": "Point", "coordinates": [0, 0]}'), "feature 0: geometry"),
    ],
)
def test_a_bad_outline_file_is_refused_with_its_name(tmp_path: Path, text: str, expected: str) -> None:
    good = tmp_path / "a-good.geojson"
    good.write_text((ROOT / "geo" / "jinan.geojson").read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "b-bad.geojson"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(GeometryFileError) as caught:
        load_geometry((tmp_path,))
    (problem,) = caught.value.problems
    assert problem.path == str(bad) and expected in problem.message, problem


def test_the_page_admits_only_its_own_scripts(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, _ = centre
    assert runtime.api is not None
    with urllib.request.urlopen(f"{runtime.api.url}/console", timeout=10) as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    (import_map,) = re.findall(r'<script type="importmap">(.*?)</script>', page, re.S)
    digest = base64.b64encode(hashlib.sha256(import_map.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in policy and "frame-ancestors 'none'" in policy
    for path in json.loads(import_map)["imports"].values():  # every library from the npm packages, served here
        with urllib.request.urlopen(f"{runtime.api.url}{path}", timeout=10) as library:
            assert library.status == 200 and "javascript" in library.headers["Content-Type"]
    assert "http" not in import_map  # nothing from a CDN


def test_a_reloaded_page_finds_its_session_and_csrf_token(centre: tuple[Runtime, dict[str, str]]) -> None:
    runtime, _ = centre
    assert runtime.api is not None
    import httpx

    with httpx.Client(base_url=runtime.api.url, timeout=10) as client:
        assert client.get("/api/session").status_code == 401
        signed = client.post("/api/session", json={"user": "zhang", "password": PASSWORD}).json()
        again = client.get("/api/session")
        assert again.status_code == 200 and again.json()["csrf_token"] == signed["csrf_token"]
        assert again.json()["principal"]["user"] == "zhang"
