"""Domain types shared by every stage of the pipeline. Pure: no I/O, no clock.

Every value that crosses a boundary (a feed, the database, the API, a notifier) is one of these
pydantic models, frozen so that a value handed downstream cannot change under its receiver.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any

import pydantic
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, computed_field
from pydantic_core import PydanticCustomError

from warning.areas import normal_area_code

NAIVE_TIMESTAMP = "timestamp must carry a time zone (e.g. 2026-07-14T20:00:00+08:00)"


# Readings and every other instant the engine stores lie in this span: earlier or later ones are
# typing mistakes or corrupt clocks, and near the ends of Python's datetime range arithmetic (a
# window's start, a conversion to UTC for the database) would overflow.
EARLIEST_INSTANT = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NAIVE_TIMESTAMP)
    if not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise ValueError(f"{value.isoformat()} is outside the span the engine handles (1970 to 9000)")
    return value


# An instant with a time zone, between 1970 and 9000, for every setting and request that names one;
# its schema says so (years 1971 to 8998, whatever the offset) for clients and the API's fuzz test.
AWARE_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^(197[1-9]|19[89]\d|[2-7]\d{3}|8[0-8]\d{2}|89[0-8]\d)-",
}
AwareDatetime = Annotated[datetime, AfterValidator(_aware), WithJsonSchema(AWARE_SCHEMA)]


# GB/T 2260 administrative division code (2 digits province, 2 city, 2 district), or below a
# district the 12-digit statistical code of a street or community (warning/areas.py).
AreaCode = Annotated[
    str,
    AfterValidator(normal_area_code),  # says what an area code looks like, better than a pattern would
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{6}(000000|(00[1-9]|0[1-9]\d|[1-9]\d{2})\d{3})?$",
            "description": "GB/T 2260 code, or a 12-digit street or community code",
        }
    ),
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(StrEnum):
    """Pre-event warning levels of the PRC Emergency Response Law: red (I) is the highest."""

    blue = "blue"
    yellow = "yellow"
    orange = "orange"
    red = "red"

    @property
    def rank(self) -> int:
        """1 for blue up to 4 for red, so that levels compare by severity."""
        return _LEVEL_RANK[self]

    @property
    def roman(self) -> str:
        return _LEVEL_ROMAN[self]

    @property
    def zh(self) -> str:
        return _LEVEL_ZH[self]

    @property
    def label(self) -> str:
        return f"{self.value} ({self.roman})"


_LEVEL_RANK = {Level.blue: 1, Level.yellow: 2, Level.orange: 3, Level.red: 4}
_LEVEL_ROMAN = {Level.blue: "IV", Level.yellow: "III", Level.orange: "II", Level.red: "I"}
_LEVEL_ZH = {Level.blue: "蓝色", Level.yellow: "黄色", Level.orange: "橙色", Level.red: "红色"}


# How a hazard (a rule file's `hazard`) is named to people, in English and Chinese.
HAZARD_NAMES: dict[str, tuple[str, str]] = {
    "flood": ("flood", "洪水"),
    "gas": ("gas", "燃气"),
    "traffic": ("traffic", "交通"),
    "waterlogging": ("waterlogging", "内涝"),
    "weather": ("weather", "气象"),
}


def hazard_names(hazard: str) -> dict[str, str]:
    """The hazard's name in each language (an unknown one as its key): a catalogue field value."""
    en, zh = HAZARD_NAMES.get(hazard, (hazard, hazard))
    return {"en": en, "zh-CN": zh}


def hazard_name(hazard: str, language: str) -> str:
    """The hazard's name in `language` (zh-CN or en); an unknown one as its key."""
    en, zh = HAZARD_NAMES.get(hazard, (hazard, hazard))
    return zh if language == "zh-CN" else en


# Rank with None (no warning) as 0: a dict, for hot paths that cannot afford a call.
LEVEL_RANKS: dict[Level | None, int] = {None: 0} | _LEVEL_RANK


def level_rank(level: Level | None) -> int:
    """Rank with None (no warning) as 0."""
    return LEVEL_RANKS[level]


class Channel(StrEnum):
    sms = "sms"
    voice = "voice"
    console = "console"
    webhook = "webhook"


# Pydantic's reading of a number as a timestamp: seconds since 1970, or milliseconds beyond this.
_MILLISECONDS_FROM = 2e10


# One tzinfo object per UTC offset seen: datetimes that share a tzinfo object are compared and
# subtracted field by field (0.06 us), those with equal but distinct ones through utcoffset() calls
# (0.5 us), and every parsed timestamp gets a fresh one. Bounded: a feed cannot grow it for ever.
_ZONES: dict[tzinfo, tzinfo] = {}
_MOST_ZONES = 200
# The timestamps parsed lately: a feed's stations report at the same instants, so most texts have been
# parsed already (a datetime is immutable: readings may share one).
_PARSED: dict[str, datetime] = {}
_MOST_PARSED = 4096


def _out_of_range(text: object) -> PydanticCustomError:
    problem = "{text} is outside the span a reading can have (1970 to 9000)"
    return PydanticCustomError("timestamp_range", problem, {"text": repr(text)})


