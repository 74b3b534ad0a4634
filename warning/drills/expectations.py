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
from warning.domain import Level
from warning.drills.injects import Duration, IncidentCode

# Level.rank: how a level compares, blue lowest.
DELIVERED = ("delivered", "completed")


class _Check(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Acknowledged(_Check):
    department: str
    within: Duration
    start: Literal["opened", "paged"] = Field(default="opened", alias="from")


class Reached(_Check):
    department: str | None = None
    person: str | None = None
    level: Level = Level.blue
    within: Duration

    @model_validator(mode="after")
    def _whom(self) -> Self:
        if (self.department is None) == (self.person is None):
            raise ValueError("name a department or a person")
        return self


class Informed(_Check):
    department: str | None = None
    person: str | None = None
    within: Duration | None = None

    @model_validator(mode="after")
    def _whom(self) -> Self:
        if (self.department is None) == (self.person is None):
            raise ValueError("name a department or a person")
        return self


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
    objective: str = Field(min_length=3, max_length=300, description="what the plan should achieve, in words")
    recommendation: str | None = Field(default=None, max_length=500, description="what to do if it is missed")
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
    ) -> None:
        self.department_of = department_of
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
            return Score(spec, Verdict.not_applicable, None, "no warning of the drill concerned it")
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
                return verdict, took, f"acknowledged by {event.person} after {_text(took)}", [pages[0], decision]
        return Verdict.missed, None, f"paged, never acknowledged by {check.department}", [pages[0]]

    def _reached(self, check: Reached, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                   list[_Decision]] | None:  # fmt: skip
        since = self._first_at(warning, check.level)
        if since is None:
            return None
        whom = check.person or check.department
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
                reached_by = f"{event.channel} to {event.person} {event.status}"
            elif isinstance(event, IncidentAcknowledged | QuorumProgressed) and \
                    self._of(event.person, check.department, check.person):  # fmt: skip
                reached_by = f"acknowledged by {event.person}"
            if reached_by is not None:
                took = decision.at - since
                verdict = Verdict.met if took <= check.within else Verdict.missed
                proof = [d for d in (sent.get(getattr(event, "notification", "")), decision) if d is not None]
                return verdict, took, f"{reached_by} {_text(took)} after it stood at {check.level.value}", proof
        return Verdict.missed, None, f"never reached {whom} after it stood at {check.level.value}", []

    def _informed(self, check: Informed, warning: _Warning) -> tuple[Verdict, timedelta | None, str,
                                                                     list[_Decision]] | None:  # fmt: skip
        pages = self._pages_to(warning, check.department, check.person)
        whom = check.person or check.department
        if not pages:
            return Verdict.missed, None, f"{whom} was never sent a page", []
        took = pages[0].at - warning.opened.at
        late = check.within is not None and took > check.within
        return (Verdict.missed if late else Verdict.met), took, f"{whom} sent a page after {_text(took)}", pages[:1]

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
        below = f"below {warning.clear_below:g} from {cleared_at.astimezone(self.end.tzinfo):%H:%M}"
        if lifted_at is None:
            return Verdict.missed if took > check.within else Verdict.met, None, f"{below}, still open", []
        assert warning.lifted is not None
        verdict = Verdict.met if took <= check.within else Verdict.missed
        return verdict, took, f"{below}, lifted {_text(took)} later", [warning.lifted]

    def _roster_only(self, spec: ExpectationSpec) -> Score:
        sent = [d for d in self.decisions if isinstance(d.event, NotificationSent)]
        outside = [d for d in sent if isinstance(d.event, NotificationSent) and d.event.phone not in self.roster]
        blocked = [d for d in self.decisions if d.event.kind == "drill_guard_blocked"]
        extra = f"; the drill guard stopped {len(blocked)} page(s) to numbers off the roster" if blocked else ""
        if outside:
            proof = [Proof(d.seq, d.at, d.summary) for d in outside]
            return Score(spec, Verdict.missed, None, f"{len(outside)} of {len(sent)} messages left the roster", proof)
        proof = [Proof(d.seq, d.at, d.summary) for d in blocked]
        return Score(spec, Verdict.met, None, f"all {len(sent)} messages went to the roster{extra}", proof)

    def _pages_at_most(self, spec: ExpectationSpec, check: PagesAtMost) -> Score:
        by_person: dict[str, list[_Decision]] = defaultdict(list)
        for decision in self.decisions:
            event = decision.event
            if isinstance(event, NotificationSent) and check.channel in ("any", event.channel.value):
                by_person[event.person].append(decision)
        worst: tuple[int, str, list[_Decision]] = (0, "", [])
        for person, sent in by_person.items():
            first = 0
            for last in range(len(sent)):
                while sent[last].at - sent[first].at >= check.per:
                    first += 1
                if last - first + 1 > worst[0]:
                    worst = (last - first + 1, person, sent[first : last + 1])
        most, person, proof = worst
        what = "messages" if check.channel == "any" else f"{check.channel} messages"
        if not by_person:
            return Score(spec, Verdict.not_applicable, None, f"no {what} were sent")
        detail = f"at most {most} {what} to one person in {_text(check.per)} ({person})"
        verdict = Verdict.met if most <= check.count else Verdict.missed
        return Score(spec, verdict, None, detail, [Proof(d.seq, d.at, d.summary) for d in proof])


def _note_clear_level(warning: _Warning, evidence: Evidence) -> None:
    reading = evidence.reading or {}
    if evidence.no_data or evidence.signal_value is None or reading.get("value") != evidence.signal_value:
        return  # a rate, a window or a silence: its readings are not what it clears on
    if warning.station not in (None, evidence.station):
        return  # causes at another station (a compound's) are not one series
    clears = [t["clear_below"] for t in evidence.thresholds if isinstance(t.get("clear_below"), int | float)]
    if clears:
        warning.station = evidence.station
        warning.clear_below = min([*clears, *([warning.clear_below] if warning.clear_below is not None else [])])


def _text(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
