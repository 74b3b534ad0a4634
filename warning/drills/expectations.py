"""A drill's expectations and how each is scored from the typed decision events: met, missed or not
applicable, with the time measured and the decisions that prove it.

Each expectation states an objective in the planner's words and one check:

- `acknowledged`: someone of `department` acknowledges each warning that paged it, `within` of its
  opening (or of the department's first page, `from: paged`);
- `reached`: once a warning is at `level` or above, a page to `department` (or `person`) is delivered,
  or they acknowledge, `within` of that moment;
- `informed`: `department` (or `person`) is sent a page about each warning (`within` its opening, if given);
- `roster_only`: every message sent went to a number on the drill roster;
- `pages_at_most`: nobody gets more than `count` messages (of `channel`) in any `per` window;
- `lifted`: each warning is lifted `within` of its station's readings falling below the clear level
  of its lowest threshold for good.

`incident`, `hazard` and `level` narrow the warnings an expectation is about; an expectation that
concerns no warning of the drill is not applicable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from warning.decisions.events import (
    CauseAdded,
    EscalationReevaluated,
    EscalationStepTaken,
    Event,
    Evidence,
    IncidentAcknowledged,
    IncidentCreated,
    IncidentLifted,
    IncidentOpened,
    IncidentRelevelled,
    IncidentUpgraded,
    NotificationSent,
    NotificationStatusChanged,
    QuorumProgressed,
    decision_from,
)
from warning.decisions.render import Names
from warning.domain import Level
from warning.drills.injects import Duration, IncidentCode, Said
from warning.drills.measures import busiest

# Level.rank: how a level compares, blue lowest.
DELIVERED = ("delivered", "completed")


class _Check(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Acknowledged(_Check):
    department: str
    within: Duration
    start: Literal["opened", "paged"] = Field(default="opened", alias="from")


class _Whom(_Check):
    """A check about one department or one person."""

    department: str | None = None
    person: str | None = None

    @model_validator(mode="after")
    def _whom(self) -> Self:
        if (self.department is None) == (self.person is None):
            raise ValueError("name a department or a person")
        return self


class Reached(_Whom):
    level: Level = Level.blue
    within: Duration


class Informed(_Whom):
    within: Duration | None = None


class PagesAtMost(_Check):
    count: int = Field(ge=0)
    per: Duration
    channel: Literal["sms", "voice", "any"] = "any"


class Lifted(_Check):
    within: Duration


CHECKS = ("acknowledged", "reached", "informed", "roster_only", "pages_at_most", "lifted")


class ExpectationSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    objective: Said = Field(description="what the plan should achieve, in words")
    recommendation: Said | None = Field(default=None, description="what to do if it is missed")
    incident: IncidentCode | None = None
    hazard: str | None = None
    level: Level | None = Field(default=None, description="only warnings that reached this level")
    acknowledged: Acknowledged | None = None
    reached: Reached | None = None
    informed: Informed | None = None
    roster_only: bool | None = None
    pages_at_most: PagesAtMost | None = None
    lifted: Lifted | None = None

    @model_validator(mode="after")
    def _one_check(self) -> Self:
        given = [name for name in CHECKS if getattr(self, name) not in (None, False)]
        if len(given) != 1:
            raise ValueError(f"an expectation has one check of {', '.join(CHECKS)}; "
                             f"this one has {' and '.join(given) or 'none'}")  # fmt: skip
        return self

    @property
    def check(self) -> str:
        return next(name for name in CHECKS if getattr(self, name) not in (None, False))

    def people_named(self) -> list[tuple[str, str]]:
        """(field, id) of every department and person named, to check against the organisation."""
        named = []
        for check in (self.acknowledged, self.reached, self.informed):
            if check is None:
                continue
            for name in ("department", "person"):
                value = getattr(check, name, None)
                if value is not None:
                    named.append((f"{self.check}.{name}", value))
        return named


class Verdict(StrEnum):
    met = "met"
    missed = "missed"
    not_applicable = "not applicable"


@dataclass(frozen=True, slots=True)
class Proof:
    seq: int
    at: datetime
    summary: str


@dataclass(frozen=True)
class Score:
    expectation: ExpectationSpec
    verdict: Verdict
    measured: timedelta | None  # the time that counted (the worst over the warnings it is about)
    detail: str
    proof: list[Proof] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Decision:
    seq: int
    at: datetime
    incident: str | None
    event: Event
    summary: str


@dataclass
class _Warning:
    code: str
    hazard: str
    opened: _Decision
    level: Level
    # When it first stood at each level (its opening level and every later upgrade or re-level).
    reached: dict[Level, datetime] = field(default_factory=dict)
    lifted: _Decision | None = None
    # Of its causes judged on the reading's own value (a stage, not a rate): the station, and the
    # lowest clear level among them; readings at or above it keep the warning standing.
    station: str | None = None
    clear_below: float | None = None
    decisions: list[_Decision] = field(default_factory=list)


class Evaluation:
    """The decisions of one drill, read once, and each expectation scored against them."""

    def __init__(
        self,
        decisions: Sequence[dict[str, Any]],
        department_of: dict[str, str],
        roster: Iterable[str],
        end: datetime,
        readings: dict[str, list[tuple[datetime, float]]] | None = None,
        *,
        language: str = "en",
        names: Names | None = None,
    ) -> None:
        self.department_of = department_of
        self.words = _WORDS[language]
        self.names = names or Names()
        self.roster = set(roster)
        self.end = end
        self.readings = readings or {}
        self.decisions = [
            _Decision(
                row["seq"],
                datetime.fromisoformat(row["at"]),
                row["incident"],
                decision_from(row["data"]),
                row["summary"],
            )
            for row in decisions
        ]
        self.warnings: dict[str, _Warning] = {}
        for decision in self.decisions:
            self._follow(decision)

    def _follow(self, decision: _Decision) -> None:
        event = decision.event
        if isinstance(event, IncidentOpened | IncidentCreated):
            opened = _Warning(event.incident, event.hazard, decision, event.level)
            opened.reached[event.level] = decision.at
            self.warnings[event.incident] = opened
        warning = self.warnings.get(decision.incident or "")
        if warning is None:
            return
        warning.decisions.append(decision)
        if isinstance(event, IncidentOpened | CauseAdded):
            _note_clear_level(warning, event.evidence)
        if isinstance(event, IncidentUpgraded | IncidentRelevelled):
            warning.level = event.level
            warning.reached.setdefault(event.level, decision.at)
        elif isinstance(event, IncidentLifted):
            warning.lifted = decision

    def _say(self, key: str, **fields: Any) -> str:
        return self.words.get(key, key).format(**fields)

    def _span(self, span: timedelta) -> str:
        return span_text(span, "en" if self.words is _WORDS["en"] else "zh-CN")

    def _level(self, level: Level) -> str:
        return level.value if self.words is _WORDS["en"] else level.zh

    def _person(self, person_id: str) -> str:
        return self.names.person(person_id)

    def _department(self, department_id: str) -> str:
        return self.names.department(department_id)

    # which warnings -----------------------------------------------------------------------

    def _about(self, spec: ExpectationSpec) -> list[_Warning]:
        chosen = []
        for warning in self.warnings.values():
            if spec.incident is not None and warning.code != spec.incident.upper():
                continue
            if spec.hazard is not None and warning.hazard != spec.hazard:
                continue
            if spec.level is not None and self._first_at(warning, spec.level) is None:
                continue
            chosen.append(warning)
        return chosen

    @staticmethod
    def _first_at(warning: _Warning, level: Level) -> datetime | None:
        """When the warning first stood at `level` or above."""
        times = [at for reached, at in warning.reached.items() if reached.rank >= level.rank]
        return min(times, default=None)

    def _of(self, person: str, department: str | None, whom: str | None) -> bool:
        return person == whom if whom is not None else self.department_of.get(person) == department

    # scoring ------------------------------------------------------------------------------

    def score(self, specs: Iterable[ExpectationSpec]) -> list[Score]:
        return [self.score_one(spec) for spec in specs]

    def score_one(self, spec: ExpectationSpec) -> Score:
        if spec.roster_only:
            return self._roster_only(spec)
        if spec.pages_at_most is not None:
            return self._pages_at_most(spec, spec.pages_at_most)
        warnings = self._about(spec)
        results: list[tuple[str, Verdict, timedelta | None, str, list[_Decision]]] = []
        for warning in warnings:
            judged = self._judge(spec, warning)
            if judged is not None:
                results.append((warning.code, *judged))
        if not results:
            return Score(spec, Verdict.not_applicable, None, self._say("no_warning"))
        missed = [result for result in results if result[1] is Verdict.missed]
        worst = missed or results
        times = [result[2] for result in worst if result[2] is not None]
        measured = max(times) if times else None
        detail = "; ".join(f"{code}: {text}" for code, _, _, text, _ in results)
        proof = [Proof(d.seq, d.at, d.summary) for result in results for d in result[4]]
        return Score(spec, Verdict.missed if missed else Verdict.met, measured, detail, proof)

    def _judge(
        self, spec: ExpectationSpec, warning: _Warning
    ) -> tuple[Verdict, timedelta | None, str, list[_Decision]] | None:
        """One warning's verdict, or None when the expectation does not concern it."""
        if spec.acknowledged is not None:
            return self._acknowledged(spec.acknowledged, warning)
        if spec.reached is not None:
            return self._reached(spec.reached, warning)
        if spec.informed is not None:
            return self._informed(spec.informed, warning)
        assert spec.lifted is not None
        return self._lifted(spec.lifted, warning)

    def _pages_to(self, warning: _Warning, department: str | None, person: str | None) -> list[_Decision]:
        return [d for d in warning.decisions
                if isinstance(d.event, NotificationSent) and self._of(d.event.person, department, person)]  # fmt: skip

    def _acknowledged(self, check: Acknowledged, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                             list[_Decision]] | None:  # fmt: skip
        pages = [d for d in warning.decisions if isinstance(d.event, EscalationStepTaken | EscalationReevaluated)
                 and d.event.department == check.department and d.event.paged]  # fmt: skip
        if not pages:
            return None  # the department was never paged about it
        start = warning.opened.at if check.start == "opened" else pages[0].at
        for decision in warning.decisions:
            event = decision.event
            if isinstance(event, IncidentAcknowledged | QuorumProgressed) and decision.at >= start and \
                    self._of(event.person, check.department, None):  # fmt: skip
                took = decision.at - start
                verdict = Verdict.met if took <= check.within else Verdict.missed
                return (
                    verdict,
                    took,
                    self._say("acked_after", person=self._person(event.person), took=self._span(took)),
                    [pages[0], decision],
                )
        return Verdict.missed, None, self._say("never_acked", department=self._department(check.department)), [pages[0]]

    def _reached(self, check: Reached, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                   list[_Decision]] | None:  # fmt: skip
        since = self._first_at(warning, check.level)
        if since is None:
            return None
        whom = self._person(check.person) if check.person else self._department(check.department or "")
        sent: dict[str, _Decision] = {}
        for decision in warning.decisions:
            event = decision.event
            if decision.at < since:
                if isinstance(event, NotificationSent):
                    sent[event.notification] = decision
                continue
            reached_by = None
            if isinstance(event, NotificationSent):
                sent[event.notification] = decision
            elif isinstance(event, NotificationStatusChanged) and event.status in DELIVERED and \
                    self._of(event.person, check.department, check.person):  # fmt: skip
                reached_by = self._say(
                    "delivered",
                    channel=self._say(event.channel.value),
                    person=self._person(event.person),
                    status=self._say(f"status_{event.status}"),
                )
            elif isinstance(event, IncidentAcknowledged | QuorumProgressed) and \
                    self._of(event.person, check.department, check.person):  # fmt: skip
                reached_by = self._say("acked_by", person=self._person(event.person))
            if reached_by is not None:
                took = decision.at - since
                verdict = Verdict.met if took <= check.within else Verdict.missed
                proof = [d for d in (sent.get(getattr(event, "notification", "")), decision) if d is not None]
                return (
                    verdict,
                    took,
                    self._say("reached_after", what=reached_by, took=self._span(took), level=self._level(check.level)),
                    proof,
                )
        return Verdict.missed, None, self._say("never_reached", whom=whom, level=self._level(check.level)), []

    def _informed(self, check: Informed, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                     list[_Decision]] | None:  # fmt: skip
        pages = self._pages_to(warning, check.department, check.person)
        whom = self._person(check.person) if check.person else self._department(check.department or "")
        if not pages:
            return Verdict.missed, None, self._say("never_sent", whom=whom), []
        took = pages[0].at - warning.opened.at
        late = check.within is not None and took > check.within
        return (
            (Verdict.missed if late else Verdict.met),
            took,
            self._say("sent_after", whom=whom, took=self._span(took)),
            pages[:1],
        )

    def _lifted(self, check: Lifted, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                 list[_Decision]] | None:  # fmt: skip
        if warning.station is None or warning.clear_below is None:
            return None  # a warning opened by hand has no readings to fall
        series = self.readings.get(warning.station, [])
        cleared_at = None
        for at, value in series:
            if at < warning.opened.at:
                continue
            if value >= warning.clear_below:
                cleared_at = None
            elif cleared_at is None:
                cleared_at = at
        if cleared_at is None:
            return None  # it never fell below the clear level for good
        lifted_at = warning.lifted.at if warning.lifted is not None else None
        took = (lifted_at or self.end) - cleared_at
        below = self._say(
            "below", value=f"{warning.clear_below:g}", at=f"{cleared_at.astimezone(self.end.tzinfo):%H:%M}"
        )
        if lifted_at is None:
            return (
                Verdict.missed if took > check.within else Verdict.met,
                None,
                self._say("still_open", below=below),
                [],
            )
        assert warning.lifted is not None
        verdict = Verdict.met if took <= check.within else Verdict.missed
        return verdict, took, self._say("lifted_later", below=below, took=self._span(took)), [warning.lifted]

    def _roster_only(self, spec: ExpectationSpec) -> Score:
        sent = [d for d in self.decisions if isinstance(d.event, NotificationSent)]
        outside = [d for d in sent if isinstance(d.event, NotificationSent) and d.event.phone not in self.roster]
        blocked = [d for d in self.decisions if d.event.kind == "drill_guard_blocked"]
        extra = self._say("guard_stopped", count=len(blocked)) if blocked else ""
        if outside:
            proof = [Proof(d.seq, d.at, d.summary) for d in outside]
            return Score(
                spec, Verdict.missed, None, self._say("left_roster", outside=len(outside), sent=len(sent)), proof
            )
        proof = [Proof(d.seq, d.at, d.summary) for d in blocked]
        return Score(spec, Verdict.met, None, self._say("on_roster", sent=len(sent), extra=extra), proof)

    def _pages_at_most(self, spec: ExpectationSpec, check: PagesAtMost) -> Score:
        by_person: dict[str, list[_Decision]] = defaultdict(list)
        for decision in self.decisions:
            event = decision.event
            if isinstance(event, NotificationSent) and check.channel in ("any", event.channel.value):
                by_person[event.person].append(decision)
        worst: tuple[int, str, list[_Decision]] = (0, "", [])
        for person, sent in by_person.items():
            window = sent[busiest([d.at for d in sent], check.per)]
            if len(window) > worst[0]:
                worst = (len(window), person, window)
        most, person, proof = worst
        what = self._say(f"{check.channel}_messages")
        if not by_person:
            return Score(spec, Verdict.not_applicable, None, self._say("none_sent", what=what))
        detail = self._say("at_most", most=most, what=what, per=self._span(check.per), person=self._person(person))
        verdict = Verdict.met if most <= check.count else Verdict.missed
        return Score(spec, verdict, None, detail, [Proof(d.seq, d.at, d.summary) for d in proof])


