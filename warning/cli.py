"""Command line: `warning demo`, `warning drill run`, `warning rules check`, `warning run`,
`warning twilio-sim`, `warning stream worker`."""

from __future__ import annotations

import functools
import json
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO, NoReturn

import click
from sqlalchemy import Engine as SqlEngine
from sqlalchemy.exc import ArgumentError, OperationalError

from notifiers.simulator.behaviour import SimulatorScript
from notifiers.simulator.server import TwilioSimulator
from sensors.lines import line_batches
from sensors.mqtt import Broker, MqttFeed
from warning.app import build_accounts, build_runtime, prepare_database_url, start_live_timer
from warning.backtest import Backtest, load_observed, run_backtest
from warning.clock import live_clock
from warning.commands.client import api_option, call_api, token_option
from warning.decisions.events import decision_schema
from warning.dispatch.segments import MOST_SEGMENTS
from warning.dispatch.templates import load_templates
from warning.domain import EARLIEST_INSTANT, LATEST_INSTANT, Level, Reading, parse_duration
from warning.drills.report import narrative_lines, score_lines, timeline_lines
from warning.drills.runner import DrillResult, run_drill, write_decision_log
from warning.engine import Payload
from warning.errors import (
    ConfigFileError,
    DatabaseUnavailable,
    FileProblem,
    ReadingRejected,
    SchemaMismatch,
    SettingsError,
)
from warning.escalation.lint import lint_organisation
from warning.escalation.org import load_organisation
from warning.escalation.policy import describe_policy, explain_escalation
from warning.heap import settle_long_lived_heap
from warning.language_lint import missing_chinese_names, page_lengths
from warning.logs import configure_logging
from warning.publish.feed import XML_DECLARATION
from warning.rulebook import load_rule_files, load_rulebook
from warning.rulebook.explain import explain_rule
from warning.rulebook.testing import find_test_files, run_rule_test_file
from warning.settings import (
    PROJECT_ROOT,
    SIMULATOR_ACCOUNT_SID,
    SIMULATOR_AUTH_TOKEN,
    Settings,
    database_shown,
    mqtt_address,
)
from warning.store import Store
from warning.store.outage import until_available
from warning.store.repository import connect
from warning.store.schema import schema_state
from warning.store.schema import upgrade as upgrade_schema
from warning.yamlfile import load_spec

DEMO_SCENARIO = PROJECT_ROOT / "scenarios" / "riverside-flood.yaml"


def _fail(error: ConfigFileError) -> NoReturn:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    sys.exit(1)


@functools.cache
def _settings() -> Settings:
    """The environment's settings, read once per process; a wrong variable ends the command (exit 2)."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        _refuse(exc)


def _refuse(error: SettingsError) -> NoReturn:
    for problem in error.problems:
        click.echo(problem, err=True)
    sys.exit(2)


def _play(scenario: Path, database_url: str | None, decision_log: Path | None) -> DrillResult:
    """Run a drill, print its timeline, and write its decision log if asked."""
    settle_long_lived_heap()  # a drill is a feed-serving process too: a day of readings through one engine
    try:
        result = run_drill(scenario, database_url=database_url)
    except ConfigFileError as exc:
        _fail(exc)
    spec = result.scenario
    click.echo(f"Drill '{spec.name}' on a virtual clock from {spec.start.isoformat()} for {spec.duration}.")
    click.echo("Timeline")
    for line in timeline_lines(result):
        click.echo("  " + line)
    if decision_log is not None:
        write_decision_log(result.decisions, decision_log)
        click.echo(f"Decision log: {decision_log} ({len(result.decisions)} decisions)")
    return result


@click.group()
@click.option("--log-level", default="warning", type=click.Choice(["debug", "info", "warning", "error"]))
def main(log_level: str) -> None:
    """warning: early-warning rules engine for emergency coordination."""
    configure_logging(log_level)


def _write_cap(result: DrillResult, folder: Path) -> None:
    """Every CAP message the drill published, a file each, as published."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, alert in enumerate(result.alerts, start=1):
        name = f"{number:03d}-{alert.incident}-{alert.msg_type.lower()}-{alert.identifier}.xml"
        (folder / name).write_text(XML_DECLARATION + alert.xml + "\n", encoding="utf-8")
    click.echo(f"{len(result.alerts)} CAP 1.2 messages (each checked against the OASIS schema) written to {folder}")


