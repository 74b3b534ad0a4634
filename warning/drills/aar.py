"""The after-action report of a drill: one self-contained HTML file (styles and plots inline, nothing
fetched), laid out as an HSEEP-style evaluation (objective, score, evidence, recommendation; strengths
and areas for improvement), with the response times, the escalation chart, the stations' readings,
the messages against the carrier budgets, the Master Scenario Events List and the timeline; in zh-CN
or en. `export_pdf` prints it to PDF with headless Chromium. The same drill gives the same report."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from warning.areas import within
from warning.decisions.events import decision_from
from warning.decisions.render import Names, summary
from warning.domain import Level
from warning.drills.expectations import Evaluation, Score, Verdict, span_text
from warning.drills.injects import in_language
from warning.drills.measures import Measures, measure
from warning.drills.plots import acknowledgement_chart, budget_chart, escalation_chart, station_plot, use_fonts
from warning.drills.runner import DrillResult
from warning.errors import WarningEngineError

LANGUAGES = ("zh-CN", "en")

_ZH = {
    "After-action report": "演练评估报告",
    "EXERCISE": "演练",
    "Exercise overview": "演练概况",
    "Exercise window": "演练时段",
    "Mode": "方式",
    "Scenario": "情景文件",
    "Rules": "规则",
    "Organisation": "组织机构",
    "Drill roster": "演练名单",
    "What happened": "概况",
    "Summary of results": "结果摘要",
    "met": "达成",
    "missed": "未达成",
    "not applicable": "不适用",
    "Objectives and evaluation": "目标与评估",
    "rating_key": "评分（HSEEP）：P 顺利完成；M 完成但有重大困难（超时）；U 未能完成；N/A 本次演练未涉及。",
    "Objective": "目标",
    "Score": "评分",
    "Measured": "实测",
    "Evidence": "依据",
    "Recommendation": "建议",
    "Strengths": "优势",
    "Areas for improvement": "待改进事项",
    "none": "无",
    "Response times": "响应时间",
    "Escalation": "升级通知",
    "Nobody was paged.": "未通知任何人。",
    "Warnings and readings": "预警与监测数据",
    "Warning": "预警",
    "Hazard": "灾种",
    "Levels": "级别",
    "Opened": "发布",
    "Lifted": "解除",
    "Department": "部门",
    "Tier": "层级",
    "First paged": "首次通知",
    "Messages": "消息",
    "Acknowledged": "确认",
    "Time to acknowledge": "确认用时",
    "Messages against the carrier budgets": "消息量与运营商限额",
    "Master Scenario Events List": "情景事件清单",
    "Inject": "注入",
    "Time": "时间",
    "Event": "事件",
    "Expected player action": "预期处置",
    "Outcome": "结果",
    "Timeline": "时间线",
    "decisions": "条决策",
    "readings": "监测值",
    "threshold": "预警线",
    "clear level": "解除线",
    "SMS": "短信",
    "voice call": "语音电话",
    "voice calls": "语音电话",
    "acknowledged": "已确认",
    "never": "未确认",
    "minutes from first page to acknowledgement": "自首次通知至确认（分钟）",
    "by department": "按部门",
    "by tier": "按层级",
    "most calls in one hour": "一小时内最多来电",
    "carrier limit": "运营商限额",
    "calls an hour": "次/小时",
    "calls a day": "次/天",
    "identical SMS a day": "条相同短信/天",
    "messages in the drill": "演练中的消息数",
    "district": "区县",
    "city": "市",
    "province": "省",
    "street": "街道",
    "community": "社区",
    "ack_caption": "各部门、各层级自首次通知至确认的平均用时。",
    "escalation_caption": "每个部门参与每条预警的过程：自首次通知（条形起点）至确认（★）；灰色表示由他部门的确认了结"
    "（未达会签级别）；斜线表示至预警结束仍未确认。▼ 短信，● 语音电话。",
    "budget_caption": "每人对各项运营商限额的最高占用：同一号码每小时、每天的来电数，每天相同短信数；超过 100% "
    "时运营商会丢弃或延迟消息（调度程序会改为等待或改用另一渠道）。",
    "virtual": "虚拟时钟回放（无人值守）",
    "live": "实时演练（可暂停、调速）",
    "MTTD": "平均发现用时（MTTD）",
    "MTTA": "平均确认用时（MTTA）",
    "MTTR": "平均处置用时（MTTR）",
    "def_mttd": "自首次超过预警线的监测值至据此发布预警（或新增原因）的用时，按监测值本身判定的原因取平均；"
    "变化率与时间窗统计没有单一的首个监测值，不计入。",
    "def_mtta": "自预警发布至首次被任何人确认的用时，按预警取平均。",
    "def_mttr": "自预警发布至解除的用时，按演练中已解除的预警取平均。",
    "def_tta": "部门确认用时：自该部门就某预警首次被通知至其首次确认。",
    "Time to acknowledge (department)": "部门确认用时",
    "not measured": "未测得",
    "over": "条",
    "all_met": "全部目标达成。",
    "some_missed": "有目标未达成，见第 3 节的建议。",
    "default_recommendation": "复核预案中该目标涉及的步骤、人员与联系方式。",
    "refused": "被拒绝",
    "settled": "已由他部门确认",
    "calls": "来电",
    "call": "来电",
    "hour": "小时",
    "day": "天",
    "identical SMS": "相同短信",
    "busiest use of the limit (%)": "限额最高占用（%）",
    "silent": "无数据",
    "min": "分",
    "flood": "洪水",
    "waterlogging": "内涝",
    "gas": "燃气",
    "traffic": "交通",
    "weather": "气象",
}

_EN = {
    "rating_key": "Scores (HSEEP): P performed without challenges; M performed with major challenges (late); "
    "U unable to be performed; N/A not exercised in this drill.",
    "ack_caption": "Mean time from a department's first page to its acknowledgement, by department and by tier.",
    "escalation_caption": "Each department's part in each warning: from its first page (start of the bar) to its "
    "acknowledgement (★); grey: settled by another department's acknowledgement (below the quorum level); hatched: "
    "still unacknowledged when the warning ended. ▼ SMS, ● voice call.",
    "budget_caption": "Each person's busiest use of every carrier limit (calls to one number an hour and a day, "
    "identical SMS a day); over 100 % the carrier would drop or delay a message (the dispatcher waits or moves it "
    "to the other channel instead).",
    "virtual": "replay on a virtual clock (unattended)",
    "live": "live, on a controlled clock (pause, resume, speed)",
    "MTTD": "Mean time to detect (MTTD)",
    "MTTA": "Mean time to acknowledge (MTTA)",
    "MTTR": "Mean time to resolve (MTTR)",
    "def_mttd": "From the first reading at or over a threshold to the warning (or new cause) raised on it, averaged "
    "over causes judged on a reading's own value; a rate or a window has no single first reading and is left out.",
    "def_mtta": "From a warning's opening to its first acknowledgement by anyone, averaged over warnings.",
    "def_mttr": "From a warning's opening to its lifting, averaged over the warnings lifted during the drill.",
    "def_tta": "Department time to acknowledge: from a department's first page about a warning to its first "
    "acknowledgement.",
    "over": "",
    "all_met": "Every objective was met.",
    "some_missed": "Some objectives were missed; see the recommendations in section 3.",
    "default_recommendation": "Review the plan's steps, people and numbers for this objective.",
}


def words_for(language: str) -> Callable[[str], str]:
    """The report's words in `language`; a level's name in Chinese is the level's own."""
    if language != "zh-CN":
        return lambda text: _EN.get(text, text)
    return lambda text: Level(text).zh if text in Level.__members__ else _ZH.get(text, text)


