"""How a simulated phone behaves: delivers or fails, replies, answers, presses keys, and when."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from warning.domain import duration_field

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


# One answer to a create request: accepted, refused (429 / 500 / 503, nothing created), created then
# answered 500 (`error_after`), created then the connection closed with no answer (`drop`), or
# nothing created and the connection closed with no answer (`lost`: to the client, a timeout).
Answer = Literal["ok", "429", "500", "503", "error_after", "drop", "lost"]
# HTTP statuses may be written as numbers (`[429, 503]` in YAML or JSON).
ScriptedAnswer = Annotated[Answer, BeforeValidator(lambda value: str(value) if isinstance(value, int) else value)]


class Faults(BaseModel):
    """Provider trouble to play on create requests, drawn from a seeded RNG so a run is repeatable.

    error_before: 500 and nothing created (safe to resend, but the client cannot know that).
    error_after: created, then 500 answered: the ambiguous case a blind retry pages twice on.
    drop_after: created, then the connection closed with no answer at all.
    The first create and every `burst_every`-th after it start `burst_length` answers of
    `burst_status` (not processed).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    error_before: float = Field(default=0.0, ge=0.0, le=1.0)
    error_after: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_after: float = Field(default=0.0, ge=0.0, le=1.0)
    burst_every: int = Field(default=0, ge=0)
    burst_length: int = Field(default=0, ge=0)
    burst_status: Annotated[Literal["429", "500", "503"], BeforeValidator(str)] = "429"
    seed: int = 0


class Outage(BaseModel):
    """The provider in trouble on a channel: every create request gets `answer`; with `ok` and
    `delivers` false, it is accepted and then dropped by the carrier (no receipt; calls fail)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    answer: ScriptedAnswer = "503"
    delivers: bool = True


class PhoneBehaviour(BaseModel):
    """Scripted behaviour of one phone number. The defaults: SMS delivered, calls answered, no reply."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sms: Literal["deliver", "undelivered", "fail", "no-receipt"] = "deliver"
    reply: str | None = Field(default=None, description="SMS text sent back after `reply_after`")
    reply_after: Duration = timedelta(minutes=1)
    voice: Literal["answer", "no-answer", "busy", "fail"] = "answer"
    answer_after: Duration = timedelta(seconds=10)
    press: str | None = Field(
        default=None, pattern=r"^[0-9*#]{1,6}$", description="keys pressed, one per prompt, after answering"
    )
    # Trouble on requests that send to this number: `script` answers the first creates in order,
    # then `faults` (or the simulator-wide faults when None) decides.
    script: tuple[ScriptedAnswer, ...] = ()
    faults: Faults | None = None


class SimulatorScript(BaseModel):
    """A file for `warning twilio-sim --behaviour`: default faults, and each number's behaviour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    faults: Faults = Faults()
    numbers: dict[Annotated[str, Field(pattern=r"^\+\d{6,15}$")], PhoneBehaviour] = {}


class FaultPlayer:
    """Plays a script of answers, then seeded faults with their bursts; one per number, and one default."""

    def __init__(self, faults: Faults, script: tuple[Answer, ...] = ()) -> None:
        self.faults, self.script = faults, list(script)
        self.rng = random.Random(faults.seed)
        self.creates = 0
        self.burst_left = 0

    def next(self) -> Answer:
        if self.script:
            return self.script.pop(0)
        faults = self.faults
        self.creates += 1
        if faults.burst_every and (self.creates - 1) % faults.burst_every == 0:
            self.burst_left = faults.burst_length
        if self.burst_left:
            self.burst_left -= 1
            return faults.burst_status
        draw = self.rng.random()
        for answer, chance in (("500", faults.error_before), ("error_after", faults.error_after),
                               ("drop", faults.drop_after)):  # fmt: skip
            if draw < chance:
                return answer  # type: ignore[return-value]
            draw -= chance
        return "ok"


class ProviderTrouble:
    """A provider-wide outage per channel (drills' fault injects) and status callbacks lost, as both
    simulators play them."""

    def __init__(self) -> None:
        self._outages: dict[str, Outage] = {}
        self._callbacks_lost: set[str] = set()

    def set_outage(self, channel: Literal["sms", "voice"], outage: Outage | None) -> None:
        """The provider in trouble on one channel until told otherwise (None: working again)."""
        if outage is None:
            self._outages.pop(channel, None)
        else:
            self._outages[channel] = outage

    def lose_callbacks(self, channel: Literal["sms", "voice"], lost: bool) -> None:
        """Status callbacks of the channel are lost (what they report still happens: a query sees it)."""
        if lost:
            self._callbacks_lost.add(channel)
        else:
            self._callbacks_lost.discard(channel)
