"""How many SMS segments a text takes, as carriers count them (3GPP TS 23.038): a text in the GSM 7-bit
alphabet fits 160 characters in one segment and 153 per segment when split; any other character (all
Chinese) makes the whole text UCS-2, 70 in one and 67 per segment split. Every segment is charged and
may arrive out of order, so a page should fit in one where it can."""

from __future__ import annotations

import math
from collections.abc import Callable

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€")  # an escape and the character: two septets each

MOST_SEGMENTS = 3  # a page never takes more (some carriers drop the rest)


def sms_units(text: str) -> tuple[int, int, int]:
    """(units the text takes, units one segment holds, units per segment when split)."""
    if all(char in _GSM_BASIC or char in _GSM_EXTENDED for char in text):
        return sum(2 if char in _GSM_EXTENDED else 1 for char in text), 160, 153
    return len(text.encode("utf-16-le")) // 2, 70, 67


def sms_segments(text: str) -> int:
    units, single, split = sms_units(text)
    return 1 if units <= single else math.ceil(units / split)


def shortest_fit(render: Callable[[str], str], words: str, segments: int) -> str:
    """`words`, cut (ending in an ellipsis) until `render(words)` fits `segments` segments: what is
    cut is the part that can lose its end, never the reply instructions around it."""
    if sms_segments(render(words)) <= segments:
        return words
    ellipsis = "..." if sms_units(words)[1] == 160 else "…"
    low, high = 0, len(words)
    while low < high:  # the longest prefix that fits with its ellipsis
        middle = (low + high + 1) // 2
        if sms_segments(render(words[:middle].rstrip() + ellipsis)) <= segments:
            low = middle
        else:
            high = middle - 1
    return words[:low].rstrip() + ellipsis
