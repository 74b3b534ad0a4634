"""What a drill's Master Scenario Events List can hold besides readings: faults, scripted player
actions, hotline reports, silences and duty overrides, each as a strict spec with its own words for
what is wrong. Each inject may carry an `id` (I07) and the player action it is meant to bring about
(`expect`), which the after-action report lists beside what happened."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from notifiers.simulator.behaviour import Outage, PhoneBehaviour
from warning.domain import Level, duration_field
from warning.incidents.requests import NewIncident, ReportSource
from warning.silences import SilenceRequest

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


def _offset(value: Any) -> timedelta:
    if value in (0, "0", "0m", "0s"):
        return timedelta(0)
    return duration_field(value)


Offset = Annotated[timedelta, BeforeValidator(_offset)]
Phone = Annotated[str, Field(pattern=r"^\+\d{6,15}$")]
IncidentCode = Annotated[str, Field(pattern=r"^[A-Za-z]\d{4,10}$", description="as the board shows it: F0001")]


Words = Annotated[str, Field(min_length=3, max_length=500)]
# Planner's words, in one language or in each: {zh-CN: ..., en: ...}.
Said = Words | dict[Literal["zh-CN", "en"], Words]


def in_language(said: Said | None, language: str) -> str:
    if said is None or isinstance(said, str):
        return said or ""
    return said.get(language) or next(iter(said.values()), "")  # type: ignore[call-overload]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class DrillSilence(_Spec):
    """A maintenance window someone sets during the drill (as `warning silence add` would)."""

    by: str = Field(description="person id of whoever sets it, as in the organisation file")
    duration: Duration
    area: str | None = None
    station: str | None = None
    rule: str | None = None
    up_to: Level | None = None
    reason: str

    def request(self) -> SilenceRequest:
        return SilenceRequest(area=self.area, station=self.station, rule=self.rule, up_to=self.up_to,
                              duration=self.duration, reason=self.reason)  # fmt: skip


# How a phone is out of reach, as its behaviour in the simulator for the fault's duration.
PhoneState = Literal["off", "busy", "unanswered"]
PHONE_STATES: dict[str, dict[str, Any]] = {
    "off": {"sms": "no-receipt", "voice": "fail"},  # the carrier keeps the SMS; calls cannot connect
    "busy": {"voice": "busy"},
    "unanswered": {"voice": "no-answer", "answer_after": timedelta(seconds=30), "reply": None, "press": None},
}

# How the provider fails on a channel, as the simulator's answer to every send.
ProviderMode = Literal["error", "throttled", "timeout", "error_after", "drop", "accept_then_drop"]
PROVIDER_MODES: dict[str, Outage] = {
    "error": Outage(answer="503"),  # refused, nothing sent
    "throttled": Outage(answer="429"),
    "timeout": Outage(answer="lost"),  # no answer at all, nothing sent
    "error_after": Outage(answer="error_after"),  # sent, then a 500: the ambiguous case
    "drop": Outage(answer="drop"),  # sent, then the connection closed unanswered
    "accept_then_drop": Outage(answer="ok", delivers=False),  # accepted, never delivered
}


class FaultSpec(_Spec):
    """Trouble from the inject's time for `for`: one of a phone out of reach, the provider failing
    on a channel, its status callbacks lost, a station or a whole area going silent."""

    phone: Phone | None = None
    state: PhoneState | None = Field(default=None, description="with `phone`: off, busy or unanswered")
    provider: Literal["sms", "voice"] | None = Field(default=None, description="the channel whose provider fails")
    mode: ProviderMode | None = Field(default=None, description="with `provider`: how it fails")
    callbacks_lost: Literal["sms", "voice", "all"] | None = None
    service: Literal["twilio", "aliyun"] = Field(
        default="twilio", description="with `provider` or `callbacks_lost`: which provider is in trouble"
    )
    station: str | None = Field(default=None, description="a station whose readings stop")
    area: str | None = Field(default=None, description="an area all of whose stations' readings stop")
    lasting: Duration = Field(alias="for")

    @model_validator(mode="after")
    def _one_fault(self) -> Self:
        targets = [name for name in ("phone", "provider", "callbacks_lost", "station", "area")
                   if getattr(self, name) is not None]  # fmt: skip
        if len(targets) != 1:
            raise ValueError("a fault names one of phone (with state), provider (with mode), callbacks_lost, "
                             f"station or area; this one names {', '.join(targets) or 'none'}")  # fmt: skip
        if (self.phone is None) != (self.state is None):
            raise ValueError("a phone fault needs both `phone` and `state` (off, busy or unanswered)")
        if (self.provider is None) != (self.mode is None):
            raise ValueError("a provider fault needs both `provider` (sms or voice) and `mode`")
        if self.lasting <= timedelta(0):
            raise ValueError("`for` must be longer than zero")
        return self

    def phone_behaviour(self, usual: PhoneBehaviour) -> PhoneBehaviour:
        assert self.state is not None
        return usual.model_copy(update=PHONE_STATES[self.state])

    def describe(self) -> str:
        if self.phone is not None:
            what = f"phone {self.phone} {self.state}"
        elif self.provider is not None:
            what = f"{self.provider} provider{self._of()}: {self.mode}"
        elif self.callbacks_lost is not None:
            what = f"{self.callbacks_lost} status callbacks{self._of()} lost"
        else:
            what = f"station {self.station} silent" if self.station else f"area {self.area} silent"
        return f"{what} for {self.lasting}"

    def _of(self) -> str:
        """The provider in trouble, named when it is not the usual one (so Twilio drills read as before)."""
        return f" ({self.service})" if self.service != "twilio" else ""


ActionKind = Literal["acknowledge", "hand_over", "escalate", "relevel", "lift", "note"]
Via = Literal["sms", "api", "console", "phone"]
# The role a player acts in when the action does not say: officers answer for their department,
# dispatchers (the command centre) take everything else.
DEFAULT_ROLE = {"acknowledge": "duty_officer", "hand_over": "duty_officer"}


class ActionSpec(_Spec):
    """A player's move scripted for unattended runs: `by` a person of the organisation, `via` a channel.
    An SMS acknowledgement is a text from their phone to our number, through the signed webhook; the
    API and the console act through the engine's hand actions with the person's role and area; `phone`
    is a dispatcher recording what an officer said on the phone."""

    do: ActionKind
    by: str = Field(description="person id, as in the organisation file")
    via: Via = "console"
    role: Literal["duty_officer", "dispatcher"] | None = None
    incident: IncidentCode
    to: str | None = Field(default=None, description="hand_over: the colleague's person id")
    tier: int | None = Field(default=None, ge=1, le=5, description="escalate: tiers above the incident's area")
    department: str | None = Field(default=None, description="escalate: a named department")
    level: Level | None = Field(default=None, description="relevel: the new level")
    reason: str = Field(default="scripted in the drill", min_length=3, max_length=500)
    text: str | None = Field(default=None, description="sms: the text sent (default 1); note: the note")

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {"hand_over": "to", "relevel": "level", "note": "text"}.get(self.do)
        if needs is not None and getattr(self, needs) is None:
            raise ValueError(f"{self.do} needs `{needs}`")
        if self.via == "sms" and self.do != "acknowledge":
            raise ValueError("only an acknowledgement can be sent by SMS; use via: console or api")
        if self.via == "phone" and self.do != "acknowledge":
            raise ValueError("via: phone is an acknowledgement a dispatcher records for an officer")
        return self

    def acting_role(self) -> str:
        return self.role or DEFAULT_ROLE.get(self.do, "dispatcher")

    def describe(self) -> str:
        return f"{self.by} {self.do.replace('_', ' ')} {self.incident.upper()} via {self.via}"


class ReportSpec(_Spec):
    """An incident reported by hand (a 12345 hotline call, a field report), taken by `by`."""

    by: str = Field(description="person id of the dispatcher or officer who takes the report")
    hazard: str
    level: Level
    area: str
    title: str
    description: str
    source: ReportSource = ReportSource.hotline_12345
    callback: str | None = None
    station: str | None = None

    def request(self) -> NewIncident:
        return NewIncident(hazard=self.hazard, level=self.level, area=self.area, title=self.title,
                           description=self.description, source=self.source, callback=self.callback,
                           station=self.station)  # fmt: skip


class OverrideSpec(_Spec):
    """Someone else put on duty for a role of a department, from the inject's time for `for`."""

    by: str = Field(description="person id of whoever arranges it")
    department: str
    role: str
    person: str
    lasting: Duration = Field(alias="for")
    reason: str = Field(min_length=3, max_length=500)