@main.command()
@click.option("--scenario", type=click.Path(exists=True, path_type=Path), default=DEMO_SCENARIO)
@click.option("--decision-log", type=click.Path(path_type=Path), default=None)
@click.option("--cap-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="write every CAP 1.2 message the drill published as a file")  # fmt: skip
def demo(scenario: Path, decision_log: Path | None, cap_out: Path | None) -> None:
    """Play the built-in flood drill through the embedded engine and the Twilio simulator."""
    click.echo(
        "Embedded engine: SQLite, no Kafka; pages go through the real twilio client to the loopback Twilio simulator."
    )
    result = _play(scenario, None, decision_log)
    if cap_out is not None:
        _write_cap(result, cap_out)
    click.echo("\nWhat happened and why")
    for line in narrative_lines(result):
        click.echo("  " + line)


@main.group()
def drill() -> None:
    """Drills: replay scenario files on a virtual clock."""


@drill.command("run")
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--decision-log",
    type=click.Path(path_type=Path),
    default=None,
    help="write every decision as JSON lines; identical across replays",
)
@click.option("--db", "database_url", default=None, help="database URL (default: a fresh temporary SQLite file)")
@click.option("--cap-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="write every CAP 1.2 message the drill published as a file, for any validator")  # fmt: skip
def drill_run(scenario: Path, decision_log: Path | None, database_url: str | None, cap_out: Path | None) -> None:
    """Run SCENARIO, print its timeline and its expectations scored; exit 1 if any is missed."""
    result = _play(scenario, database_url, decision_log)
    if cap_out is not None:
        _write_cap(result, cap_out)
    if result.scores:
        click.echo("\nExpectations")
        for line in score_lines(result):
            click.echo("  " + line)
    if result.missed:
        sys.exit(1)


@drill.command("report")
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("var/drill-report"),
              show_default=True, help="folder for report.html and report.pdf")  # fmt: skip
@click.option("--language", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="also print it to PDF with headless Chromium")
@click.option("--browser", default=None, help="the Chromium to print with (default: chromium on the PATH)")
@click.option("--decision-log", type=click.Path(path_type=Path), default=None, help="also write the decision log")
def drill_report(scenario: Path, out_dir: Path, language: str, pdf: bool, browser: str | None,
                 decision_log: Path | None) -> None:  # fmt: skip
    """Run SCENARIO and write its after-action report; exit 1 if an expectation is missed."""
    from warning.drills.aar import ExportError, build_report, export_pdf  # matplotlib: only when asked for

    settle_long_lived_heap()
    try:
        result = run_drill(scenario)
    except ConfigFileError as exc:
        _fail(exc)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "report.html"
    html.write_text(build_report(result, language), encoding="utf-8")
    click.echo(f"Report: {html}")
    if decision_log is not None:
        write_decision_log(result.decisions, decision_log)
    if pdf:
        try:
            export_pdf(html, out_dir / "report.pdf", browser)
        except ExportError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        click.echo(f"PDF: {out_dir / 'report.pdf'}")
    for line in score_lines(result):
        click.echo("  " + line)
    if result.missed:
        sys.exit(1)


@drill.command("live")
@click.argument("scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--speed", type=click.FloatRange(0.1, 600), default=20.0, show_default=True,
              help="exercise seconds per wall second")  # fmt: skip
@click.option("--paused", is_flag=True, help="start with the clock stopped, for the controller to resume")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0: any free port")
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=Path("var/live-drill.db"),
              show_default=True, help="the drill's SQLite file, made afresh")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("var/live-drill"), show_default=True,
              help="where the report goes when the drill ends")  # fmt: skip
