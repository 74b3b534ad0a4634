"""CAP 1.2 out: every warning's lifecycle as Alert, Updates and a Cancel, each valid against the OASIS
schema and the profile, Exercise in drills and Actual live; the drill's files (--cap-out) and the
Atom feed serve them as published, to callers of the warning's area."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT, START, reading
from warning import cli
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.publish.cap import NAMESPACE, problems, schema
from warning.publish.feed import ATOM

NS = {"cap": NAMESPACE}


def _read(path: Path) -> ElementTree.Element:
    return ElementTree.fromstring(path.read_bytes())


def test_a_drills_warnings_are_published_as_valid_cap_each_referencing_what_came_before(tmp_path: Path) -> None:
    out = tmp_path / "cap"
    result = CliRunner().invoke(cli.main, ["drill", "run", str(ROOT / "scenarios" / "flood-drill.yaml"),
                                           "--cap-out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.xml"))
    assert [f.name.split("-")[1:3] for f in files] == [
        ["F0001", "alert"], ["F0001", "update"], ["F0001", "update"], ["W0002", "alert"], ["W0002", "cancel"],
        ["F0001", "update"], ["F0001", "cancel"],
    ]  # fmt: skip
    published: dict[str, list[str]] = {}  # incident -> references of its messages so far
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
        schema().validate(text)  # the OASIS schema, as an outside validator reads the file
        root = _read(file)
        incident = root.findtext("cap:incidents", namespaces=NS) or ""
        earlier = published.setdefault(incident, [])
        assert problems(text, earlier) == []
        assert root.findtext("cap:status", namespaces=NS) == "Exercise"
        references = (root.findtext("cap:references", namespaces=NS) or "").split()
        msg_type = root.findtext("cap:msgType", namespaces=NS)
        assert references == ([] if msg_type == "Alert" else earlier)  # every earlier one still standing
        infos = root.findall("cap:info", NS)
        assert [info.findtext("cap:language", namespaces=NS) for info in infos] == ["zh-CN", "en"]
        for info in infos:
            assert info.findtext("cap:area/cap:geocode/cap:value", namespaces=NS) == "370102"
            if msg_type == "Cancel":
                assert info.findtext("cap:responseType", namespaces=NS) == "AllClear"
        identifier = root.findtext("cap:identifier", namespaces=NS) or ""
        assert identifier.startswith("370102000000") and len(identifier) == 30
        sent = root.findtext("cap:sent", namespaces=NS)
        earlier.append(f"{root.findtext('cap:sender', namespaces=NS)},{identifier},{sent}")
    first = _read(files[0]).find("cap:info", NS)
    assert first is not None
    assert first.findtext("cap:area/cap:circle", namespaces=NS) == "36.68800,117.10500 5"  # around the gauge
    assert (
        first.findtext("cap:description", namespaces=NS) == "小清河滨河桥水位站1小时变化率0.555m/h，达黄色预警值0.5m/h"
    )
    again = tmp_path / "again"
    CliRunner().invoke(
        cli.main, ["drill", "run", str(ROOT / "scenarios" / "flood-drill.yaml"), "--cap-out", str(again)]
    )
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in sorted(again.glob("*.xml"))]  # replayable


def test_the_profile_refuses_a_reference_to_nothing_published_and_an_expiry_before_the_start(tmp_path: Path) -> None:
    out = tmp_path / "cap"
    CliRunner().invoke(cli.main, ["drill", "run", str(ROOT / "scenarios" / "flood-drill.yaml"), "--cap-out", str(out)])
    update = sorted(out.glob("*-F0001-update-*.xml"))[0].read_text(encoding="utf-8")
    assert problems(update, []) and "which was not published before it" in problems(update, [])[0]
    root = _read(sorted(out.glob("*-F0001-update-*.xml"))[0])
    sent = root.findtext("cap:sent", namespaces=NS) or ""
    references = (root.findtext("cap:references", namespaces=NS) or "").split()
    backwards = update.replace("<expires>2026-07-15T21:10:00+08:00</expires>", f"<expires>{sent}</expires>")
    assert any("is not after effective" in problem for problem in problems(backwards, references))
    assert problems(update.replace("<msgType>Update</msgType>", "<msgType>Notice</msgType>"), references)


def _get(runtime: Runtime, path: str, token: str | None) -> tuple[int, str]:
    assert runtime.api is not None
    request = urllib.request.Request(
        runtime.api.url + path, headers={"Authorization": f"Bearer {token}"} if token else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8")


def test_a_live_warning_is_published_actual_in_the_atom_feed_of_its_area(runtime: Runtime, clock: VirtualClock) -> None:
    runtime.engine.ingest_payload(reading(3.7, START), "test")
    status, text = _get(runtime, "/cap/feed.xml?area=370102", "token-li-na")
    assert status == 200
    feed = ElementTree.fromstring(text)
    entries = feed.findall(f"{{{ATOM}}}entry")
    assert len(entries) == 1
    link = entries[0].find(f"{{{ATOM}}}link")
    assert link is not None and link.get("type") == "application/cap+xml"
    path = "/cap/alerts/" + link.get("href", "").rsplit("/cap/alerts/", 1)[1]
    status, alert = _get(runtime, path, "token-li-na")
    assert status == 200 and problems(alert.split("\n", 1)[1]) == []
    assert "<status>Actual</status>" in alert and "<msgType>Alert</msgType>" in alert
    assert _get(runtime, "/cap/feed.xml", None)[0] == 401
    assert _get(runtime, "/cap/feed.xml?area=370100", "token-li-na")[0] == 403  # the city: above her district
    assert _get(runtime, "/cap/feed.xml?area=37010", "token-li-na")[0] == 422
    status, city = _get(runtime, "/cap/feed.xml", "token-zhao")  # the city's officer reads the district's too
    assert status == 200 and len(ElementTree.fromstring(city).findall(f"{{{ATOM}}}entry")) == 1
    runtime.engine.ingest_payload(reading(3.0, START.replace(minute=5)), "test")
    _, text = _get(runtime, "/cap/feed.xml?area=370102", "token-li-na")
    titles = [
        entry.findtext(f"{{{ATOM}}}title") or "" for entry in ElementTree.fromstring(text).iter(f"{{{ATOM}}}entry")
    ]
    assert titles[0].startswith("Cancel: ") and titles[1].startswith("Alert: ")


@pytest.mark.parametrize("identifier", ["nothing", "../../etc/passwd"])
def test_an_unknown_message_is_not_found(runtime: Runtime, identifier: str) -> None:
    assert _get(runtime, f"/cap/alerts/{identifier}.xml", "token-li-na")[0] == 404


def test_every_cap_message_of_the_demo_validates(tmp_path: Path) -> None:
    out = tmp_path / "demo-cap"
    result = CliRunner().invoke(cli.main, ["demo", "--cap-out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob("*.xml"))
    assert len(files) >= 3 and f"{len(files)} CAP 1.2 messages" in result.output
    earlier: list[str] = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        schema().validate(text)
        assert problems(text, earlier) == []
        root = _read(file)
        sent = root.findtext("cap:sent", namespaces=NS)
        earlier.append(
            f"{root.findtext('cap:sender', namespaces=NS)},{root.findtext('cap:identifier', namespaces=NS)},{sent}"
        )