def _timestamp(value: object) -> object:
    """An ISO 8601 text parsed by the standard library (or a Unix time, as pydantic reads it),
    checked to lie between 1970 and 9000; anything else left to pydantic's own checks.

    Readings are compared several times each (order, windows, clock skew) on the hot path of every
    feed: each offset gets one shared tzinfo (see _ZONES). The aware-datetime check still follows.
    """
    if isinstance(value, str):
        known = _PARSED.get(value)
        if known is not None:
            return known
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            problem = "{text} is not an ISO 8601 timestamp with a time zone, e.g. 2026-07-14T20:00:00+08:00"
            raise PydanticCustomError("timestamp", problem, {"text": repr(value)}) from None
        # Compared exactly only near the span's ends (the year is cheap; an aware comparison is not).
        # fromisoformat gives a fixed offset or none: a naive one is refused by the aware check after.
        zone = parsed.tzinfo
        if zone is None:
            return parsed
        if not 1970 < parsed.year < 8999 and not EARLIEST_INSTANT <= parsed < LATEST_INSTANT:
            raise _out_of_range(value)
        if zone is not UTC:
            shared = _ZONES.get(zone)
            if shared is None and len(_ZONES) < _MOST_ZONES:
                shared = _ZONES[zone] = zone
            if shared is not None and shared is not zone:
                parsed = parsed.astimezone(shared)  # the same instant, in the offset's one shared tzinfo
        if len(_PARSED) >= _MOST_PARSED:
            _PARSED.clear()
        _PARSED[value] = parsed
        return parsed
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
        if abs(seconds) > _MILLISECONDS_FROM:
            seconds /= 1000
        if not EARLIEST_INSTANT.timestamp() <= seconds < LATEST_INSTANT.timestamp():  # NaN fails too
            raise _out_of_range(value)
        return datetime.fromtimestamp(seconds, UTC)
    return value


# No sensor of any kind reports beyond this in its unit: a larger number is a corrupt payload, and
# sums, rates and the rule bands' micro-unit scale would overflow on it.
LARGEST_READING_VALUE = 1e15
# A number in a sensor's unit, as readings, thresholds and stages carry it: finite (a NaN threshold
# never fires, an infinite one never clears) and within the largest value a reading may have.
Measurement = Annotated[float, Field(allow_inf_nan=False, ge=-LARGEST_READING_VALUE, le=LARGEST_READING_VALUE)]


class Reading(Frozen):
    """One validated sensor observation, exactly as a feed must send it (JSON object).

    Strict where guessing would be dangerous: a value sent as a string is an error, NaN and
    infinity are errors, a timestamp without a time zone is an error. `reading_id` identifies the
    reading for redelivery; when a feed does not send one it is `sensor_id@kind@observed_at`: a
    sensor has one value of a kind per instant (a traffic detector reports speed and occupancy at
    the same instant, two readings).
    """

    # The id as the feed sent it (field `reading_id` in the payload); read `reading_id`, which
    # derives one when none was sent. Derived lazily: a validator would run Python for every
    # reading of every feed, and most readings are judged without anyone asking for their id.
    sent_id: str = Field(default="", max_length=200, alias="reading_id", exclude=True)
    sensor_id: str = Field(min_length=1, max_length=100)
    kind: str = Field(min_length=1, max_length=50)
    value: Annotated[
        float,
        Field(strict=True, allow_inf_nan=False, ge=-LARGEST_READING_VALUE, le=LARGEST_READING_VALUE),
    ]
    unit: str | None = Field(default=None, max_length=20)
    observed_at: Annotated[pydantic.AwareDatetime, BeforeValidator(_timestamp)]
    # An event that says how long it stands (a meteorological bureau's alert until it expires): a
    # rule of events lifts its warning then, if that is sooner than `lapse_after` from the event.
    valid_until: Annotated[pydantic.AwareDatetime | None, BeforeValidator(_timestamp)] = None

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def reading_id(self) -> str:
        return self.sent_id or f"{self.sensor_id}@{self.kind}@{self.observed_at.isoformat()}"


class Threshold(Frozen):
    """The band a detection was judged against. Rising: fire at or above `above`, clear below
    `clear_below`. Falling (speed collapse, low reservoir): fire at or below `below`, clear above
    `clear_above`."""

    level: Level
    above: Measurement | None = None
    clear_below: Measurement | None = None
    below: Measurement | None = None
    clear_above: Measurement | None = None

    @property
    def rising(self) -> bool:
        return self.above is not None

    def fire_text(self, unit: str) -> str:
        """'at or above the yellow threshold 3.5 m' (or 'at or below ...' for a falling threshold)."""
        way, value = ("above", self.above) if self.rising else ("below", self.below)
        return f"at or {way} the {self.level.value} threshold {value:g}{unit}"

    def clear_text(self, unit: str) -> str:
        """'below the yellow clear level 3.3 m' (or 'above ...' for a falling threshold)."""
        way, value = ("below", self.clear_below) if self.rising else ("above", self.clear_above)
        return f"{way} the {self.level.value} clear level {value:g}{unit}"


