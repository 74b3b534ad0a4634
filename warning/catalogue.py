"""The message catalogue: every sentence a person reads in a page, a notice or a warning's reason, in
zh-CN and en.

A message is written once, in English, with named placeholders (`"{station} read {value}{unit}"`);
its Chinese is in `warning/locale/zh_CN/LC_MESSAGES/warning.po`, a gettext catalogue read with Babel
(translators edit it with any PO editor; `tests/test_catalogue.py` fails when a message in the code
has no Chinese). A placeholder's value may itself differ by language (a station's name): pass
`{"zh-CN": ..., "en": ...}` and each language gets its own.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from string import Formatter
from typing import Any

from babel.messages.pofile import read_po

from warning.domain import format_duration

LANGUAGES = ("zh-CN", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "warning"
# A value that differs by language: {"zh-CN": "小清河滨河桥水位站", "en": "Xiaoqing River, Riverside Bridge gauge"}.
Local = Mapping[str, str]


@functools.cache
def _translations(language: str) -> dict[str, str]:
    """msgid -> text in `language` (English is the msgid itself). Fuzzy or empty entries are left out:
    the English shows rather than a guess."""
    if language == "en":
        return {}
    path = LOCALE_DIR / language.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language.replace("-", "_"))
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string and not message.fuzzy
    }


def N_(message: str) -> str:
    """Marks a message written away from `say` or `both` (in a table), so the catalogue check finds it."""
    return message


def pick(value: Any, language: str) -> Any:
    """A field's value in `language`: a {language: text} mapping gives its own (English, then any,
    when it lacks one); anything else is the same in every language."""
    if isinstance(value, Mapping):
        return value.get(language) or value.get("en") or next(iter(value.values()), "")
    return value


def say(language: str, message: str, /, **fields: Any) -> str:
    """`message` in `language`, its placeholders filled (each field picked for the language)."""
    text = _translations(language).get(message, message) if language != "en" else message
    return text.format(**{name: pick(value, language) for name, value in fields.items()})


def say_with_values(language: str, message: str, /, **fields: Any) -> tuple[str, dict[str, str]]:
    """`message` in `language` as `say` gives it, and the value of each placeholder it has: what a
    provider that fills registered templates is sent (its template is the message's translation)."""
    text = _translations(language).get(message, message) if language != "en" else message
    values = {name: str(pick(fields[name], language)) for _, name, _, _ in Formatter().parse(text) if name}
    return text.format(**values), values


def both(message: str, /, **fields: Any) -> dict[str, str]:
    """`message` in every language: {"zh-CN": ..., "en": ...}."""
    return {language: say(language, message, **fields) for language in LANGUAGES}


def local_name(en: str, zh: str | None) -> dict[str, str]:
    """A name in both languages; where no Chinese is given, the English stands for both (the lint
    step refuses a bundled rule, station or department without one)."""
    return {"zh-CN": zh or en, "en": en}


def duration(value: timedelta) -> dict[str, str]:
    """'1h30m' and '1小时30分钟'."""
    seconds = int(value.total_seconds())
    zh = []
    for size, unit in ((3600, "小时"), (60, "分钟"), (1, "秒")):
        if seconds >= size:
            zh.append(f"{seconds // size}{unit}")
            seconds %= size
    return {"zh-CN": "".join(zh) or "0秒", "en": format_duration(value)}


def clock_time(value: datetime) -> str:
    """The time in its own offset, as a Chinese duty officer reads it: '7月14日20:40'."""
    return f"{value.month}月{value.day}日{value:%H:%M}"