def _note_clear_level(warning: _Warning, evidence: Evidence) -> None:
    if not evidence.judged_on_value:
        return  # a rate, a window or a silence: its readings are not what it clears on
    if warning.station not in (None, evidence.station):
        return  # causes at another station (a compound's) are not one series
    clears = [t["clear_below"] for t in evidence.thresholds if isinstance(t.get("clear_below"), int | float)]
    if clears:
        warning.station = evidence.station
        warning.clear_below = min([*clears, *([warning.clear_below] if warning.clear_below is not None else [])])


# What the verdicts say, by language.
_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "acked_after": "acknowledged by {person} after {took}",
        "never_acked": "paged, never acknowledged by {department}",
        "delivered": "{channel} to {person} {status}",
        "acked_by": "acknowledged by {person}",
        "reached_after": "{what} {took} after it stood at {level}",
        "never_reached": "never reached {whom} after it stood at {level}",
        "never_sent": "{whom} was never sent a page",
        "sent_after": "{whom} sent a page after {took}",
        "below": "below {value} from {at}",
        "still_open": "{below}, still open",
        "lifted_later": "{below}, lifted {took} later",
        "guard_stopped": "; the drill guard stopped {count} page(s) to numbers off the roster",
        "left_roster": "{outside} of {sent} messages left the roster",
        "on_roster": "all {sent} messages went to the roster{extra}",
        "any_messages": "messages",
        "sms_messages": "SMS",
        "voice_messages": "calls",
        "none_sent": "no {what} were sent",
        "at_most": "at most {most} {what} to one person in {per} ({person})",
        "no_warning": "no warning of the drill concerned it",
        "status_delivered": "delivered",
        "status_completed": "completed",
    },
    "zh-CN": {
        "acked_after": "{person}于{took}后确认",
        "never_acked": "已通知，{department}始终未确认",
        "delivered": "发给{person}的{channel}{status}",
        "acked_by": "{person}确认",
        "reached_after": "达到{level}后{took}：{what}",
        "never_reached": "达到{level}后始终未送达{whom}",
        "never_sent": "始终未通知{whom}",
        "sent_after": "{took}后通知了{whom}",
        "below": "自{at}起低于{value}",
        "still_open": "{below}，仍未解除",
        "lifted_later": "{below}，{took}后解除",
        "guard_stopped": "；演练保护拦截了 {count} 条发往名单外号码的通知",
        "left_roster": "{sent} 条消息中有 {outside} 条发往演练名单以外",
        "on_roster": "全部 {sent} 条消息均发往演练名单{extra}",
        "any_messages": "条消息",
        "sms_messages": "条短信",
        "voice_messages": "次来电",
        "none_sent": "未发送{what}",
        "at_most": "{per}内单人最多 {most} {what}（{person}）",
        "no_warning": "本次演练没有相关预警",
        "sms": "短信",
        "voice": "语音电话",
        "status_delivered": "已送达",
        "status_completed": "已接听",
    },
}


def span_text(span: timedelta, language: str = "en") -> str:
    """A duration as a reader says it: 45 s, 15 min 25 s, 1 h 30 min (15分25秒, 1小时30分)."""
    hours, rest = divmod(int(span.total_seconds()), 3600)
    minutes, seconds = divmod(rest, 60)
    if language == "zh-CN":
        if hours:
            return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
        return f"{minutes}分{seconds}秒" if minutes and seconds else f"{minutes}分" if minutes else f"{seconds}秒"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {seconds} s" if minutes and seconds else f"{minutes} min" if minutes else f"{seconds} s"
