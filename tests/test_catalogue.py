"""Texts a Chinese recipient can read: every message in the code has its Chinese in the catalogue, the
bundled rules and organisation name everything in Chinese, pages fit the SMS length, and the pages of
the bundled drill are all Chinese for Chinese recipients."""

from __future__ import annotations

import re
import string
import warnings
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from warning import cli
from warning.catalogue import _translations
from warning.dispatch.messages import BundleItem, compose, compose_bundle
from warning.dispatch.segments import sms_segments
from warning.domain import Channel, Level, NotificationPurpose
from warning.language_lint import missing_chinese_names, page_lengths

KEYWORDS = {"say": (2,), "say_with_values": (2,), "both": (1,), "N_": None}


def _messages_in_code() -> dict[str, str]:
    """msgid -> where the code says it, found as Babel's extractor finds them."""
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # f-strings given as field values, not messages
        for file, line, message, _, _ in extract_from_dir(ROOT / "warning", method_map=[("**.py", "python")],
                                                          keywords=KEYWORDS, comment_tags=()):  # fmt: skip
            if isinstance(message, str):
                found.setdefault(message, f"warning/{file}:{line}")
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_in_the_code_has_its_chinese_and_the_catalogue_keeps_nothing_else() -> None:
    in_code = _messages_in_code()
    chinese = _translations("zh-CN")
    assert len(in_code) > 60
    missing = [f"{where}: {message!r}" for message, where in in_code.items() if message not in chinese]
    assert not missing, "no Chinese in warning/locale/zh_CN/LC_MESSAGES/warning.po for:\n" + "\n".join(missing)
    stale = sorted(set(chinese) - set(in_code))
    assert not stale, f"the catalogue translates messages the code no longer says: {stale}"
    for message, text in chinese.items():  # a translation may leave a field out, never invent one
        assert _fields(text) <= _fields(message), (message, text)


def test_the_bundled_rules_and_organisation_name_everything_in_chinese_and_their_pages_fit() -> None:
    assert missing_chinese_names([ROOT / "rules"], ROOT / "org" / "jinan.yaml") == []
    pages = page_lengths([ROOT / "rules"])
    assert len(pages) > 100
    assert all(page.segments <= 3 and not page.cut for page in pages)
    single = sum(1 for page in pages if page.segments == 1)
    assert single / len(pages) > 0.95, [page.text for page in pages if page.segments > 1]
    result = CliRunner().invoke(cli.main, ["lint", "--rules", str(ROOT / "rules"), "--organisation",
                                           str(ROOT / "org" / "jinan.yaml"), "--no-pages"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{len(pages)} Chinese pages: {single} in one SMS segment" in result.output


def test_lint_refuses_a_rule_station_or_person_without_a_chinese_name_at_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "flood.yaml").write_text(
        "hazard: flood\nrules:\n  - id: stage\n    title: Stage high\n    kind: water_level\n    unit: m\n"
        "    stations:\n      - id: G1\n        name: Gauge one\n        area: '370102'\n"
        "        levels: {yellow: {above: 3, clear_below: 2.8}}\n",
        encoding="utf-8",
    )
    org = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8").replace("name_zh: 李娜, ", "", 1)
    (tmp_path / "org.yaml").write_text(org, encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["lint", "--rules", str(rules), "--organisation", str(tmp_path / "org.yaml")])
    assert result.exit_code == 1
    assert f"{rules / 'flood.yaml'}:3: rule stage has no Chinese name (title_zh)" in result.output
    assert f"{rules / 'flood.yaml'}:8: station G1 has no Chinese name (name_zh)" in result.output
    line = next(n for n, text in enumerate(org.splitlines(), start=1) if "id: li-na" in text)
    assert f"{tmp_path / 'org.yaml'}:{line}: person li-na has no Chinese name" in result.output
    assert "Gauge one读数3m" in result.output  # the page as it would read: English where Chinese is missing


def test_lint_names_every_page_too_long_for_its_registered_template_at_the_template_s_line(tmp_path: Path) -> None:
    registered = (ROOT / "org" / "aliyun-templates.yaml").read_text(encoding="utf-8")
    assert "\nvalue_length: 70" in registered
    templates = tmp_path / "templates.yaml"  # approved at the service's default: 35 characters a value
    templates.write_text(registered.replace("\nvalue_length: 70", "\nvalue_length: 35"), encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["lint", "--rules", str(ROOT / "rules"), "--organisation",
                                           str(ROOT / "org" / "jinan.yaml"), "--templates", str(templates),
                                           "--no-pages"])  # fmt: skip
    assert result.exit_code == 1
    line = next(n for n, text in enumerate(registered.splitlines(), start=1) if text.startswith("  page:"))
    assert (f"{templates}:{line}: rule tunnel-gas-rising, station GAS-370102-UT01-C03, yellow: ${{reason}} is 42 "
            "characters, and SMS_480000001 takes at most 35") in result.output  # fmt: skip
    assert "; 8 values too long for their template" in result.output


@pytest.mark.parametrize(
    ("text", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("{" * 80, 1), ("{" * 81, 2),
     ("汛" * 70, 1), ("汛" * 71, 2), ("汛" * 134, 2), ("汛" * 135, 3), ("a" * 69 + "汛", 1), ("😀" * 35, 1),
     ("😀" * 36, 2)],
)  # fmt: skip
def test_segments_are_counted_as_carriers_count_them(text: str, segments: int) -> None:
    assert sms_segments(text) == segments


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("水位超警戒小清河站，。abc 0123"), min_size=0, max_size=400),
    st.sampled_from(list(NotificationPurpose)),
    st.sampled_from(["zh-CN", "en"]),
    st.booleans(),
    st.text(alphabet=st.sampled_from("请巡查堤防，转移群众"), max_size=80),
)
def test_an_sms_never_takes_more_than_three_segments_and_always_says_its_warning(
    reason: str, purpose: NotificationPurpose, language: str, exercise: bool, instruction: str
) -> None:
    content = {
        "title": {"zh-CN": "河道水位超警戒", "en": "River stage high"},
        "cap": {"instruction": {language: instruction}},
    }
    text = compose(purpose=purpose, channel=Channel.sms, language=language, exercise=exercise, code="F0042",
                   hazard="flood", level=Level.orange, title="River stage high", reason=reason,
                   content=content)  # fmt: skip
    assert sms_segments(text) <= 3
    assert "F0042" in text and ("橙色" in text if language == "zh-CN" else "Orange" in text)
    if purpose is NotificationPurpose.page:
        assert ("回复1" in text) if language == "zh-CN" else ("Reply 1" in text)
    if exercise:
        assert text.startswith("【演练】" if language == "zh-CN" else "[DRILL] ")
    short = compose(purpose=purpose, channel=Channel.sms, language=language, exercise=exercise, code="F0042",
                    hazard="flood", level=Level.orange, title="",
                    reason="水位4.3m" if language == "zh-CN" else "stage 4.3 m", content={})  # fmt: skip
    assert sms_segments(short) == 1  # a short page fits one


