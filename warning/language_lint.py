"""What a Chinese recipient would read, checked before it is sent: every rule, compound, station, area,
department and person has a Chinese name (`title_zh` or `name_zh`), and every page a rule can send
fits the SMS length: one segment (70 Chinese characters) where it can, never more than three.

`warning lint` runs it on the rules and organisation in force; the tests run it on the bundled ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warning.dispatch.messages import Composed, compose_message
from warning.dispatch.segments import MOST_SEGMENTS, sms_segments
from warning.domain import Channel, Level, NotificationPurpose
from warning.errors import FileProblem, OrganisationFileError, RuleFileError
from warning.rulebook.compiler import CATALOGUE, CompiledRule, load_rulebook, rule_files
from warning.rulebook.content import render_content
from warning.rulebook.reasons import judged, signal_unit
from warning.yamlfile import YamlDocument, read_yaml

# (section of the file, the key every item needs, what to call an item)
_RULE_FILE_NAMES = (("rules", "title_zh", "rule"), ("compounds", "title_zh", "compound"))
_CATALOGUE_NAMES = (("stations", "name_zh", "station"),)
_ORGANISATION_NAMES = (("areas", "name_zh", "area"), ("departments", "name_zh", "department"),
                       ("people", "name_zh", "person"))  # fmt: skip


_BECAUSE = ": a Chinese page would show its English one"


def missing_chinese_names(rule_paths: list[Path], organisation: Path | None) -> list[FileProblem]:
    """Each rule, compound, station (in the catalogue or listed in a rule), area, department and person
    without a Chinese name, at its line."""
    problems: list[FileProblem] = []
    for file in rule_files(rule_paths):
        document = read_yaml(file, RuleFileError)
        if file.name == CATALOGUE or ("stations" in document.root and "hazard" not in document.root):
            problems += _unnamed(document, _CATALOGUE_NAMES)
            continue
        problems += _unnamed(document, _RULE_FILE_NAMES)
        for index, rule in enumerate(_items(document.root, "rules")):
            for place, station in enumerate(_items(rule, "stations")):
                if not _named(station, "name_zh"):
                    what = f"station {station.get('id', '?')} has no Chinese name (name_zh)"
                    problems.append(document.problem(("rules", index, "stations", place), f"{what}{_BECAUSE}"))
    if organisation is not None:
        problems += _unnamed(read_yaml(organisation, OrganisationFileError), _ORGANISATION_NAMES)
    return problems


def _items(node: Any, key: str) -> list[dict[str, Any]]:
    items = node.get(key) if isinstance(node, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _named(item: dict[str, Any], key: str) -> bool:
    return isinstance(item.get(key), str) and bool(item[key].strip())


def _unnamed(document: YamlDocument, sections: tuple[tuple[str, str, str], ...]) -> list[FileProblem]:
    problems = []
    for section, key, what in sections:
        for index, item in enumerate(_items(document.root, section)):
            if not _named(item, key):
                name = item.get("id") or item.get("code") or "?"
                problems.append(document.problem((section, index), f"{what} {name} has no Chinese name ({key})"
                                                                   f"{_BECAUSE}"))  # fmt: skip
    return problems


@dataclass(frozen=True, slots=True)
class PageLength:
    """The Chinese SMS page a rule sends when a station reaches a level (in a drill: the longest)."""

    rule: str
    station: str
    level: Level
    message: Composed

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def characters(self) -> int:
        return len(self.text)

    @property
    def segments(self) -> int:
        return sms_segments(self.text)

    @property
    def cut(self) -> bool:
        """Whether even its shortest form took more than three segments, so its reason was cut short."""
        return "…" in self.text or self.segments > MOST_SEGMENTS


def page_lengths(rule_paths: list[Path]) -> list[PageLength]:
    """Every rule's Chinese page at every level of every station, as it would go out in a drill (its
    mark makes it the longest), the reading exactly at the threshold."""
    pages = []
    for rule in load_rulebook(rule_paths).rules:
        for station in rule.stations.values():
            previous: Level | None = None
            for threshold in sorted(station.thresholds, key=lambda t: t.level.rank):
                value = threshold.above if threshold.rising else threshold.below
                assert value is not None
                pages.append(PageLength(rule.id, station.spec.id, threshold.level,
                                        _page(rule, station, value, previous, threshold.level)))  # fmt: skip
                previous = threshold.level
    return pages


def _page(rule: CompiledRule, station: Any, value: float, previous: Level | None, level: Level) -> Composed:
    reasons = judged(rule, station, value, previous, level)
    content = render_content(rule, station, value=value, unit=signal_unit(rule), level=level, previous=previous,
                             certainty="Observed", reasons=reasons)  # fmt: skip
    return compose_message(purpose=NotificationPurpose.page, channel=Channel.sms, language="zh-CN", exercise=True,
                           code="F0001", hazard=rule.hazard, level=level, title=rule.spec.title,
                           reason=reasons["en"], content=content)  # fmt: skip