class Detection(Frozen):
    """A rule's verdict on one reading: the warning level its key should now be at, with evidence."""

    rule_id: str
    rule_version: str
    hazard: str
    key: str
    station_id: str
    station_name: str
    area: AreaCode
    level: Level | None
    previous_level: Level | None
    # None for a no-data detection: silence has no reading.
    reading: Reading | None
    thresholds: tuple[Threshold, ...]
    reason: str
    signal_value: float | None
    no_data: bool = False
    # CAP info fields and localized texts: {"cap": {...}, "text": {"zh-CN": ..., "en": ...}}
    content: dict[str, Any] = Field(default_factory=dict)
    # CAP certainty: Observed, or Possible when a failed quality gate was set to lower certainty.
    certainty: str = "Observed"
    quality: tuple[str, ...] = ()


class IncidentStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    lifted = "lifted"


class Person(Frozen):
    id: str
    name: str
    name_zh: str | None = None
    phone: str = Field(pattern=r"^\+\d{6,15}$")
    department: str
    language: str = "zh-CN"


class Department(Frozen):
    id: str
    name: str
    kind: str
    area: AreaCode


class Incident(Frozen):
    """An incident as the board and the API show it."""

    model_config = ConfigDict(frozen=True, extra="forbid", from_attributes=True)

    id: int
    code: str
    key: str
    rule_id: str
    hazard: str
    area: AreaCode
    station_id: str
    level: Level
    status: IncidentStatus
    opened_at: AwareDatetime
    exercise: bool
    title: str
    reason: str
    content: dict[str, Any] = Field(default_factory=dict)
    acknowledged_by: str | None = None
    acknowledged_at: AwareDatetime | None = None
    lifted_at: AwareDatetime | None = None
    # Each engaged policy's escalation: its department kind and state (active, exhausted,
    # acknowledged, stopped), so the board shows which departments still owe an acknowledgement.
    escalations: list[dict[str, str]] = Field(default_factory=list)
    silenced: str | None = None  # the silence or maintenance window holding its pages, if any
    causes: list[dict[str, str]] = Field(default_factory=list)  # its standing causes: rule, station, level, title
    hand_level: Level | None = None  # the level a dispatcher set by hand, while it holds
    report: dict[str, Any] | None = None  # a manual incident's source, description, location, callback
    created_by: str | None = None  # the user who opened it by hand


class NotificationPurpose(StrEnum):
    page = "page"
    update = "update"
    lifted = "lifted"
    inform = "inform"  # for information, no acknowledgement asked (e.g. the province at red)


class Notification(Frozen):
    """One message to one person by one channel, identified by its idempotency key."""

    id: int
    idempotency_key: str
    incident_id: int
    incident_code: str
    person_id: str
    phone: str
    channel: Channel
    purpose: NotificationPurpose
    language: str
    text: str
    exercise: bool
    # The text's kind and placeholder values (for a provider sending registered templates), and the
    # provider this attempt goes through.
    parts: dict[str, Any] | None = None
    provider: str | None = None


class AckSource(StrEnum):
    sms_reply = "sms_reply"
    keypress = "keypress"
    api = "api"
    console = "console"
    phone = "phone"  # the officer phoned the command centre; a dispatcher recorded it for them


class Acknowledgement(Frozen):
    """Someone said "I have it" for an incident, by some channel, at some time."""

    incident_code: str
    person_id: str
    source: AckSource
    at: AwareDatetime
    by: str | None = None  # the user who recorded it on the person's behalf
    note: str | None = None


class DeadLetter(Frozen):
    """Input that could not become a Reading, kept with the reason so nothing is lost."""

    source: str
    payload: str
    reason: str
    received_at: AwareDatetime


# The longest duration any setting needs (a backtest over years of data); a longer one is a typo,
# and timedelta itself overflows at about 2.7 million years.
LONGEST_DURATION = timedelta(days=3660)


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '2h', '1h30m' -> timedelta. Raises ValueError with a hint."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    hint = f"duration {text[:40]!r}: write it like 30s, 15m, 2h or 1h30m"
    total, number = 0, ""
    for char in text.strip()[:41]:  # longer is never a duration, and int() of a huge text is slow
        if char in "0123456789":
            number += char
        elif char in units and number:
            total += int(number) * units[char]
            number = ""
        else:
            raise ValueError(hint)
    if number or total <= 0 or len(text.strip()) > 40:
        raise ValueError(hint)
    if total > LONGEST_DURATION.total_seconds():
        raise ValueError(f"duration {text!r} is longer than {LONGEST_DURATION.days} days")
    return timedelta(seconds=total)


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def duration_field(value: Any) -> timedelta:
    """Pydantic before-validator body: accept '15m' style strings or timedelta."""
    if isinstance(value, timedelta):
        if not -LONGEST_DURATION <= value <= LONGEST_DURATION:
            raise ValueError(f"duration {value} is longer than {LONGEST_DURATION.days} days")
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError("duration must be written like 30s, 15m, 2h")