def _span(span: timedelta | None, words: Callable[[str], str]) -> str:
    return span_text(span, "zh-CN" if words("met") != "met" else "en") if span is not None else words("not measured")


def _rating(score: Score) -> tuple[str, str]:
    if score.verdict is Verdict.met:
        return "P", "P"
    if score.verdict is Verdict.not_applicable:
        return "N/A", "NA"
    return ("M", "M") if score.measured is not None else ("U", "U")


def build_report(result: DrillResult, language: str, *, mode: str = "virtual") -> str:
    """The report as one HTML document."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: use one of {', '.join(LANGUAGES)}")
    use_fonts(language)
    w = words_for(language)
    zh = language == "zh-CN"
    context = result.directory
    spec = result.scenario
    zone = spec.start.tzinfo
    end = spec.start + spec.duration

    def clock(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M:%S") if moment is not None else "—"

    def department_name(department_id: str) -> str:
        name, name_zh, _ = context.departments.get(department_id, (department_id, None, ""))
        return (name_zh or name) if zh else name

    def person_name(person_id: str) -> str:
        return context.people.get(person_id, person_id)

    area_of = {department: area for department, (_, _, area) in context.departments.items()}
    measures = measure(result.decisions, result.department_of, area_of, result.series, context.budget, end)
    names = Names(people=context.people, departments={d: department_name(d) for d in context.departments})

    # Scored again in the report's language, naming people and departments as the reader does.
    evaluation = Evaluation(result.decisions, result.department_of, spec.roster, end, result.series,
                            language=language, names=names)  # fmt: skip
    scores = evaluation.score(spec.expectations)
    said = {d["seq"]: summary(decision_from(d["data"]), language, names) for d in result.decisions}
    counts = {"met": sum(s.verdict is Verdict.met for s in scores), "missed": len(result.missed),
              "na": sum(s.verdict is Verdict.not_applicable for s in scores)}  # fmt: skip
    objectives = []
    for score in scores:
        rating, rating_class = _rating(score)
        verdict_class = {"met": "met", "missed": "missed"}.get(score.verdict.value, "na")
        recommendation = in_language(score.expectation.recommendation, language) or (
            w("default_recommendation") if score.verdict is Verdict.missed else ""
        )
        objectives.append({
            "id": score.expectation.id, "objective": in_language(score.expectation.objective, language),
            "rating": rating,
            "rating_class": rating_class, "verdict": w(score.verdict.value), "verdict_class": verdict_class,
            "measured": _span(score.measured, w) if score.measured is not None else "",
            "detail": score.detail, "recommendation": recommendation,
            "proof": [f"{clock(p.at)} {said.get(p.seq, p.summary)}" for p in score.proof[:4]],
        })  # fmt: skip
    strengths = [f"{s.expectation.id}: {in_language(s.expectation.objective, language)} ({s.detail})" for s in scores
                 if s.verdict is Verdict.met]  # fmt: skip
    improvements = [
        f"{s.expectation.id}: {in_language(s.expectation.objective, language)} ({s.detail}). {w('Recommendation')}: "
        f"{in_language(s.expectation.recommendation, language) or w('default_recommendation')}"
        for s in scores
        if s.verdict is Verdict.missed
    ]
    warnings = {warning.code: warning for warning in measures.warnings}
    station_svgs = []
    for station, points in result.series.items():
        name, name_zh, unit = context.stations.get(station, (station, None, ""))
        shown = (name_zh or name) if zh else name
        about = [warning for warning in measures.warnings if station in warning.thresholds]
        silent = silent_windows(result, station)
        caption = ", ".join([warning.code for warning in about] + [f"{w('silent')}: {i}" for _, _, i in silent])
        station_svgs.append({
            "svg": station_plot(station, f"{shown} ({station})", points, about, w, zone, unit, silent),
            "caption": caption,
        })  # fmt: skip
    return _environment().get_template("report.html.j2").render(
        language=language, w=w, drill=spec,
        window=f"{spec.start.isoformat(timespec='minutes')} — {end.isoformat(timespec='minutes')} ({spec.duration})",
        mode=w(mode), scenario_file=result.scenario_file, rules=", ".join(spec.rules), organisation=spec.organisation,
        roster=", ".join(spec.roster), happened=_happened(result, measures, language),
        counts=counts, overall=w("all_met") if not result.missed else w("some_missed"),
        objectives=objectives, strengths=strengths, improvements=improvements,
        headline=_headline(measures, w), definitions=_definitions(w),
        acknowledgement_svg=acknowledgement_chart(measures.acknowledgement_by("department"),
                                                  measures.acknowledgement_by("tier"), department_name, w)
        if measures.tracks else "",
        tracks=[{
            "incident": t.incident, "department": department_name(t.department), "tier": w(t.tier),
            "first_paged": clock(t.first_paged), "messages": len(t.pages),
            "acknowledged": f"{clock(t.acknowledged)} {person_name(t.acknowledged_by or '')}"
            if t.acknowledged else "—",
            "took": _span(t.time_to_acknowledge, w) if t.acknowledged else
            f"{w('settled')} {clock(t.settled)}" if t.settled else w("never"),
        } for t in measures.tracks],
        escalation_svg=escalation_chart(measures.tracks, warnings, department_name, person_name, w, zone, end)
        if measures.tracks else "",
        warnings=[{
            "code": warning.code, "hazard": w(warning.hazard), "opened": clock(warning.opened),
            "lifted": clock(warning.lifted),
            "levels": [{"level": span.level.value, "name": _level_name(span.level, zh),
                        "window": f"{clock(span.start)}–{clock(span.end)}"} for span in warning.spans],
        } for warning in measures.warnings],
        station_svgs=station_svgs,
        budget_svg=budget_chart(measures, person_name, w) if measures.loads else "",
        injects=[{"id": o.id, "at": clock(o.at), "what": o.what, "expect": in_language(o.expect, language),
                  "accepted": o.accepted, "result": o.result} for o in result.injects],
        timeline=[{"at": clock(datetime.fromisoformat(d["at"])), "text": summary(decision_from(d["data"]), language,
                                                                                 names)}
                  for d in result.decisions],
        footer=_footer(result, language),
    )  # fmt: skip


def silent_windows(result: DrillResult, station: str) -> list[tuple[datetime, datetime, str]]:
    """When a fault inject kept the station (or its whole area) silent: (start, end, inject id)."""
    area = result.directory.station_areas.get(station)
    windows = []
    for number, inject in enumerate(result.scenario.injects, 1):
        fault = inject.fault
        if fault is None or not (fault.station == station or (fault.area and area and within(area, fault.area))):
            continue
        start = result.scenario.start + inject.at
        windows.append((start, start + fault.lasting, inject.id or f"#{number}"))
    return windows


def _level_name(level: Level, zh: bool) -> str:
    return f"{level.zh}（{level.roman}级）" if zh else level.label


def _happened(result: DrillResult, measures: Measures, language: str) -> str:
    sent = sum(1 for d in result.decisions if d["kind"] == "notification_sent")
    refused = sum(1 for o in result.injects if not o.accepted)
    if language == "zh-CN":
        text = (f"{len(measures.warnings)} 条预警，{len(measures.tracks)} 个部门参与，发送 {sent} 条消息，"
                f"共 {len(result.decisions)} 条决策；{len(result.injects)} 个注入")  # fmt: skip
        text += f"（{refused} 个被拒绝）" if refused else ""
        if result.series_readings:
            text += f"；序列文件 {result.series_readings} 个监测值"
            text += f"（其中 {result.dropped_readings} 个因故障未送达）" if result.dropped_readings else ""
        return text + "。"
    text = (f"{len(measures.warnings)} warning(s), {len(measures.tracks)} department track(s), {sent} messages sent, "
            f"{len(result.decisions)} decisions; {len(result.injects)} injects")  # fmt: skip
    text += f" ({refused} refused)" if refused else ""
    if result.series_readings:
        text += f"; {result.series_readings} readings from series files"
        text += f" ({result.dropped_readings} never sent: a fault silenced them)" if result.dropped_readings else ""
    return text + "."


def _headline(measures: Measures, w: Callable[[str], str]) -> list[dict[str, str]]:
    lifted = sum(1 for warning in measures.warnings if warning.lifted is not None)
    acknowledged = sum(1 for warning in measures.warnings if warning.acknowledged is not None)
    return [
        {"name": w("MTTD"), "value": _span(measures.mttd, w), "note": f"n = {len(measures.detections)}"},
        {"name": w("MTTA"), "value": _span(measures.mtta, w), "note": f"n = {acknowledged}"},
        {"name": w("MTTR"), "value": _span(measures.mttr, w), "note": f"n = {lifted}"},
    ]


def _definitions(w: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"term": w(key), "text": w(f"def_{key.lower()}")} for key in ("MTTD", "MTTA", "MTTR")] + [
        {"term": w("Time to acknowledge (department)"), "text": w("def_tta")}
    ]


def _footer(result: DrillResult, language: str) -> str:
    digest = hashlib.sha256(
        "".join(json.dumps(d, sort_keys=True, ensure_ascii=False) for d in result.decisions).encode()
    ).hexdigest()[:16]
    if language == "zh-CN":
        return f"由 warning 生成。决策日志摘要 sha256:{digest}（同一情景每次回放相同）。"
    return f"Written by warning. Decision log digest sha256:{digest} (the same on every replay of the scenario)."


def _environment() -> Environment:
    return Environment(loader=PackageLoader("warning.drills", "templates"), autoescape=select_autoescape(["j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip


class ExportError(WarningEngineError):
    """The PDF could not be written (no Chromium, or it failed)."""


def find_browser(given: str | None = None) -> str:
    for candidate in (given,) if given else ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(candidate)
        if found:
            return found
    raise ExportError(f"printing the report to PDF needs Chromium{f' ({given} not found)' if given else ''}: install "
                      "it (Debian: apt-get install chromium) or name it with --browser")  # fmt: skip


def export_pdf(html: Path, pdf: Path, browser: str | None = None, timeout: float = 120) -> None:
    """Print the HTML report to PDF (A4) with headless Chromium."""
    command = [find_browser(browser), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
               "--run-all-compositor-stages-before-draw", f"--print-to-pdf={pdf.resolve()}",
               html.resolve().as_uri()]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ExportError(f"Chromium did not finish printing {html} within {timeout:g} s") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise ExportError(f"Chromium could not print {html} to PDF: {' / '.join(tail) or done.returncode}")
