"""Faults in force during a drill: each starts at its inject and ends `for` later, applied to the
phone simulator (a phone out of reach, the provider failing, status callbacks lost) or to the feed
(a station or an area whose readings stop). Overlapping faults on one target stack: when one ends,
the newest still in force applies, or the usual behaviour again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from notifiers.simulator.behaviour import Outage, PhoneBehaviour
from warning.areas import within
from warning.drills.injects import PROVIDER_MODES, FaultSpec


@dataclass(frozen=True, slots=True)
class _Active:
    ends_at: datetime
    fault: FaultSpec


class PhoneSimulator(Protocol):
    """What faults change on a provider's simulator (Twilio's and Alibaba Cloud's both)."""

    def set_behaviour(self, phone: str, behaviour: PhoneBehaviour) -> None: ...
    def set_outage(self, channel: Literal["sms", "voice"], outage: Outage | None) -> None: ...
    def lose_callbacks(self, channel: Literal["sms", "voice"], lost: bool) -> None: ...


class FaultBoard:
    def __init__(
        self,
        simulators: Mapping[str, PhoneSimulator],
        players: dict[str, PhoneBehaviour],
        area_of: Callable[[str], str | None],
    ) -> None:
        # By provider name: a phone's behaviour is the same whichever provider reaches it.
        self.simulators = simulators
        self.players = players
        self.area_of = area_of
        self._active: list[_Active] = []
        self.dropped = 0  # readings that a silent station or area did not send

    def start(self, fault: FaultSpec, at: datetime) -> None:
        self._active.append(_Active(at + fault.lasting, fault))
        self._apply(fault)

    def next_at(self) -> datetime | None:
        return min((active.ends_at for active in self._active), default=None)

    def end_due(self, now: datetime) -> list[FaultSpec]:
        """End the faults due by `now`; the ones ended, for the timeline."""
        ended = [active.fault for active in self._active if active.ends_at <= now]
        if ended:
            self._active = [active for active in self._active if active.ends_at > now]
            for fault in ended:
                self._apply(fault)
        return ended

    def silent(self, reading: dict[str, Any]) -> bool:
        """Whether this reading's sensor is silent now (the reading is never sent)."""
        sensor = reading.get("sensor_id")
        if not self._active or not isinstance(sensor, str):  # on every reading: nothing to look at, mostly
            return False
        for active in self._active:
            fault = active.fault
            if fault.station == sensor:
                break
            if fault.area is not None:
                area = self.area_of(sensor)
                if area is not None and within(area, fault.area):
                    break
        else:
            return False
        self.dropped += 1
        return True

    def _newest(self, matches: Callable[[FaultSpec], bool]) -> FaultSpec | None:
        return next((active.fault for active in reversed(self._active) if matches(active.fault)), None)

    def _apply(self, fault: FaultSpec) -> None:
        """Set the simulator to what the faults in force on this fault's target say now."""
        if fault.phone is not None:
            phone = fault.phone
            usual = self.players.get(phone, PhoneBehaviour())
            newest = self._newest(lambda other: other.phone == phone)
            for simulator in self.simulators.values():
                simulator.set_behaviour(phone, newest.phone_behaviour(usual) if newest else usual)
        elif fault.provider is not None:
            channel, service = fault.provider, fault.service
            newest = self._newest(lambda other: other.provider == channel and other.service == service)
            if service in self.simulators:
                outage = PROVIDER_MODES[newest.mode] if newest and newest.mode else None
                self.simulators[service].set_outage(channel, outage)
        elif fault.callbacks_lost is not None and fault.service in self.simulators:
            lost = {other.callbacks_lost for other in (active.fault for active in self._active)
                    if other.service == fault.service}  # fmt: skip
            self.simulators[fault.service].lose_callbacks("sms", bool(lost & {"sms", "all"}))
            self.simulators[fault.service].lose_callbacks("voice", bool(lost & {"voice", "all"}))