KINDS = ("reading", "fault", "action", "report", "silence", "override")


class InjectSpec(_Spec):
    """One event on the drill timeline, `at` after the start. A reading goes through the same
    decoding as a live feed, so a malformed reading here is dead-lettered exactly as it would be live."""

    id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    at: Offset
    expect: Said | None = Field(default=None, description="the player action this inject should bring")
    reading: dict[str, Any] | None = None
    fault: FaultSpec | None = None
    action: ActionSpec | None = None
    report: ReportSpec | None = None
    silence: DrillSilence | None = None
    override: OverrideSpec | None = None

    @model_validator(mode="after")
    def _one_event(self) -> Self:
        given = [kind for kind in KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(f"an inject is one of {', '.join(KINDS)}; this one is {' and '.join(given) or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in KINDS if getattr(self, kind) is not None)

    def describe(self) -> str:
        event = getattr(self, self.kind)
        if self.reading is not None:
            return f"reading {self.reading.get('sensor_id')} {self.reading.get('value')}"
        if isinstance(event, FaultSpec | ActionSpec):
            return event.describe()
        if self.report is not None:
            return f"{self.report.source.value} report by {self.report.by}: {self.report.title}"
        if self.override is not None:
            return f"{self.override.person} on duty as {self.override.role} of {self.override.department}"
        assert self.silence is not None
        return f"silence by {self.silence.by} for {self.silence.duration}"
