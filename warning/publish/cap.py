"""A warning as an OASIS CAP 1.2 message, in the national profile's style (GB/T 35965): identifiers
made of the warning's area code and the time, an `info` block in zh-CN and one in en, the area by its
GB/T 2260 geocode with a circle around the station that warned, severity, urgency and certainty from
the rule. Every message is checked against the OASIS schema (`sensors/schemas/CAP-v1.2.xsd`, as OASIS
publishes it) and against the profile's rules before it is kept (`problems`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from functools import cache
from importlib.resources import files
from typing import Any
from xml.etree import ElementTree

import xmlschema

from warning.catalogue import LANGUAGES, N_, say
from warning.dispatch.messages import level_words
from warning.domain import Level, hazard_names

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
SEVERITY = {Level.red: "Extreme", Level.orange: "Severe", Level.yellow: "Moderate", Level.blue: "Minor"}
VALID_FOR = timedelta(hours=24)  # a warning not renewed or cancelled by then has lapsed for its readers
STATION_RADIUS_KM = 5.0


@cache
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(files("sensors") / "schemas" / "CAP-v1.2.xsd"))


@dataclass(frozen=True, slots=True)
class Publisher:
    """Who publishes: CAP's `sender` (unique to the originator) and `senderName` in each language."""

    sender: str
    name: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Warned:
    """A warning as it stands after the decision that publishes it."""

    code: str
    hazard: str
    area: str
    area_name: Mapping[str, str]
    level: Level  # for a Cancel: the level it leaves
    exercise: bool
    title: Mapping[str, str]
    description: Mapping[str, str]
    cap: Mapping[str, Any]  # the rule's CAP fields (warning/rulebook/content.py)
    location: tuple[float, float] | None  # [longitude, latitude] of the station that warned


@dataclass(frozen=True, slots=True)
class Issued:
    """A message already published about the warning: what a later one references."""

    identifier: str
    sent: datetime
    expires: datetime


def reference(sender: str, issued: Issued, zone: tzinfo) -> str:
    return f"{sender},{issued.identifier},{cap_time(issued.sent, zone)}"


def cap_time(at: datetime, zone: tzinfo) -> str:
    """CAP's dateTime: seconds, an explicit offset (never Z), in the publisher's time zone."""
    text = at.astimezone(zone).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def identifier_for(area: str, sent: datetime, serial: int, zone: tzinfo) -> str:
    """GB/T 35965 style: the 12-digit code of the warning's area, the time sent, a serial number."""
    return f"{area.ljust(12, '0')}{sent.astimezone(zone):%Y%m%d%H%M%S}{serial % 10000:04d}"


_HEADLINE = N_("{level} {hazard} warning {code}")
_CANCEL_HEADLINE = N_("{level} {hazard} warning {code} lifted")


