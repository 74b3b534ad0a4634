"""The after-action report: self-contained, the same for the same drill, in zh-CN and en, with every
section a planner reads, and printed to PDF by Chromium."""

from __future__ import annotations

import re
import warnings
from html import unescape
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from click.testing import CliRunner
from matplotlib import font_manager

from tests.conftest import ROOT
from warning.cli import main
from warning.drills.aar import build_report
from warning.drills.plots import CJK_FONTS, use_fonts
from warning.drills.runner import DrillResult, run_drill

DEPUTY_AWAY = ROOT / "scenarios" / "flood-drill-deputy-away.yaml"


@pytest.fixture(scope="module")
def drill() -> DrillResult:
    return run_drill(DEPUTY_AWAY)


def _text(html: str) -> str:
    """The words a reader sees: no tags, no plot outlines."""
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", re.sub(r"<style.*?</style>", " ", html, flags=re.S),
                                           flags=re.S))  # fmt: skip
    return re.sub(r"\s+", " ", unescape(shown))


def test_the_report_fetches_nothing_and_is_the_same_on_every_build(drill: DrillResult) -> None:
    html = build_report(drill, "en")
    assert html == build_report(run_drill(DEPUTY_AWAY), "en")
    # Nothing loaded from anywhere: no scripts, links, images or stylesheets by address.
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "url(" not in html.replace("url(#", "")  # SVG's own clip paths only
    # Every plot is inline SVG: the escalation chart, acknowledgement times, budgets and two stations.
    assert html.count("<svg") == 5


def test_the_report_scores_the_drill_as_the_run_did_with_evidence_and_recommendations(drill: DrillResult) -> None:
    text = _text(build_report(drill, "en"))
    for section in ("1. Exercise overview", "2. Summary of results", "3. Objectives and evaluation",
                    "Strengths", "Areas for improvement", "4. Response times", "5. Escalation",
                    "6. Warnings and readings", "7. Messages against the carrier budgets",
                    "8. Master Scenario Events List", "9. Timeline"):  # fmt: skip
        assert section in text
    assert "7 met" in text and "1 missed" in text and "0 not applicable" in text
    assert "U missed" in text and "F0001: paged, never acknowledged by Lixia District Water Bureau" in text
    assert "Give the district water bureau's duty officer a second number" in text
    # MTTA and MTTR are measured and defined; MTTD from the stage cause (the rate cause has no first reading).
    assert "Mean time to acknowledge (MTTA) 20 min 20 s n = 2" in text
    assert "From a warning's opening to its lifting" in text
    # The department that never acknowledged, and the ones another department's acknowledgement settled.
    assert "F0001 Jinan City Water Bureau city 21:10:00" in text
    assert text.count("settled 21:40:20") == 2
    # The MSEL with the expected action beside each outcome.
    assert "I09 20:50:00 phone +8613800000002 unanswered for 3:00:00 " in text
    assert "The city water bureau is called when neither district officer answers." in text
    assert "I04 21:40:00" in text and "opened W0002" in text


def test_the_report_reads_in_chinese(drill: DrillResult) -> None:
    with warnings.catch_warnings():  # every Chinese glyph of the plots drawn, none as a box
        warnings.filterwarnings("error", message="Glyph .* missing from font")
        text = _text(build_report(drill, "zh-CN"))
    expected = [
        "演练评估报告", "目标与评估", "待改进事项", "平均确认用时（MTTA） 20分20秒", "已通知，历下区水务局始终未确认",
        "为区水务局值班员登记第二个号码", "区里两名值班人员都不接听时呼叫市水务局", "小清河滨河桥水位站", "洪水",
        "已由他部门确认 21:40:20",
    ]  # fmt: skip
    for words in expected:
        assert words in text, words
    with pytest.raises(ValueError, match="language 'fr'"):
        build_report(drill, "fr")


def test_a_chinese_font_installed_after_matplotlib_cached_its_fonts_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    known = [font for font in font_manager.fontManager.ttflist if font.name not in CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", known)  # the cache as written before the install
    use_fonts("zh-CN")
    assert plt.rcParams["font.sans-serif"][0] in CJK_FONTS


def test_drill_report_writes_html_and_a_pdf_and_exits_1_on_a_miss(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["drill", "report", str(DEPUTY_AWAY), "--out", str(out), "--language", "en"])
    assert result.exit_code == 1, result.output
    assert "E1    MISSED" in result.output
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4  # A4 pages, the plots among them


def test_a_missing_browser_is_named_and_the_html_is_still_written(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["drill", "report", str(ROOT / "scenarios" / "flood-drill.yaml"), "--out",
                                       str(out), "--browser", "no-such-chromium"])  # fmt: skip
    assert result.exit_code == 2
    assert "printing the report to PDF needs Chromium" in result.output
    assert (out / "report.html").is_file() and not (out / "report.pdf").exists()
