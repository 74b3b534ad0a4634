"""Scripted players: a drill's actions, reports, silences and duty overrides carried out as the people
they name, through the same doors a live player uses (the engine's hand actions with the person's
role and area, or a text from their phone through the signed SMS webhook). An action the engine
refuses is an outcome of the drill, not an error: it goes in the timeline and the report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from warning.access import Principal, Role
from warning.domain import Channel
from warning.drills.faults import FaultBoard
from warning.drills.injects import ActionSpec, InjectSpec, OverrideSpec, ReportSpec, Said
from warning.engine import Engine
from warning.errors import WarningEngineError
from warning.incidents.requests import AcknowledgeFor, DutyOverrideRequest, Escalate, Lift, Note, Relevel


@dataclass(frozen=True, slots=True)
class InjectOutcome:
    """What became of one inject that acts (not a reading): for the timeline and the report."""

    id: str
    at: datetime
    kind: str
    what: str
    expect: Said | None
    accepted: bool
    result: str


def principal_of(engine: Engine, person_id: str, role: str) -> Principal:
    """The person as a signed-in user of their department's area (a drill's players use the console)."""
    person = engine.org.person(person_id)
    department = engine.org.department(person.department)
    return Principal(user=f"drill:{person_id}", name=person.name, role=Role(role), area=department.area,
                     person=person_id, department=department.id, via="session")  # fmt: skip


class Texting(Protocol):
    def send_sms_from(self, phone: str, body: str) -> None: ...


def act(engine: Engine, simulators: Mapping[str, Texting], action: ActionSpec) -> str:
    """Carry out a scripted action; WarningEngineError (or ValueError) when the engine refuses it."""
    code = action.incident.upper()
    if action.via == "sms":
        person = engine.org.person(action.by)
        # A text goes back through the provider that pages this person.
        route = engine.dispatcher.carriers.route(Channel.sms, person.phone, person.language, person.id)
        simulator = simulators.get(route[0] if route else "twilio") or simulators["twilio"]
        simulator.send_sms_from(person.phone, action.text or "1")
        return f"{action.by} texted {action.text or '1'!r} from {person.phone}"
    principal = principal_of(engine, action.by, action.acting_role())
    if action.do == "acknowledge" and action.via == "phone":
        # The officer phoned in; the dispatcher on watch over their area records it for them.
        desk = principal.model_copy(update={"user": "drill:dispatcher", "name": "drill dispatcher",
                                            "role": Role.dispatcher, "person": None, "department": None})  # fmt: skip
        return engine.acknowledge_for(desk, code, AcknowledgeFor(person=action.by, note=action.reason))
    if action.do == "acknowledge":
        return engine.acknowledge_as(principal, code)
    if action.do == "hand_over":
        assert action.to is not None
        return engine.hand_over_as(principal, code, action.to)
    if action.do == "escalate":
        return engine.escalate(principal, code, Escalate(tier=action.tier, department=action.department))
    if action.do == "relevel":
        assert action.level is not None
        return engine.relevel(principal, code, Relevel(level=action.level, reason=action.reason))
    if action.do == "lift":
        return engine.lift(principal, code, Lift(reason=action.reason))
    assert action.text is not None
    return engine.note(principal, code, Note(text=action.text))


def report(engine: Engine, spec: ReportSpec) -> str:
    principal = principal_of(engine, spec.by, "dispatcher")
    return f"opened {engine.create_incident(principal, spec.request())}"


def override(engine: Engine, spec: OverrideSpec, now: datetime) -> str:
    principal = principal_of(engine, spec.by, "dispatcher")
    request = DutyOverrideRequest(department=spec.department, role=spec.role, person=spec.person,
                                  until=now + spec.lasting, reason=spec.reason)  # fmt: skip
    return f"override {engine.put_on_duty(principal, request)} in force"


def labels(injects: list[InjectSpec]) -> dict[int, str]:
    """How the timeline and the report name each inject: its id, or its place in the list (#3)."""
    return {id(inject): inject.id or f"#{number}" for number, inject in enumerate(injects, 1)}


def play(
    engine: Engine, simulators: Mapping[str, Texting], faults: FaultBoard, inject: InjectSpec, label: str,
    now: datetime,
) -> InjectOutcome:  # fmt: skip
    """Carry out an inject that acts (a fault, action, report, silence or override), whatever the engine says."""
    try:
        if inject.fault is not None:
            faults.start(inject.fault, now)
            result, accepted = "in force", True
        elif inject.action is not None:
            result, accepted = act(engine, simulators, inject.action), True
        elif inject.report is not None:
            result, accepted = report(engine, inject.report), True
        elif inject.override is not None:
            result, accepted = override(engine, inject.override, now), True
        else:
            assert inject.silence is not None
            silence = engine.add_silence(inject.silence.by, inject.silence.request())  # checked by load_scenario
            result, accepted = f"silence {silence.id} until {silence.ends_at:%H:%M}", True
    except (WarningEngineError, ValueError) as exc:
        result, accepted = f"refused: {exc}", False
    return InjectOutcome(label, now, inject.kind, inject.describe(), inject.expect, accepted, result)
