"""Message texts for pages, level updates and lifts, in zh-CN and en.

Exercise messages are marked as drills in their first characters, so nobody mistakes a drill
for a real warning even when reading only the notification preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from warning.domain import Channel, Level, NotificationPurpose, hazard_name


@dataclass(frozen=True, slots=True)
class BundleItem:
    """One warning in a bundled message."""

    purpose: NotificationPurpose
    code: str
    hazard: str
    level: Level
    title: str


DRILL_MARK = {"zh-CN": "【演练】", "en": "[DRILL] "}


def _hazard(hazard: str, language: str) -> str:
    return hazard_name(hazard, language)


def compose(
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
) -> str:
    """The text of one message. `content` (from the rule) may give the situation in the reader's
    language and an instruction; otherwise the rule's title and the detection's reason are used."""
    zh = language == "zh-CN"
    content = content or {}
    situation = content.get("text", {}).get(language)
    instruction = content.get("cap", {}).get("instruction", {}).get(language)
    if situation and purpose is not NotificationPurpose.lifted:  # a lift keeps its factual reason
        title, reason = "", situation
    if instruction and purpose is not NotificationPurpose.lifted:
        reason = f"{reason}{'。' if zh else '. '}{instruction.rstrip('。.')}"
    mark = DRILL_MARK["zh-CN" if zh else "en"] if exercise else ""
    hazard_name = _hazard(hazard, language)
    if zh:
        heading = f"{level.zh}({level.roman}级){hazard_name}预警 {code}"
    else:
        heading = f"{level.value.capitalize()} ({level.roman}) {hazard_name} warning {code}"
    if purpose is NotificationPurpose.lifted:
        body = f"{heading} 已解除：{reason}" if zh else f"{heading} lifted: {reason}"
        return mark + body
    if purpose is NotificationPurpose.update:
        body = f"{heading} 等级变更：{reason}" if zh else f"{heading} level changed: {reason}"
        return mark + body
    lead = (f"{title}。" if zh else f"{title}. ") if title else ""
    if purpose is NotificationPurpose.inform:
        body = (
            f"{heading}（知悉，无需确认）：{lead}{reason}。" if zh else f"{heading} (for information): {lead}{reason}."
        )
        return mark + body
    if channel is Channel.voice:
        prompt = "按1确认，按2立即升级，按9重听。" if zh else "Press 1 to acknowledge, 2 to escalate now, 9 to repeat."
        return f"{mark}{heading}。{lead}{reason}。{prompt}" if zh else f"{mark}{heading}. {lead}{reason}. {prompt}"
    reply = f"回复1或“确认 {code}”确认。" if zh else f"Reply 1 or ACK {code} to acknowledge."
    return f"{mark}{heading}：{lead}{reason}。{reply}" if zh else f"{mark}{heading}: {lead}{reason}. {reply}"


# What a bundle line adds after the warning, by purpose (a page needs nothing: the message asks for 1).
_BUNDLE_NOTE = {
    "zh-CN": {"page": "", "update": "（等级变更）", "lifted": "（已解除）", "inform": "（知悉）"},
    "en": {"page": "", "update": " (level changed)", "lifted": " (lifted)", "inform": " (for information)"},
}


def compose_bundle(*, channel: Channel, language: str, exercise: bool, items: list[BundleItem]) -> str:
    """One message for several warnings to one person: a line per warning, then one way to
    acknowledge them all (each can still be acknowledged by its code)."""
    zh = language == "zh-CN"
    mark = DRILL_MARK["zh-CN" if zh else "en"] if exercise else ""
    lines = []
    for item in items:
        hazard_name = _hazard(item.hazard, language)
        if zh:
            line = f"{item.level.zh}{hazard_name}预警 {item.code} {item.title}"
        else:
            line = f"{item.level.value} {hazard_name} warning {item.code} {item.title}"
        lines.append(line + _BUNDLE_NOTE["zh-CN" if zh else "en"][item.purpose])
    asks = any(item.purpose is NotificationPurpose.page for item in items)
    if zh:
        head = f"{mark}{len(items)}条预警：" + "；".join(lines) + "。"
        if not asks:
            return head
        if channel is Channel.voice:
            return head + "按1全部确认，按2立即升级，按9重听。"
        return head + "回复1全部确认，或“确认 编号”确认其一。"
    head = f"{mark}{len(items)} warnings: " + "; ".join(lines) + "."
    if not asks:
        return head
    if channel is Channel.voice:
        return head + " Press 1 to acknowledge all, 2 to escalate them now, 9 to repeat."
    return head + " Reply 1 to acknowledge all, or ACK and a code for one."
