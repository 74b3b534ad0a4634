"""Message texts for pages, level updates and lifts, in the recipient's language (zh-CN or en), from
the message catalogue.

Exercise messages are marked as drills in their first characters, so nobody mistakes a drill
for a real warning even when reading only the notification preview.

An SMS fits one segment where it can (70 characters in Chinese): the rule's title, then its
instruction, then the long form of the reply are left out, in that order, until it does; when even
the shortest form needs more, it may take up to three segments, and beyond that the reason is cut.
A voice call has no such limit and always says everything.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from warning.catalogue import N_, Local, pick, say, say_with_values
from warning.dispatch.segments import MOST_SEGMENTS, shortest_fit, sms_segments
from warning.domain import Channel, Level, NotificationPurpose, hazard_names


@dataclass(frozen=True, slots=True)
class BundleItem:
    """One warning in a bundled message."""

    purpose: NotificationPurpose
    code: str
    hazard: str
    level: Level
    title: Local | str


@dataclass(frozen=True, slots=True)
class Composed:
    """A message's text, and what a provider sending registered templates needs instead: the kind of
    message (`sms.page`, `voice.bundle` ...) and the value of each of its placeholders in the reader's
    language. The text is the kind's catalogue entry filled with those values, so a template
    registered as that entry's Chinese reads exactly as the text does."""

    text: str
    kind: str
    values: dict[str, str]

    def parts(self) -> dict[str, Any]:
        """As the ledger keeps it beside the text."""
        return {"kind": self.kind, "values": self.values}


# The placeholders each kind of message fills, and those a registered template of it must use: the
# drill mark, what the warning is, and how to answer. An answer to an SMS reply is its own kind. Calls
# page, alone or bundled; every notice goes by SMS.
KIND_VALUES: dict[str, frozenset[str]] = {
    "sms.page": frozenset({"mark", "heading", "code", "lead", "reason", "reply"}),
    "sms.inform": frozenset({"mark", "heading", "code", "lead", "reason"}),
    "sms.update": frozenset({"mark", "heading", "code", "reason"}),
    "sms.lifted": frozenset({"mark", "heading", "code", "reason"}),
    "sms.bundle": frozenset({"mark", "count", "lines", "ask"}),
    "sms.answer": frozenset({"answer"}),
    "voice.page": frozenset({"mark", "heading", "code", "lead", "reason", "prompt"}),
    "voice.bundle": frozenset({"mark", "count", "lines", "ask"}),
}
KIND_REQUIRES: dict[str, frozenset[str]] = {
    kind: (given & {"mark", "heading", "reason", "reply", "prompt", "count", "lines", "ask", "answer"})
    for kind, given in KIND_VALUES.items()
}


def answer_message(text: str) -> Composed:
    """The answer to someone's SMS reply, as a message of its own."""
    return Composed(text, "sms.answer", {"answer": text})


DRILL_MARK = N_("[DRILL] ")
# What follows the heading, by purpose; {lead} is the title and its full stop, {reply} how to answer.
_SMS = {
    NotificationPurpose.page: N_("{mark}{heading}: {lead}{reason}. {reply}"),
    NotificationPurpose.inform: N_("{mark}{heading} (for information): {lead}{reason}."),
    NotificationPurpose.update: N_("{mark}{heading} level changed: {reason}"),
    NotificationPurpose.lifted: N_("{mark}{heading} lifted: {reason}"),
}
_VOICE_PAGE = N_("{mark}{heading}. {lead}{reason}. {prompt}")
_REPLY_LONG = N_("Reply 1 or ACK {code} to acknowledge.")
_REPLY_SHORT = N_("Reply 1 to acknowledge.")


def level_words(level: Level) -> dict[str, str]:
    """'Orange' and '橙色', as a heading names the level."""
    return {"en": level.value.capitalize(), "zh-CN": level.zh}


def _sentence(text: str) -> str:
    """A clause without its closing full stop: the template adds the language's own."""
    return text.rstrip().rstrip("。.")


def compose(**given: Any) -> str:
    """The text of one message (`compose_message` without its parts)."""
    return compose_message(**given).text


