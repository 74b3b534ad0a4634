"""Hostile and careless feed input: every bad payload is dead-lettered with its reason, the engine
carries on, and the valid readings around it are judged."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.decode import ReadingDecoder
from sensors.lines import line_batches
from tests.conftest import START, gauge_rules, make_runtime
from warning.app import Runtime
from warning.clock import VirtualClock
from warning.errors import ReadingRejected

AT = START.isoformat()


def _payload(**fields: object) -> bytes:
    body = {"sensor_id": "G1", "kind": "water_level", "value": 3.5, "unit": "m", "observed_at": AT} | fields
    return json.dumps(body).encode()


# (payload, words the dead letter's reason must contain)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "a huge finite value on a rule without a range gate": (_payload(value=1e308), "value: Input should be less"),
    "a negative huge value": (_payload(value=-1.7e308), "value: Input should be greater"),
    "year 1 in a positive offset (before UTC's year 1)": (
        _payload(observed_at="0001-01-01T00:00:00+08:00"),
        "outside the span a reading can have",
    ),
    "year 1 in UTC": (_payload(observed_at="0001-01-01T00:00:00+00:00"), "outside the span"),
    "year 9999 in a negative offset (after UTC's 9999)": (
        _payload(observed_at="9999-12-31T23:00:00-05:00"),
        "outside the span",
    ),
    "a Unix time before 1970": (_payload(observed_at=-86400), "outside the span"),
    "a Unix time beyond any datetime": (_payload(observed_at=1e300), "outside the span"),
    "a duplicated sensor_id": (
        b'{"sensor_id": "XX", "kind": "water_level", "value": 3.5, "sensor_id": "G1", "observed_at": "'
        + AT.encode()
        + b'"}',
        "key 'sensor_id' appears more than once",
    ),
    "a duplicated key written with an escape": (
        b'{"sensor_id": "XX", "kind": "water_level", "value": 3.5, "sensor\\u005fid": "G1", "observed_at": "'
        + AT.encode()
        + b'"}',
        "key 'sensor_id' appears more than once",
    ),
    "a duplicated value with a space before its colon": (
        b'{"sensor_id":"G1","kind":"water_level","value":9.9,"value" :3.5,"observed_at":"' + AT.encode() + b'"}',
        "key 'value' appears more than once",
    ),
    "invalid UTF-8": (b'{"sensor_id": "G1\xff\xfe", "kind": "water_level", "value": 3.5}', "not JSON"),
    "a NaN literal": (_payload().replace(b"3.5", b"NaN"), "value: Input should be a finite number"),
}


@pytest.fixture
def gauges(tmp_path: Path, sqlite_url: str) -> Iterator[tuple[Runtime, VirtualClock]]:
    """A runtime on the gauge rules, which have no quality gate (no range to stop a huge value)."""
    clock = VirtualClock(START)
    runtime = make_runtime(sqlite_url, clock, rules=gauge_rules(tmp_path))
    try:
        yield runtime, clock
    finally:
        runtime.close()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_payload_is_dead_lettered_and_the_next_reading_is_judged(
    case: str, gauges: tuple[Runtime, VirtualClock]
) -> None:
    runtime, _ = gauges
    payload, reason = HOSTILE[case]
    assert runtime.engine.ingest_payload(payload, "test") is None
    assert runtime.engine.ingest_payload(_payload(sensor_id="G2", value=3.2), "test") is not None
    letters = runtime.store.dead_letters()
    assert len(letters) == 1 and reason in letters[0].reason, letters[0].reason
    assert [row.code for row in runtime.store.incidents()] == ["F0001"]  # G2 above 3.0 opened its warning


def test_the_same_payloads_in_one_batch_each_get_their_own_verdict() -> None:
    decoder = ReadingDecoder({"G1"})
    payloads = [_payload(), *(payload for payload, _ in HOSTILE.values()), _payload(value=3.6)]
    verdicts = decoder.decode_many(payloads, START)
    assert [type(v).__name__ for v in verdicts] == ["Reading"] + ["ReadingRejected"] * len(HOSTILE) + ["Reading"]


def test_a_key_written_once_is_not_taken_for_a_duplicate_whatever_the_spacing_or_escapes() -> None:
    decoder = ReadingDecoder({"G1"})
    spaced = b'{ "sensor_id" : "G1" ,\n "kind"\t: "water:level",  "value" : 3.5, "observed_at" :"' + AT.encode() + b'"}'
    escaped = b'{"sensor_id": "G1", "kind": "water\\u005flevel", "value": 3.5, "observed_at": "' + AT.encode() + b'"}'
    colon_in_value = _payload(unit='m":')
    for payload in (spaced, escaped, colon_in_value):
        assert decoder.decode(payload, START).sensor_id == "G1"


key_names = st.sampled_from(["sensor_id", "kind", "value", "unit", "observed_at", "reading_id"])


VALUES = {"sensor_id": '"G1"', "kind": '"water_level"', "value": "3.5", "unit": '"m"', "observed_at": f'"{AT}"',
          "reading_id": '"r-1"'}  # fmt: skip
ESCAPED_UNDERSCORE = "\\u005f"


def _written(keys: list[str], space: str, escape: bool) -> bytes:
    """A reading object with these keys in this order (a key may repeat), spaced and escaped so."""
    names = [key.replace("_", ESCAPED_UNDERSCORE) if escape else key for key in keys]
    return ("{" + ",".join(f'"{n}"{space}:{space}{VALUES[k]}' for n, k in zip(names, keys, strict=True)) + "}").encode()


written_payloads = st.builds(
    _written,
    st.lists(key_names, max_size=4).flatmap(
        lambda more: st.permutations(["sensor_id", "kind", "value", "observed_at", *more])
    ),
    st.sampled_from(["", " ", "\n"]),
    st.booleans(),
)


@settings(max_examples=200)
@given(written_payloads)
def test_a_payload_is_refused_exactly_when_a_key_repeats(payload: bytes) -> None:
    text = payload.decode().replace(ESCAPED_UNDERSCORE, "_")
    repeated = any(text.count(f'"{key}"') > 1 for key in VALUES)
    try:
        ReadingDecoder({"G1"}).decode(payload, START)
    except ReadingRejected as rejected:
        assert repeated and "appears more than once" in rejected.reason, rejected.reason
        return
    assert not repeated


@settings(max_examples=100)
@given(st.lists(written_payloads, min_size=1, max_size=12))
def test_a_batch_refuses_exactly_the_payloads_refused_alone(payloads: list[bytes]) -> None:
    """The batch path checks keys over the whole batch at once: it must agree with each payload's own verdict."""
    decoder = ReadingDecoder({"G1"})
    batch = decoder.decode_many(payloads, START)
    for payload, verdict in zip(payloads, batch, strict=True):
        try:
            alone: object = decoder.decode(payload, START)
        except ReadingRejected as rejected:
            alone = rejected
        assert type(verdict) is type(alone), (payload, verdict, alone)


