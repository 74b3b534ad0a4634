"""CAP 1.2 warnings from the meteorological bureau (`POST /api/cap`), as readings of the areas they
name, so that the bureau's rainstorm or typhoon warning opens, raises, lowers and lifts a warning in
each district like any rule does, and compounds can combine it with our own gauges.

A message is validated against the OASIS CAP 1.2 schema (`schemas/CAP-v1.2.xsd`, as OASIS publishes
it) with entities and external resources refused, then read:

- each `<info>` names a hazard in its `<event>` (the China Meteorological Administration's warning
  types, in Chinese or English: 暴雨 / Rainstorm, 台风 / Typhoon ...) and a level in its `<severity>`
  (Minor blue, Moderate yellow, Severe orange, Extreme red: the mapping of GB/T 35965);
- each `<area>` names a district by a `<geocode>` holding its GB/T 2260 code (6 digits; a 12-digit
  township code stands for its district);
- so an Alert gives, per area, a reading of kind `met_<hazard>` from the area's bureau station
  `MET-<code>`, valued 1 to 4 (blue to red) at the message's `sent`, standing until its `expires`
  (and no longer than the rule's `lapse_after` without an Update);
- an Update replaces the messages in its `references`: their areas it no longer names fall to 0;
- a Cancel lowers every area of the messages it references (and any it names) to 0.

Stations `MET-<code>` are in the station catalogue like gauges; an area without one is refused by
name. Only `Actual` messages act: Exercise, System, Test and Draft messages, and Ack and Error
messages, change nothing on a live engine. A message is recognised when it comes again: its readings
are identified by the message (sender, identifier, sent) and the area.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any
from xml.etree.ElementTree import Element
from xml.sax import SAXException

import xmlschema
from xmlschema.exceptions import XMLResourceBlocked, XMLResourceError, XMLResourceForbidden

from sensors.body import BodyRefused, Item
from warning.errors import ReadingRejected

_NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
ERRORS_SHOWN = 5

# The CMA's warning types (气象灾害预警信号), by their Chinese and English names; longer names first,
# so that 雷雨大风 is not read as 大风, nor 沙尘暴 as 沙尘.
HAZARDS: dict[str, str] = {
    "雷雨大风": "thunderstorm_gale", "thunderstorm gale": "thunderstorm_gale",
    "道路结冰": "road_icing", "road icing": "road_icing",
    "森林火险": "forest_fire", "forest fire": "forest_fire",
    "沙尘暴": "sandstorm", "sandstorm": "sandstorm",
    "台风": "typhoon", "typhoon": "typhoon",
    "暴雨": "rainstorm", "rainstorm": "rainstorm",
    "暴雪": "blizzard", "blizzard": "blizzard",
    "寒潮": "cold_wave", "cold wave": "cold_wave",
    "大风": "gale", "gale": "gale",
    "高温": "heat_wave", "heat wave": "heat_wave",
    "干旱": "drought", "drought": "drought",
    "雷电": "lightning", "lightning": "lightning",
    "冰雹": "hail", "hail": "hail",
    "霜冻": "frost", "frost": "frost",
    "大雾": "fog", "fog": "fog",
    "霾": "haze", "haze": "haze",
}  # fmt: skip
LEVELS = {"Minor": 1, "Moderate": 2, "Severe": 3, "Extreme": 4}  # blue, yellow, orange, red
_AREA_CODE = re.compile(r"^\d{6}(\d{6})?$")
_IGNORED_STATUS = ("Exercise", "System", "Test", "Draft")


@cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(files("sensors") / "schemas" / "CAP-v1.2.xsd"))


def message_key(sender: str, identifier: str, sent: str) -> str:
    """How CAP names a message in `references`: sender,identifier,sent."""
    return f"{sender},{identifier},{sent}"


def reading_prefix(key: str) -> str:
    """The start of the reading ids of one message: its readings are found by it when a later message
    references it. A digest, since CAP identifiers and senders may be long."""
    return f"cap:{hashlib.sha256(key.encode()).hexdigest()[:24]}:"


@dataclass(frozen=True, slots=True)
class AreaWarning:
    """One info block's warning for one area."""

    area: str
    hazard: str
    level: int
    expires: str | None


@dataclass(frozen=True, slots=True)
class CapMessage:
    key: str
    status: str
    msg_type: str
    sent: str
    references: tuple[str, ...]
    warnings: tuple[AreaWarning, ...]
    refusals: tuple[tuple[str, str], ...]  # (where, why): an info or area that names nothing we can judge


def _text(element: Element, path: str) -> str | None:
    found = element.find(path, _NS)
    return None if found is None or found.text is None else found.text.strip()


def _hazard(event: str) -> str | None:
    lowered = event.lower()
    return next((hazard for name, hazard in HAZARDS.items() if name in lowered), None)


def _area_codes(area: Element) -> list[str]:
    values = (value.text.strip() for value in area.iterfind("cap:geocode/cap:value", _NS) if value.text)
    return sorted({value[:6] for value in values if _AREA_CODE.match(value)})