def compose_message(
    *,
    purpose: NotificationPurpose,
    channel: Channel,
    language: str,
    exercise: bool,
    code: str,
    hazard: str,
    level: Level,
    title: str,
    reason: str,
    content: dict[str, Any] | None = None,
) -> Composed:
    """One message. `content` (from the rule) gives the title and the reason in each
    language, and may give the situation in the reader's language and an instruction; `title` and
    `reason` stand where it has none (a warning reported by hand says what its reporter wrote)."""
    content = content or {}
    said_title = pick(content.get("title") or title, language)
    said_reason = _sentence(pick(content.get("reason") or reason, language))
    situation = content.get("text", {}).get(language)
    instruction = content.get("cap", {}).get("instruction", {}).get(language)
    if purpose is NotificationPurpose.lifted:  # a lift keeps its factual reason
        situation = instruction = None
    if situation:
        said_title, said_reason = "", _sentence(situation)
    words = {
        "mark": say(language, DRILL_MARK) if exercise else "",
        "heading": say(
            language,
            "{level} ({roman}) {hazard} warning {code}",
            level=level_words(level),
            roman=level.roman,
            hazard=hazard_names(hazard),
            code=code,
        ),
        "code": code,
    }

    kind = f"{channel.value}.{purpose.value}"

    def render(reason: str, lead: bool = True, instructed: bool = True, reply: str = _REPLY_LONG) -> Composed:
        said = reason
        if instructed and instruction:
            said = say(language, "{reason}. {instruction}", reason=reason, instruction=_sentence(instruction))
        title_lead = say(language, "{title}. ", title=said_title) if lead and said_title else ""
        if channel is Channel.voice and purpose is NotificationPurpose.page:
            prompt = say(language, "Press 1 to acknowledge, 2 to escalate now, 9 to repeat.")
            text, values = say_with_values(language, _VOICE_PAGE, **words, lead=title_lead, reason=said, prompt=prompt)
        else:
            text, values = say_with_values(language, _SMS[purpose], **words, lead=title_lead, reason=said,
                                           reply=say(language, reply, code=code))  # fmt: skip
        return Composed(text, kind, values)

    if channel is Channel.voice:
        return render(said_reason)
    # Richest first: without the title, then without the instruction, then with the short reply.
    drafts = [render(said_reason), render(said_reason, lead=False), render(said_reason, lead=False, instructed=False),
              render(said_reason, lead=False, instructed=False, reply=_REPLY_SHORT)]  # fmt: skip
    fitting = [draft for draft in drafts if sms_segments(draft.text) == 1] or [
        draft for draft in drafts if sms_segments(draft.text) <= MOST_SEGMENTS
    ]
    if fitting:
        return fitting[0]
    shortest = functools.partial(render, lead=False, instructed=False, reply=_REPLY_SHORT)
    return shortest(shortest_fit(lambda reason: shortest(reason).text, said_reason, MOST_SEGMENTS))


# What a bundle line adds after the warning, by purpose (a page needs nothing: the message asks for 1).
_BUNDLE_NOTE = {
    NotificationPurpose.page: "",
    NotificationPurpose.update: N_(" (level changed)"),
    NotificationPurpose.lifted: N_(" (lifted)"),
    NotificationPurpose.inform: N_(" (for information)"),
}


def compose_bundle(*, channel: Channel, language: str, exercise: bool, items: list[BundleItem]) -> Composed:
    """One message for several warnings to one person: a line per warning, then one way to
    acknowledge them all (each can still be acknowledged by its code). An SMS too long for three
    segments leaves out the titles, then names only the first warnings and counts the rest."""
    mark = say(language, DRILL_MARK) if exercise else ""
    asks = any(item.purpose is NotificationPurpose.page for item in items)
    if not asks:
        ask = ""
    elif channel is Channel.voice:
        ask = say(language, "Press 1 to acknowledge all, 2 to escalate them now, 9 to repeat.")
    else:
        ask = say(language, "Reply 1 to acknowledge all, or ACK and a code for one.")

    def line(item: BundleItem, titled: bool) -> str:
        note = say(language, _BUNDLE_NOTE[item.purpose]) if _BUNDLE_NOTE[item.purpose] else ""
        said = say(language, "{level} {hazard} warning {code}", level={"en": item.level.value, "zh-CN": item.level.zh},
                   hazard=hazard_names(item.hazard), code=item.code)  # fmt: skip
        title = pick(item.title, language)
        return f"{said} {title}{note}" if titled and title else f"{said}{note}"

    def render(lines: list[str], more: int) -> Composed:
        listed = say(language, "; ").join(lines)
        if more:
            listed += say(language, "; and {count} more", count=more)
        head, values = say_with_values(language, "{mark}{count} warnings: {lines}.", mark=mark, count=len(items),
                                       lines=listed)  # fmt: skip
        text = f"{head} {ask}".rstrip() if language != "zh-CN" else f"{head}{ask}"
        return Composed(text, f"{channel.value}.bundle", values | {"ask": ask})

    full = render([line(item, True) for item in items], 0)
    if channel is Channel.voice or sms_segments(full.text) <= MOST_SEGMENTS:
        return full
    plain = [line(item, False) for item in items]
    for shown in range(len(items), 0, -1):
        composed = render(plain[:shown], len(items) - shown)
        if sms_segments(composed.text) <= MOST_SEGMENTS:
            return composed
    return render([], len(items))