def test_unix_times_are_read_as_seconds_or_milliseconds_as_before() -> None:
    decoder = ReadingDecoder({"G1"})
    seconds = START.timestamp()
    for sent in (seconds, int(seconds), seconds * 1000):
        assert decoder.decode(_payload(observed_at=sent), START + timedelta(minutes=1)).observed_at == START


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["2026-07-14T20:00:00+08:00", "2026-07-14T12:00:00Z", "2026-07-14T20:00:00",
                                 "2026-07-14T07:00:00-05:00", "0001-01-01T00:00:00+08:00", "2026-07-14T20:00:00+05:45",
                                 "not a time", "2026-07-14T20:00:00+08:00:30"]), min_size=1, max_size=12))  # fmt: skip
def test_a_timestamp_read_again_gets_the_verdict_and_instant_it_got_first(texts: list[str]) -> None:
    """Timestamps are parsed once and kept (a feed's stations report at the same instants), with one
    shared tzinfo per offset: a text read again is the same instant in the same offset, or refused
    for the same reason; the instant is the standard library's."""
    decoder = ReadingDecoder({"G1"})
    first: dict[str, str] = {}
    for text in texts:
        try:
            at = decoder.decode(_payload(observed_at=text), START).observed_at
            verdict = at.isoformat()
            assert at == datetime.fromisoformat(text.replace("Z", "+00:00"))
            assert at.utcoffset() == datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset()
        except ReadingRejected as rejected:
            verdict = rejected.reason
        assert first.setdefault(text, verdict) == verdict


def test_readings_in_one_offset_share_its_tzinfo_and_many_offsets_still_parse() -> None:
    decoder = ReadingDecoder({"G1"})
    one = decoder.decode(_payload(observed_at="2026-07-14T19:50:00+08:00"), START).observed_at
    two = decoder.decode(_payload(observed_at="2026-07-14T20:00:00+08:00"), START).observed_at
    assert one.tzinfo is two.tzinfo  # compared field by field on the hot path
    for minutes in range(-600, 600, 3):  # more offsets than are shared: each still its own instant
        offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        text = f"2026-07-14T20:00:00{offset}"
        assert decoder.decode(_payload(observed_at=text), START + timedelta(days=1)).observed_at == (
            datetime.fromisoformat(text)
        )