def test_a_bundle_too_long_for_three_segments_names_the_first_warnings_and_counts_the_rest() -> None:
    title = {"zh-CN": "河道水位超警戒" * 2, "en": "River stage above warning stage"}
    items = [BundleItem(NotificationPurpose.page, f"F{n:04d}", "flood", Level.yellow, title) for n in range(1, 31)]
    text = compose_bundle(channel=Channel.sms, language="zh-CN", exercise=False, items=items).text
    assert sms_segments(text) <= 3
    assert (
        text.startswith("30条预警：")
        and "F0001" in text
        and "另有" in text
        and text.endswith("回复1全部确认，或“确认 编号”确认其一。")
    )
    spoken = compose_bundle(channel=Channel.voice, language="zh-CN", exercise=False, items=items).text
    assert all(f"F{n:04d}" in spoken for n in range(1, 31))  # a call says them all


# What may stay in Latin letters in a Chinese page: warning codes, Roman level numbers, units.
_NOT_WORDS = re.compile(r"[A-Z]\d{4}|\b(?:I|II|III|IV)级|%LEL/h|%LEL|km/h|m/h|mm|m\b|\d+")


@pytest.mark.parametrize("scenario", ["flood-drill.yaml", "riverside-flood.yaml"])  # the drill, and the demo's
def test_every_page_of_the_bundled_drill_to_a_chinese_recipient_is_in_chinese(scenario: str) -> None:
    from warning.drills.runner import run_drill
    from warning.escalation.org import load_organisation

    org = load_organisation(ROOT / "org" / "jinan.yaml")
    chinese = {person.phone for person in org.spec.people if person.language == "zh-CN"}
    result = run_drill(ROOT / "scenarios" / scenario)
    sent = {(d["data"]["text"], d["data"]["channel"]) for d in result.decisions
            if d["kind"] == "notification_sent" and d["data"]["phone"] in chinese}  # fmt: skip
    assert len(sent) >= 4 and {channel for _, channel in sent} == {"sms", "voice"}
    for text, channel in sent:
        assert not re.search(r"[A-Za-z]", _NOT_WORDS.sub("", text)), text
        if channel == "sms":
            assert sms_segments(text) == 1, text
