"""`warning console --demo`: the built-in scenario played live on a fast clock with the console up, so
that a newcomer watches warnings raised, escalated and acknowledged, then looks around. A production
engine serves the console itself (`warning run`, at /console)."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import click

from warning.errors import ConfigFileError
from warning.settings import PROJECT_ROOT

DEMO_SCENARIO = PROJECT_ROOT / "scenarios" / "riverside-flood.yaml"
DEMO_DATABASE = PROJECT_ROOT / "var" / "console-demo.db"


@click.command()
@click.option("--demo", is_flag=True, help="play the built-in scenario live, with demonstration users")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=DEMO_SCENARIO)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0: any free port")
@click.option("--speed", type=click.FloatRange(1, 600), default=20.0, show_default=True,
              help="how many times faster than the wall the scenario's clock runs")  # fmt: skip
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=DEMO_DATABASE, show_default=True,
              help="the demonstration's SQLite file, made afresh")  # fmt: skip
def console(demo: bool, scenario: Path, port: int, speed: float, database: Path) -> None:
    """The command-centre console. A running engine serves it at /console; with --demo, play a scenario
    live on a fresh database and keep the console up until interrupted."""
    if not demo:
        click.echo("The console is served by the running engine (`warning run`) at <its API address>/console.\n"
                   "`warning console --demo` plays the built-in scenario live for a look around.")  # fmt: skip
        return
    from warning.drills.rehearsal import DEMO_USERS, Rehearsal  # deferred: builds the whole engine

    try:
        database.unlink(missing_ok=True)  # each demonstration starts afresh
        database.parent.mkdir(parents=True, exist_ok=True)
        # The demonstration happens today: its clock starts now (a live drill's starts at the scenario's start).
        rehearsal = Rehearsal(scenario, f"sqlite:///{database}", speed=speed, port=port, epoch=datetime.now(UTC))
    except ConfigFileError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"{database}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    rehearsal.start()
    click.echo(f"Console: {rehearsal.url}/console  (API docs: {rehearsal.url}/api/docs)")
    click.echo(f"Playing '{rehearsal.spec.name}' live, {speed:g} times faster than the wall clock; pages go to the "
               "Twilio simulator. Sign in as:")  # fmt: skip
    for user in DEMO_USERS:
        click.echo(f"  {user.name:<11} password {user.password:<16} ({user.role.value.replace('_', ' ')})")
    click.echo("Ctrl-C stops it.", nl=True)
    sys.stdout.flush()
    try:
        while not stop.wait(1):
            if rehearsal.finished.is_set():
                click.echo("The scenario has played to its end; the console stays up.")
                rehearsal.finished.clear()
    finally:
        rehearsal.close()