hostile_payloads = st.one_of(
    st.sampled_from([payload for payload, _ in HOSTILE.values()]),
    st.binary(max_size=120),
    st.dictionaries(st.sampled_from(["sensor_id", "kind", "value", "observed_at", "unit", "x"]),
                    st.one_of(st.none(), st.floats(), st.integers(), st.text(max_size=20)), max_size=6)
    .map(lambda body: json.dumps(body).encode()),
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.booleans(), hostile_payloads), min_size=1, max_size=8))
def test_valid_readings_beside_hostile_payloads_are_all_judged(
    gauges: tuple[Runtime, VirtualClock], mixed: list[tuple[bool, bytes]]
) -> None:
    """Through the whole engine, as a feed delivers them: never an exception, every valid reading
    recorded as processed, every other payload dead-lettered with a reason."""
    runtime, clock = gauges

    def judged() -> int:
        with runtime.store.transaction() as tx:
            return sum(1 for r in tx.readings_since(START) if (r.sensor_id, r.value) == ("G1", 3.0))

    valid_sent, judged_before, letters_before = 0, judged(), len(runtime.store.dead_letters())
    for valid, hostile in mixed:
        at = clock.now() + timedelta(seconds=1)
        clock.advance_to(at)
        if valid:
            accepted = runtime.engine.ingest_payload(_payload(observed_at=at.isoformat(), value=3.0), "fuzz")
            assert accepted is not None
            valid_sent += 1
        else:
            runtime.engine.ingest_payload(hostile, "fuzz")  # may be valid by chance: either way, no exception
    assert judged() - judged_before >= valid_sent  # (a random payload may happen to be one too)
    assert all(letter.reason.strip() for letter in runtime.store.dead_letters()[letters_before:])


gauge_batches = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["G1", "G2", "G3"]), st.sampled_from([2.5, 2.9, 3.1, 3.6, 4.2, 5.3, 4.7, 2.7])).map(
            lambda item: ("reading", item)
        ),
        st.sampled_from([payload for payload, _ in HOSTILE.values()]).map(lambda payload: ("hostile", payload)),
        st.just(("again", None)),  # the previous reading once more: a redelivery
    ),
    min_size=1,
    max_size=25,
)


# What the dispatcher decides when it sends: a batch sends once, after its last reading, so a page
# and a lift notice to one person may go as one message where one by one they went as two.
SENDING = {"budget_held", "notification_held_for_bundle", "drill_guard_blocked", "page_replanned"}


def _deciding(runtime: Runtime) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """What the readings decided (incidents, escalations, gates, dead letters), in order, and which
    readings were recognised as redelivered (one decision per batch names them all)."""
    decisions = runtime.store.decisions()
    deciding = [
        (row.kind, row.data)
        for row in decisions
        if not row.kind.startswith("notification") and row.kind not in SENDING | {"readings_redelivered"}
    ]
    again = [row for row in decisions if row.kind == "readings_redelivered"]
    redelivered = [reading for row in again for reading in row.data["readings"]]
    return deciding, redelivered


@settings(max_examples=40, deadline=None)
@given(gauge_batches)
def test_a_batch_decides_exactly_what_its_readings_decide_one_by_one(tmp_path_factory: Any, items: Any) -> None:
    payloads: list[tuple[str, bytes]] = []
    for number, (kind, item) in enumerate(items):
        at = (START + timedelta(minutes=number)).isoformat()
        if kind == "reading":
            payloads.append((f"feed:{number}", _payload(sensor_id=item[0], value=item[1], observed_at=at)))
        elif kind == "hostile":
            payloads.append((f"feed:{number}", item))
        elif payloads:
            payloads.append((f"feed:{number}", payloads[-1][1]))
    outcomes = []
    for batched in (False, True):
        directory = tmp_path_factory.mktemp("batch")
        clock = VirtualClock(START + timedelta(minutes=len(items)))
        runtime = make_runtime(f"sqlite:///{directory / 'w.db'}", clock, rules=gauge_rules(directory))
        try:
            if batched:
                runtime.engine.ingest_payloads(payloads)
            else:
                for source, payload in payloads:
                    runtime.engine.ingest_payload(payload, source)
            incidents = [(i.code, i.station_id, i.level, i.status) for i in runtime.store.incidents()]
            letters = [(d.source, d.reason) for d in runtime.store.dead_letters()]
            outcomes.append((_deciding(runtime), incidents, letters))
        finally:
            runtime.close()
    assert outcomes[0] == outcomes[1]


def test_lines_come_in_batches_of_at_most_the_size_in_order() -> None:
    stream = io.BytesIO(b"".join(f"line {n}\n".encode() for n in range(1, 1201)))
    batches = list(line_batches(stream, most=500, wait=1.0))
    assert [len(batch) for batch in batches] == [500, 500, 200]
    assert [number for batch in batches for number, _ in batch] == list(range(1, 1201))
    assert batches[2][-1] == (1200, b"line 1200\n")


def test_a_batch_does_not_wait_for_lines_that_have_not_come() -> None:
    """Standard input trickling: the lines at hand go as a batch, the stream staying open."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        batches = line_batches(reader, most=500, wait=0.05)
        writer.write(b"a\nb\nc\n")
        writer.flush()
        assert next(batches) == [(1, b"a\n"), (2, b"b\n"), (3, b"c\n")]
        writer.write(b"d\n")
        writer.close()
        assert list(batches) == [[(4, b"d\n")]]
