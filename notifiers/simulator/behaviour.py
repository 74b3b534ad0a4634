"""How a simulated phone behaves: delivers or fails, replies, answers, presses keys, and when."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from warning.domain import duration_field

Duration = Annotated[timedelta, BeforeValidator(duration_field)]


class PhoneBehaviour(BaseModel):
    """Scripted behaviour of one phone number. The defaults: SMS delivered, calls answered, no reply."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sms: Literal["deliver", "undelivered", "fail"] = "deliver"
    reply: str | None = Field(default=None, description="SMS text sent back after `reply_after`")
    reply_after: Duration = timedelta(minutes=1)
    voice: Literal["answer", "no-answer", "busy", "fail"] = "answer"
    answer_after: Duration = timedelta(seconds=10)
    press: str | None = Field(
        default=None, pattern=r"^[0-9*#]{1,6}$", description="keys pressed, one per prompt, after answering"
    )