def _warnings(info: Element, where: str) -> tuple[list[AreaWarning], list[tuple[str, str]]]:
    event, severity = _text(info, "cap:event") or "", _text(info, "cap:severity") or ""
    hazard = _hazard(event)
    if hazard is None:
        known = "、".join(name for name in HAZARDS if not name.isascii())
        return [], [(where, f"event {event!r} is not a meteorological warning type this engine reads ({known})")]
    if severity not in LEVELS:
        return [], [(where, f"severity {severity!r} gives no warning level (Minor, Moderate, Severe or Extreme)")]
    warnings, refusals = [], []
    for number, area in enumerate(info.iterfind("cap:area", _NS), start=1):
        codes = _area_codes(area)
        if not codes:
            description = _text(area, "cap:areaDesc") or ""
            refusals.append((f"{where} area {number}", f"area {description!r} has no GB/T 2260 code in a geocode"))
        expires = _text(info, "cap:expires")
        warnings += [AreaWarning(code, hazard, LEVELS[severity], expires) for code in codes]
    return warnings, refusals


def parse_message(body: bytes) -> CapMessage:
    """The message, or BodyRefused saying why it is not a CAP 1.2 alert (its schema errors by path)."""
    try:
        # A file object: bytes given as such may be taken for a URL or a path to open.
        resource = xmlschema.XMLResource(io.BytesIO(body), defuse="always", allow="none")
    except (XMLResourceForbidden, XMLResourceBlocked) as exc:
        raise BodyRefused(f"not accepted as CAP: {exc}") from None
    except (XMLResourceError, ValueError, LookupError, SAXException) as exc:  # LookupError: an unknown encoding
        raise BodyRefused(f"not XML: {exc}") from None
    errors = list(_schema().iter_errors(resource))
    if errors:
        shown = "; ".join(f"{error.path or '/'}: {error.reason}" for error in errors[:ERRORS_SHOWN])
        more = f" (and {len(errors) - ERRORS_SHOWN} more)" if len(errors) > ERRORS_SHOWN else ""
        raise BodyRefused(f"not a valid CAP 1.2 alert: {shown}{more}")
    root: Any = resource.root
    sender, identifier, sent = (_text(root, f"cap:{name}") or "" for name in ("sender", "identifier", "sent"))
    references = tuple((_text(root, "cap:references") or "").split())
    warnings: list[AreaWarning] = []
    refusals: list[tuple[str, str]] = []
    for number, info in enumerate(root.iterfind("cap:info", _NS), start=1):
        found, refused = _warnings(info, f"info {number}")
        warnings += found
        refusals += refused
    return CapMessage(
        key=message_key(sender, identifier, sent), status=_text(root, "cap:status") or "",
        msg_type=_text(root, "cap:msgType") or "", sent=sent, references=references,
        warnings=tuple(warnings), refusals=tuple(refusals),
    )  # fmt: skip


# The stations and kinds an earlier message's readings were of, found by their id prefix.
EarlierReadings = Callable[[Iterable[str]], set[tuple[str, str]]]


def message_items(message: CapMessage, earlier: EarlierReadings) -> list[Item]:
    """The readings one message gives (see the module's description), or why a part gives none."""
    if message.status in _IGNORED_STATUS or message.msg_type in ("Ack", "Error"):
        return []
    prefix = reading_prefix(message.key)
    levels: dict[tuple[str, str], AreaWarning] = {}
    for warning in message.warnings:  # one message in two languages names an area twice: the higher level
        key = (f"MET-{warning.area}", f"met_{warning.hazard}")
        if key not in levels or warning.level > levels[key].level:
            levels[key] = warning
    if message.msg_type == "Cancel":
        levels = {}
    before = earlier(reading_prefix(reference) for reference in message.references) if message.references else set()
    items = [Item(where, ReadingRejected(why, message.key)) for where, why in message.refusals]
    if message.references and not before and message.msg_type != "Alert":
        why = f"{message.msg_type} of {' '.join(message.references)}: none of them was received here; nothing to follow"
        items.append(Item("references", ReadingRejected(why, message.key)))
    named = set(levels)
    for (sensor, kind), warning in sorted(levels.items()):
        reading = {"reading_id": f"{prefix}{sensor}:{kind}", "sensor_id": sensor, "kind": kind,
                   "value": float(warning.level), "observed_at": message.sent}  # fmt: skip
        if warning.expires is not None:
            reading["valid_until"] = warning.expires
        items.append(Item(f"{sensor} {kind}", reading))
    cancelled = {(sensor, kind) for sensor, kind in before if (sensor, kind) not in named}
    if message.msg_type == "Cancel":
        cancelled |= {(f"MET-{w.area}", f"met_{w.hazard}") for w in message.warnings}
    for sensor, kind in sorted(cancelled):
        reading = {"reading_id": f"{prefix}{sensor}:{kind}", "sensor_id": sensor, "kind": kind, "value": 0.0,
                   "observed_at": message.sent}  # fmt: skip
        items.append(Item(f"{sensor} {kind}", reading))
    return items


def cap_items(body: bytes, earlier: EarlierReadings) -> list[Item]:
    """One message's readings; the message refused whole (BodyRefused) when it is not CAP 1.2."""
    return message_items(parse_message(body), earlier)