@click.option("--language", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.option("--pdf/--no-pdf", default=True, show_default=True)
def drill_live(scenario: Path, speed: float, paused: bool, port: int, database: Path, out_dir: Path, language: str,
               pdf: bool) -> None:  # fmt: skip
    """Play SCENARIO live on a controlled clock, with the console and the simulator's phones for real
    players; write its report when it ends (or on Ctrl-C); exit 1 if an expectation is missed."""
    from warning.drills.aar import ExportError, build_report, export_pdf
    from warning.drills.rehearsal import DEMO_USERS, Rehearsal

    try:
        database.unlink(missing_ok=True)
        database.parent.mkdir(parents=True, exist_ok=True)
        live = Rehearsal(scenario, f"sqlite:///{database}", speed=speed, port=port, paused=paused)
    except ConfigFileError as exc:
        _fail(exc)
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    token = build_accounts(live.runtime.store, live.runtime.engine).issue_token("planner", "exercise controller")
    live.start()
    click.echo(f"Live drill '{live.spec.name}': the exercise clock runs {speed:g} times faster than the wall"
               f"{' (paused)' if paused else ''}; pages go to the Twilio simulator.")  # fmt: skip
    click.echo(f"Console: {live.url}/console; sign in as:")
    for user in DEMO_USERS:
        click.echo(f"  {user.name:<11} password {user.password:<16} ({user.role.value.replace('_', ' ')})")
    click.echo(f"Control it: warning drill control pause|resume|speed N|state --api {live.url} --token {token.secret}")
    sys.stdout.flush()
    try:
        while not stop.wait(0.5) and not live.finished.is_set():
            pass
        result = live.result()
    finally:
        live.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "report.html"
    html.write_text(build_report(result, language, mode="live"), encoding="utf-8")
    click.echo(f"{'The drill has played to its end' if live.finished.is_set() else 'Stopped'}. Report: {html}")
    if pdf:
        try:
            export_pdf(html, out_dir / "report.pdf")
            click.echo(f"PDF: {out_dir / 'report.pdf'}")
        except ExportError as exc:
            click.echo(f"error: {exc}", err=True)
    for line in score_lines(result):
        click.echo("  " + line)
    if result.missed:
        sys.exit(1)


@drill.command("control")
@click.argument("action", type=click.Choice(["state", "pause", "resume", "speed"]))
@click.argument("speed", type=float, required=False)
@api_option
@token_option
def drill_control(action: str, speed: float | None, api: str, token: str) -> None:
    """Pause, resume or change the speed of a live drill's clock (the exercise controller's), or show it."""
    if action == "speed" and speed is None:
        raise click.UsageError("speed needs a number: warning drill control speed 60")
    if action == "state":
        answer = call_api("GET", "/api/drill", None, api, token)
    else:
        body = {"speed": speed} if action == "speed" else None
        answer = call_api("POST", f"/api/drill/{action}", body, api, token)
    click.echo(f"{answer['scenario']}: {answer['state']} at {answer['speed']:g}x, exercise time {answer['now']}, "
               f"{answer['injects_done']} of {answer['injects']} injects done")  # fmt: skip


def _backtest_rows(backtest: Backtest) -> dict[tuple[str, str], list[str]]:
    def minutes(span: timedelta | None) -> str:
        return f"{span.total_seconds() / 60:+.0f}" if span is not None else "-"

    return {
        (score.rule, score.station): [str(score.warnings), str(score.hits), str(score.misses), str(score.false_alarms),
                                      minutes(score.mean_lead), f"{score.in_warning.total_seconds() / 3600:.1f}",
                                      str(score.flaps)]
        for score in backtest.scores
    }  # fmt: skip


@main.command()
@click.option("--rules", "rule_paths", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="rule files or folders (with their stations.yaml)")  # fmt: skip
@click.option("--readings", "reading_paths", multiple=True, required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="recorded readings: CSV or JSON lines with observed_at, sensor_id, kind, value, unit")  # fmt: skip
@click.option("--events", "events_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the events observed on the ground (YAML)")  # fmt: skip
@click.option("--compare", "compare_paths", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="another rule set, scored on the same readings beside the first")  # fmt: skip
@click.option("--lead-window", default="24h", show_default=True, help="how long before an event a warning counts")
@click.option("--flap-within", default="1h", show_default=True, help="a warning again this soon after clearing flaps")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the figures as JSON")  # fmt: skip
def backtest(rule_paths: tuple[Path, ...], reading_paths: tuple[Path, ...], events_path: Path,
             compare_paths: tuple[Path, ...], lead_window: str, flap_within: str,
             json_path: Path | None) -> None:  # fmt: skip
    """Run rules over recorded readings at full speed (no pages, no escalation, no database) and score
    the warnings they would have raised against the observed events, per rule and station."""
    try:
        window, flap = parse_duration(lead_window), parse_duration(flap_within)
        observed = load_observed(events_path)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    except ConfigFileError as exc:
        _fail(exc)
    settle_long_lived_heap()
    results = []
    for paths in (rule_paths, compare_paths) if compare_paths else (rule_paths,):
        lines = sum(max(0, path.stat().st_size // 48) for path in reading_paths)  # about; for the bar only
        with click.progressbar(length=lines, label=f"{', '.join(map(str, paths))}", file=sys.stderr) as bar:
            try:
                results.append(run_backtest(list(paths), list(reading_paths), observed.events, lead_window=window,
                                            flap_within=flap, progress=bar.update))  # fmt: skip
            except ConfigFileError as exc:
                _fail(exc)
    first, last = results[0].first, results[0].last
    click.echo(f"{results[0].readings} readings from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}"
               if first and last else "no readings")  # fmt: skip
    for problem in results[0].set_aside:
        click.echo(f"set aside: {problem}", err=True)
    if results[0].set_aside_count > len(results[0].set_aside):
        click.echo(f"set aside: {results[0].set_aside_count - len(results[0].set_aside)} more lines", err=True)
    header = ["warnings", "hits", "misses", "false", "lead min", "warn h", "flaps"]
    rows = [_backtest_rows(result) for result in results]
    keys = sorted({key for table in rows for key in table})
    width = max((len(f"{rule} @ {station}") for rule, station in keys), default=10)
    titles = " | ".join(" ".join(f"{h:>8}" for h in header) for _ in results)
    click.echo(f"{'rule @ station':<{width}}  {titles}")
    for key in keys:
        cells = " | ".join(" ".join(f"{c:>8}" for c in table.get(key, ["-"] * len(header))) for table in rows)
        click.echo(f"{key[0] + ' @ ' + key[1]:<{width}}  {cells}")
    for label, result in zip(("rules", "compare"), results, strict=False):
        totals = result.totals()
        pod, far = totals["probability_of_detection"], totals["false_alarm_ratio"]
        lead = totals["mean_lead_minutes"]
        click.echo(f"{label}: {totals['events_warned']} of {totals['events']} events warned"
                   f"{f' (POD {pod:.2f})' if pod is not None else ''}, {totals['false_alarms']} false alarms"
                   f"{f' (FAR {far:.2f})' if far is not None else ''}, mean lead "
                   f"{f'{lead:.0f} min' if lead is not None else '-'}, {totals['flaps']} flaps")  # fmt: skip
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps([{
            "rules": result.rules, "readings": result.readings, "totals": result.totals(),
            "stations": [{"rule": s.rule, "station": s.station, "warnings": s.warnings, "hits": s.hits,
                          "misses": s.misses, "false_alarms": s.false_alarms, "flaps": s.flaps,
                          "hours_in_warning": s.in_warning.total_seconds() / 3600,
                          "mean_lead_minutes": s.mean_lead.total_seconds() / 60 if s.mean_lead else None}
                         for s in result.scores],
        } for result in results], indent=2), encoding="utf-8")  # fmt: skip


@main.group()
def rules() -> None:
    """Rule files: check, test and explain them."""


@rules.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def rules_check(paths: tuple[Path, ...]) -> None:
    """Validate rule files; print every problem as file:line: message; exit 1 if any."""
    try:
        rulebook = load_rulebook(list(paths))
    except ConfigFileError as exc:
        _fail(exc)
    for rule in rulebook.rules:
        click.echo(f"{rule.source}: rule {rule.id} (version {rule.version}) ok, {len(rule.stations)} stations")
    for compound in rulebook.compounds:
        click.echo(f"{compound.source}: compound {compound.id} (version {compound.version}) ok, "
                   f"{compound.spec.match} of {', '.join(compound.spec.members)}")  # fmt: skip


@rules.command("explain")
@click.argument("rule_id")
@click.option(
    "--rules",
    "paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="rule files or folders (default: rules/)",
)
@click.option(
    "--organisation",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="organisation file for who would be notified (default: org/jinan.yaml)",
)
def rules_explain(rule_id: str, paths: tuple[Path, ...], organisation: Path | None) -> None:
    """What RULE_ID watches, its levels, and who it would notify."""
    settings = _settings()
    try:
        compiled = {rule.id: rule for rule in load_rule_files(list(paths) or list(settings.rules))}
        org = load_organisation(organisation or settings.organisation)
    except ConfigFileError as exc:
        _fail(exc)
    rule = compiled.get(rule_id)
    if rule is None:
        click.echo(f"no rule '{rule_id}'; known rules: {', '.join(sorted(compiled))}", err=True)
        sys.exit(1)
    for line in explain_rule(rule):
        click.echo(line)
    for area in sorted({station.spec.area for station in rule.stations.values()}):
        for line in describe_policy(org, rule.hazard, area):
            click.echo("  " + line)


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def rules_test(paths: tuple[Path, ...]) -> None:
    """Run rule unit tests (*.test.yaml; default: rules/tests); exit 1 if any fails."""
    files = find_test_files(list(paths) or [PROJECT_ROOT / "rules" / "tests"])
    if not files:
        click.echo("no rule test files (*.test.yaml) found", err=True)
        sys.exit(1)
    failed = 0
    for file in files:
        try:
            results = run_rule_test_file(file)
        except ConfigFileError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            failed += 1
            continue
        for result in results:
            if result.passed:
                click.echo(f"PASS {result.file}:{result.line}: {result.name}")
                continue
            failed += 1
            click.echo(f"FAIL {result.file}:{result.line}: {result.name}")
            for line in result.missing:
                click.echo(f"  expected but not detected: {line}")
            for line in result.unexpected:
                click.echo(f"  detected but not expected: {line}")
    sys.exit(1 if failed else 0)


def _stop_on_signals() -> threading.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _wait_for_signal() -> None:
    _stop_on_signals().wait()


@main.command()
@click.option(
    "--readings",
    type=click.File("rb"),
    default=None,
    help="JSON lines of readings to ingest (- for standard input); otherwise serve webhooks only",
)
def run(readings: BinaryIO | None) -> None:
    """Run the live engine: wall clock, APScheduler wake-ups, HTTP API and Twilio webhooks."""
    settings = _settings()
    try:
        runtime = build_runtime(settings, live_clock(settings.clock))  # the clock was checked with the settings
    except SettingsError as exc:
        _refuse(exc)
    except ConfigFileError as exc:
        _fail(exc)
    except (SchemaMismatch, DatabaseUnavailable) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    settle_long_lived_heap()
    start_live_timer(runtime)
    assert runtime.api is not None

    # SIGHUP reloads the rule files and the organisation atomically; a broken file is refused and
    # what is running stays in force.
    def reload() -> None:
        if runtime.engine.reload_rules(lambda: load_rulebook(list(settings.rules))):
            settle_long_lived_heap()
        runtime.engine.reload_organisation(lambda: load_organisation(settings.organisation), str(settings.organisation))

    # A signal handler runs on the main thread between any two of its bytecodes, perhaps inside an
    # ingest holding the engine's (re-entrant) lock: reload on a thread of its own, which waits for it.
    def reload_on_signal(*_: object) -> None:
        threading.Thread(target=reload, name="reload", daemon=True).start()

    signal.signal(signal.SIGHUP, reload_on_signal)
    database = database_shown(settings.database_url)
    click.echo(f"engine running; API and webhooks on {runtime.api.url}; database {database}")
    for channel, through in runtime.channels.items():
        click.echo(f"  {channel} pages go through {through}")
    stop = _stop_on_signals()

    def ingest_lines(lines: BinaryIO) -> None:
        # Bytes, in batches of the lines at hand (one transaction each): a line that is not UTF-8
        # or not JSON is dead-lettered with its number, and the lines around it are ingested.
        for batch in line_batches(lines, stop=stop):
            payloads = [(f"readings-file:{number}", line.rstrip(b"\r\n")) for number, line in batch if line.strip()]
            if payloads:
                try:  # while the database is down the batch waits, and is not dropped
                    verdicts = until_available(lambda: runtime.engine.ingest_payloads(payloads), stop=stop)  # noqa: B023
                except DatabaseUnavailable:
                    return  # stopping: the rest of the file is not read
                runtime.feeds.observe("readings-file", verdicts, runtime.engine.clock.now())
            if stop.is_set():
                return

    def ingest_mqtt(payloads: Sequence[tuple[str, Payload | ReadingRejected]]) -> list[Reading | ReadingRejected]:
        verdicts = until_available(lambda: runtime.engine.ingest_payloads(payloads), stop=stop)
        runtime.feeds.observe("mqtt", verdicts, runtime.engine.clock.now())
        return verdicts

    feed = None
    if settings.mqtt_url is not None:
        broker = Broker(*mqtt_address(settings.mqtt_url))

        def area_of(sensor: str) -> str | None:  # the running rules' catalogue, reloads included
            return runtime.engine.evaluator.area_of(sensor)

        feed = MqttFeed(broker, settings.mqtt_topic_prefix, settings.mqtt_client_id, ingest_mqtt, area_of,
                        inflight=settings.mqtt_inflight).start()  # fmt: skip
        where = f"{feed.topic} on {feed.broker.host}:{feed.broker.port}"
        if feed.subscribed.wait(5):
            click.echo(f"  readings from MQTT: subscribed to {where} (QoS 1)")
        else:  # the feed keeps trying; the broker keeps a known session's messages meanwhile
            click.echo(f"  readings from MQTT: {where} not reachable yet; retrying", err=True)
    try:
        if readings is not None:  # read beside the main thread, which a signal must reach (stdin may block)
            threading.Thread(target=ingest_lines, args=(readings,), name="readings", daemon=True).start()
        stop.wait()
    finally:
        if feed is not None:
            feed.stop()
        runtime.close()


@main.group()
def db() -> None:
    """The database schema (WARNING_DATABASE_URL): its revision, and upgrades by migration."""


_db_option = click.option("--db", "database_url", default=None, help="database URL (default: WARNING_DATABASE_URL)")


def _schema_engine(database_url: str | None) -> SqlEngine:
    url = database_url or _settings().database_url
    try:
        return connect(prepare_database_url(url))
    except SettingsError as exc:
        _refuse(exc)
    except (ArgumentError, ValueError) as exc:
        click.echo(f"--db: {exc}", err=True)
        sys.exit(2)


@db.command("current")
@_db_option
def db_current(database_url: str | None) -> None:
    """Say which revision the database is at; exit 1 when it is behind this engine."""
    engine = _schema_engine(database_url)
    try:
        state = schema_state(engine)
    except OperationalError as exc:
        click.echo(f"cannot reach the database: {exc.orig}", err=True)
        sys.exit(2)
    finally:
        engine.dispose()
    click.echo(f"{engine.url.render_as_string(hide_password=True)}: {state.describe()}")
    sys.exit(0 if state.up_to_date else 1)


@db.command("upgrade")
@_db_option
def db_upgrade(database_url: str | None) -> None:
    """Run the migrations up to this engine's revision; a database from release 0.1 is adopted first."""
    engine = _schema_engine(database_url)
    try:
        before, after = upgrade_schema(engine)
    except SchemaMismatch as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except OperationalError as exc:
        click.echo(f"cannot reach the database: {exc.orig}", err=True)
        sys.exit(2)
    finally:
        engine.dispose()
    if before.up_to_date:
        click.echo(f"already at {after.revision}; nothing to do")
    else:
        start = before.revision or ("an empty database" if before.empty else "release 0.1")
        click.echo(f"upgraded from {start} to {after.revision}")


@main.group()
def config() -> None:
    """The settings this process would run with."""


@config.command("show")
def config_show() -> None:
    """Print every setting, from the environment or its default, with secrets masked; exit 2 if one is wrong."""
    rows = _settings().shown()
    width = max(len(variable) for variable, _ in rows)
    for variable, value in rows:
        click.echo(f"{variable.ljust(width)}  {value}")


@main.group()
def schema() -> None:
    """Published contracts, as JSON Schema."""


@schema.command("decisions")
def schema_decisions() -> None:
    """The decision log: each decision's `data`, one of the typed events by its `kind`."""
    click.echo(json.dumps(decision_schema(), indent=2, ensure_ascii=False, sort_keys=True))


@main.command("twilio-sim")
@click.option("--port", default=8089, show_default=True)
@click.option("--account-sid", default=SIMULATOR_ACCOUNT_SID, show_default=True)
@click.option("--auth-token", default=SIMULATOR_AUTH_TOKEN, show_default=True)
@click.option(
    "--behaviour",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YAML: `faults` for every number, and `numbers` with each phone's behaviour and fault script",
)
def twilio_sim(port: int, account_sid: str, auth_token: str, behaviour: Path | None) -> None:
    """Serve the loopback Twilio API simulator on the live clock until interrupted.

    Faults and behaviour can also be changed while it runs: POST /_sim/faults, POST /_sim/behaviour
    (GET shows the current ones), GET /_sim/events."""
    script = SimulatorScript()
    if behaviour is not None:
        try:
            script, _ = load_spec(behaviour, SimulatorScript, ConfigFileError)
        except ConfigFileError as exc:
            _fail(exc)
    simulator = TwilioSimulator(account_sid, auth_token, live=True, port=port).start()
    simulator.set_faults(script.faults)
    for phone, phone_behaviour in script.numbers.items():
        simulator.set_behaviour(phone, phone_behaviour)
    click.echo(f"Twilio simulator on {simulator.url} (account {account_sid}, {len(script.numbers)} scripted numbers)")
    try:
        _wait_for_signal()
    finally:
        simulator.stop()


@main.command("lint")
@click.option(
    "--rules",
    "rule_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="rule files or folders (default: the rules in force)",
)
@click.option(
    "--organisation",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="organisation file (default: the one in force)",
)
@click.option("--pages/--no-pages", default=True, show_default=True, help="list every rule's Chinese page")
@click.option(
    "--templates",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="a domestic provider's registered templates, checked too",
)
def lint(rule_paths: tuple[Path, ...], organisation: Path | None, pages: bool, templates: Path | None) -> None:
    """What a Chinese recipient reads: every rule, station, area, department and person named in Chinese,
    every page within three SMS segments (one where it can), and with --templates every kind of message
    registered with the parameters it fills. Problems as file:line: message; exit 1 if any."""
    settings = _settings() if not rule_paths or organisation is None else None
    paths = list(rule_paths) or list(settings.rules if settings else [])
    try:
        problems = missing_chinese_names(paths, organisation or (settings.organisation if settings else None))
        lengths = page_lengths(paths)
        if templates is not None:
            registered = load_templates(templates)
            click.echo(f"{templates}: {len(registered.by_kind)} kinds of message and {len(registered.menu)} "
                       "keypress answers registered")  # fmt: skip
    except ConfigFileError as exc:
        _fail(exc)
    for problem in problems:
        click.echo(str(problem), err=True)
    overlong = [FileProblem(str(templates), registered.lines.get(page.message.kind, 1),
                            f"rule {page.rule}, station {page.station}, {page.level.value}: {why}")
                for page in (lengths if templates is not None else [])
                for why in registered.too_long(page.message.kind, page.message.values)]  # fmt: skip
    for problem in overlong:  # each value within its template's approved length, or the page leaves by Twilio
        click.echo(str(problem), err=True)
    cut = [page for page in lengths if page.cut]
    for page in cut:
        click.echo(f"rule {page.rule}, station {page.station}, {page.level.value}: the Chinese page needs more "
                   f"than {MOST_SEGMENTS} SMS segments and is cut: {page.text}", err=True)  # fmt: skip
    if pages:
        for page in lengths:
            click.echo(f"{page.rule:<22} {page.station:<16} {page.level.value:<7} {page.characters:>3} characters, "
                       f"{page.segments} segment{'s' if page.segments > 1 else ''}: {page.text}")  # fmt: skip
    single = sum(1 for page in lengths if page.segments == 1)
    fitting = f"; {len(overlong)} values too long for their template" if templates is not None else ""
    click.echo(f"{len(lengths)} Chinese pages: {single} in one SMS segment, {len(lengths) - single - len(cut)} "
               f"in two or three, {len(cut)} cut; {len(problems)} names missing{fitting}")  # fmt: skip
    if problems or cut or overlong:
        sys.exit(1)


@main.group()
def escalation() -> None:
    """Escalation policies: lint and explain them."""


@escalation.command("lint")
@click.option("--organisation", type=click.Path(exists=True, path_type=Path), default=None)
def escalation_lint(organisation: Path | None) -> None:
    """Problems in the escalation policies (steps reaching nobody, carrier budgets exceeded); exit 1 if any."""
    try:
        org = load_organisation(organisation or _settings().organisation)
    except ConfigFileError as exc:
        _fail(exc)
    # DST changes are searched for in the year from today (a CLI may read the wall clock).
    problems = lint_organisation(org, year_from=datetime.now(UTC))
    for problem in problems:
        click.echo(problem)
    if problems:
        sys.exit(1)
    click.echo(f"{len(org.spec.policies)} policies ok")


@escalation.command("explain")
@click.option("--hazard", required=True, help="e.g. flood, gas, traffic, waterlogging")
@click.option("--level", type=click.Choice([level.value for level in Level]), default="yellow", show_default=True)
@click.option("--area", required=True, help="GB/T 2260 code of the incident's area, e.g. 370102")
@click.option("--at", "at_text", required=True, help="when the warning opens, e.g. 2026-07-14T03:00:00+08:00")
@click.option("--organisation", type=click.Path(exists=True, path_type=Path), default=None)
def escalation_explain(hazard: str, level: str, area: str, at_text: str, organisation: Path | None) -> None:
    """Who would be called, when, by which channel and why, step by step. Sends nothing."""
    try:
        at = datetime.fromisoformat(at_text)
    except ValueError:
        click.echo(f"--at {at_text!r}: write a time like 2026-07-14T03:00:00+08:00", err=True)
        sys.exit(2)
    if at.tzinfo is None:
        click.echo("--at needs a time zone, e.g. 2026-07-14T03:00:00+08:00", err=True)
        sys.exit(2)
    if not EARLIEST_INSTANT <= at < LATEST_INSTANT:
        click.echo(f"--at {at_text!r}: outside the span the engine handles (1970 to 9000)", err=True)
        sys.exit(2)
    try:
        org = load_organisation(organisation or _settings().organisation)
    except ConfigFileError as exc:
        _fail(exc)
    for line in explain_escalation(org, hazard, area, level, at):
        click.echo(line)
    click.echo("Nothing was sent.")


@main.group()
def readings() -> None:
    """Readings posted to the running engine as a feed (WARNING_API_URL, WARNING_FEED_TOKEN)."""


READINGS_PER_POST = 10_000


def _file_parts(lines: BinaryIO, csv_file: bool) -> Iterator[tuple[int, bytes]]:
    """(number of the part's first line in the file, the part) of at most READINGS_PER_POST lines;
    each part of a CSV file starts with the file's header row."""
    header = lines.readline() if csv_file else b""
    first, part = (2 if csv_file else 1), []
    for number, line in enumerate(lines, start=first):
        part.append(line if line.endswith(b"\n") else line + b"\n")
        if len(part) == READINGS_PER_POST:
            yield number - len(part) + 1, header + b"".join(part)
            part = []
    if part:
        yield number - len(part) + 1, header + b"".join(part)


@readings.command("post")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@api_option
@click.option("--token", envvar="WARNING_FEED_TOKEN", required=True, help="the feed's token (WARNING_FEED_TOKENS)")
def readings_post(file: Path, api: str, token: str) -> None:
    """Post FILE (CSV with a header row, or JSON lines) to POST /api/readings, in parts of 10,000
    lines; or a CAP 1.2 alert (.xml) to POST /api/cap. Print what was refused, by line of FILE (by area
    of the alert); exit 1 if anything was."""
    if file.suffix.lower() == ".xml":
        answer = call_api("POST", "/api/cap", file.read_bytes(), api, token, "application/cap+xml")
        for refusal in answer["refusals"]:
            click.echo(f"{file}: {refusal['where']}: {refusal['reason']}", err=True)
        click.echo(f"{answer['received']} warnings read, {answer['accepted']} accepted, {answer['refused']} refused")
        sys.exit(1 if answer["refused"] else 0)
    csv_file = file.suffix.lower() == ".csv"
    content_type = "text/csv" if csv_file else "application/x-ndjson"
    received = refused = 0
    with file.open("rb") as lines:
        for first, part in _file_parts(lines, csv_file):
            answer = call_api("POST", "/api/readings", part, api, token, content_type)
            received, refused = received + answer["received"], refused + answer["refused"]
            offset = first - (2 if csv_file else 1)  # "line N" of the part -> line of the file
            for refusal in answer["refusals"]:
                where = refusal["where"]
                if where.startswith("line "):
                    where = f"line {int(where.removeprefix('line ')) + offset}"
                click.echo(f"{file}: {where}: {refusal['reason']}", err=True)
    click.echo(f"{received} readings posted, {received - refused} accepted, {refused} refused")
    sys.exit(1 if refused else 0)


@main.group()
def silence() -> None:
    """Silences and maintenance windows, through the running engine's API (WARNING_API_URL, WARNING_API_TOKEN)."""


@silence.command("add")
@click.option("--area", default=None, help="GB/T 2260 code or prefix; default: your department's area")
@click.option("--station", default=None, help="a station id, e.g. HY-370102-01")
@click.option("--rule", default=None, help="a rule id, e.g. river-stage")
@click.option("--up-to", type=click.Choice([level.value for level in Level]), default=None,
              help="silence warnings up to this level only; higher ones page as usual")  # fmt: skip
@click.option("--starts-at", default=None, help="ISO 8601 with offset; default: now")
@click.option("--ends-at", default=None, help="ISO 8601 with offset")
@click.option("--duration", default=None, help="instead of --ends-at, e.g. 2h or 90m")
@click.option("--reason", required=True, help="why, for the decision log and the board")
@api_option
@token_option
def silence_add(area: str | None, station: str | None, rule: str | None, up_to: str | None, starts_at: str | None,
                ends_at: str | None, duration: str | None, reason: str, api: str, token: str) -> None:  # fmt: skip
    """Silence matching warnings for a while: they open and show on the board, but page nobody until it ends."""
    asked = {"area": area, "station": station, "rule": rule, "up_to": up_to, "starts_at": starts_at,
             "ends_at": ends_at, "duration": duration, "reason": reason}  # fmt: skip
    made = call_api("POST", "/api/silences", {k: v for k, v in asked.items() if v is not None}, api, token)
    click.echo(f"silence {made['id']} until {made['ends_at']} (area {made['area']})")


@silence.command("list")
@api_option
@token_option
def silence_list(api: str, token: str) -> None:
    """Silences active now or still to come."""
    for made in call_api("GET", "/api/silences", None, api, token):
        scope = ", ".join(f"{key} {made[key]}" for key in ("area", "station_id", "rule_id", "up_to") if made[key])
        click.echo(f"{made['id']}: {scope}; {made['starts_at']} until {made['ends_at']}; {made['reason']} "
                   f"(by {made['created_by']})")  # fmt: skip


@silence.command("expire")
@click.argument("silence_id", type=int)
@api_option
@token_option
def silence_expire(silence_id: int, api: str, token: str) -> None:
    """End silence SILENCE_ID now: whatever it held pages at once."""
    ended = call_api("DELETE", f"/api/silences/{silence_id}", None, api, token)
    click.echo(f"silence {ended['id']} ended at {ended['ends_at']}")


@main.group()
def stream() -> None:
    """Kafka stream processing (faust)."""


@stream.command("worker")
@click.option("--loglevel", default="warn", type=click.Choice(["crit", "error", "warn", "info", "debug"]))
def stream_worker(loglevel: str) -> None:
    """Run a faust worker consuming the readings topic (KAFKA_BROKER, WARNING_DATABASE_URL ...)."""
    from warning.stream import run_worker  # deferred: importing faust takes a while, other commands skip it

    settings = _settings()
    # Before faust starts: a worker must not come up unable to page or to record what it decides.
    try:
        settings.require_provider()
        Store(prepare_database_url(settings.database_url)).dispose()
    except SettingsError as exc:
        _refuse(exc)
    except (SchemaMismatch, DatabaseUnavailable) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    run_worker(settings, loglevel)


# Registered last: the groups of warning/commands/ add themselves to `main`.
from warning.commands import console as _console  # noqa: E402
from warning.commands import incidents as _incidents  # noqa: E402
from warning.commands import users as _users  # noqa: E402

main.add_command(_incidents.incident)
main.add_command(_incidents.duty)
main.add_command(_users.user)
main.add_command(_incidents.api)
main.add_command(_console.console)

if __name__ == "__main__":
    main()