def build(
    publisher: Publisher,
    warned: Warned,
    msg_type: str,
    identifier: str,
    sent: datetime,
    earlier: Sequence[Issued],
    zone: tzinfo,
) -> tuple[str, datetime]:
    """The message's XML and its expiry. `earlier`: the warning's messages not yet expired, which an
    Update or Cancel references (all of them: each may have reached a different reader)."""
    expires = sent + VALID_FOR if msg_type != "Cancel" else sent + timedelta(hours=1)
    alert = ElementTree.Element(f"{{{NAMESPACE}}}alert")
    _add(alert, "identifier", identifier)
    _add(alert, "sender", publisher.sender)
    _add(alert, "sent", cap_time(sent, zone))
    _add(alert, "status", "Exercise" if warned.exercise else "Actual")
    _add(alert, "msgType", msg_type)
    _add(alert, "scope", "Public")
    if warned.exercise:
        _add(alert, "note", "演练 Exercise")
    if msg_type != "Alert" and earlier:
        _add(alert, "references", " ".join(reference(publisher.sender, issued, zone) for issued in earlier))
    _add(alert, "incidents", warned.code)
    cap = warned.cap
    for language in LANGUAGES:
        info = _add(alert, "info")
        _add(info, "language", language)
        _add(info, "category", str(cap.get("category") or "Other"))
        _add(info, "event", warned.title.get(language) or warned.title.get("en") or warned.code)
        response = ["AllClear"] if msg_type == "Cancel" else list(cap.get("responseType") or ["Monitor"])
        for kind in response:
            _add(info, "responseType", kind)
        _add(info, "urgency", "Past" if msg_type == "Cancel" else str(cap.get("urgency") or "Immediate"))
        _add(info, "severity", str(cap.get("severity") or SEVERITY[warned.level]))
        _add(info, "certainty", str(cap.get("certainty") or "Observed"))
        _pair(info, "eventCode", "GB/T 35965 level", warned.level.value)
        _add(info, "effective", cap_time(sent, zone))
        _add(info, "expires", cap_time(expires, zone))
        _add(info, "senderName", publisher.name.get(language) or publisher.sender)
        words = {"level": level_words(warned.level), "code": warned.code, "hazard": hazard_names(warned.hazard)}
        headline = _CANCEL_HEADLINE if msg_type == "Cancel" else _HEADLINE
        _add(info, "headline", say(language, headline, **words))
        _add(info, "description", warned.description.get(language) or warned.description.get("en") or warned.code)
        instruction = (cap.get("instruction") or {}).get(language)
        if instruction and msg_type != "Cancel":
            _add(info, "instruction", instruction)
        area = _add(info, "area")
        _add(area, "areaDesc", warned.area_name.get(language) or warned.area)
        if warned.location is not None:
            longitude, latitude = warned.location
            _add(area, "circle", f"{latitude:.5f},{longitude:.5f} {STATION_RADIUS_KM:g}")
        _pair(area, "geocode", "GB/T 2260", warned.area[:6])
        if len(warned.area) == 12:
            _pair(area, "geocode", "GB/T 2260 township", warned.area)
    # The default namespace given here, not registered globally (the Atom feed has its own).
    return ElementTree.tostring(alert, encoding="unicode", default_namespace=NAMESPACE), expires


def _add(parent: ElementTree.Element, name: str, text: str | None = None) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
    if text is not None:
        element.text = text
    return element


def _pair(parent: ElementTree.Element, name: str, value_name: str, value: str) -> None:
    """<name><valueName>…</valueName><value>…</value></name>"""
    holder = _add(parent, name)
    _add(holder, "valueName", value_name)
    _add(holder, "value", value)


def problems(xml: str, earlier_keys: Sequence[str] = ()) -> list[str]:
    """Why `xml` is not a message we may publish: the OASIS CAP 1.2 schema's errors, then the profile's
    rules (references name earlier messages, an Update or Cancel references something, expires after
    effective, no empty info)."""
    found = [f"schema: {error.reason} at {error.path}" for error in schema().iter_errors(xml)]
    if found:
        return found
    root = ElementTree.fromstring(xml)
    ns = {"cap": NAMESPACE}
    msg_type = root.findtext("cap:msgType", namespaces=ns)
    references = (root.findtext("cap:references", namespaces=ns) or "").split()
    if msg_type in ("Update", "Cancel") and not references:
        found.append(f"an {msg_type} references no earlier message")
    for ref in references:
        if ref not in earlier_keys:
            found.append(f"references {ref}, which was not published before it")
    infos = root.findall("cap:info", ns)
    if not infos:
        found.append("no info block")
    for info in infos:
        language = info.findtext("cap:language", namespaces=ns)
        effective = info.findtext("cap:effective", namespaces=ns)
        expires = info.findtext("cap:expires", namespaces=ns)
        if effective and expires and datetime.fromisoformat(expires) <= datetime.fromisoformat(effective):
            found.append(f"info {language}: expires {expires} is not after effective {effective}")
        if not (info.findtext("cap:headline", namespaces=ns) and info.findtext("cap:description", namespaces=ns)):
            found.append(f"info {language} says nothing (no headline or description)")
        if not info.findall("cap:area", ns):
            found.append(f"info {language} names no area")
    return found
