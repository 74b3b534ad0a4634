"""Composition root: the one place that knows every concrete class and wires them together."""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from notifiers.console import ConsoleNotifier
from notifiers.simulator.server import TwilioSimulator
from notifiers.twilio_channels import (
    PROVIDER_TIMEOUT_SECONDS,
    TwilioSmsNotifier,
    TwilioVoiceNotifier,
    build_twilio_client,
)
from notifiers.twilio_signature import TwilioSignature
from notifiers.webhook import WebhookNotifier
from warning.api.server import ApiTokens, build_api
from warning.clock import Clock, LiveClock, ScaledClock, VirtualClock
from warning.dispatch.dispatcher import STUCK_AFTER, Dispatcher
from warning.dispatch.notifier import Notifier
from warning.domain import Channel
from warning.engine import Engine
from warning.escalation.org import load_organisation
from warning.escalation.timers import LiveTimer
from warning.rulebook import RuleEvaluator, load_rulebook
from warning.serving import BackgroundServer
from warning.store import Store

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_ACCOUNT_SID = "AC" + "5" * 32
SIMULATOR_AUTH_TOKEN = "simulator-auth-token"


@dataclass(frozen=True)
class Settings:
    """Deployment settings; `from_env` reads WARNING_* variables, defaulting to the embedded setup."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'warning.db'}"
    rules: tuple[Path, ...] = (PROJECT_ROOT / "rules",)
    organisation: Path = PROJECT_ROOT / "org" / "jinan.yaml"
    twilio_account_sid: str = SIMULATOR_ACCOUNT_SID
    twilio_auth_token: str = SIMULATOR_AUTH_TOKEN
    twilio_from: str = "+8653188880000"
    # None: start the loopback simulator; a URL: the Twilio API (https://api.twilio.com) or another simulator.
    twilio_base_url: str | None = None
    # The URL Twilio uses to reach our webhooks; None: our own loopback address (simulator only).
    public_base_url: str | None = None
    api_tokens: dict[str, str] = field(default_factory=dict)
    # Port of the API and webhooks on loopback; 0: any free port (printed at start).
    api_port: int = 0
    # `system`, or `scaled:EPOCH,ANCHOR,SPEED` to rehearse hours of escalation in minutes (see ScaledClock).
    clock: str = "system"
    # A department system that takes pages as signed JSON (policy channel `webhook`); None: no webhook.
    webhook_url: str | None = None
    webhook_secret: str = ""

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        defaults = cls()
        tokens = dict(pair.split(":", 1) for pair in env.get("WARNING_API_TOKENS", "").split(",") if ":" in pair)
        return cls(
            database_url=env.get("WARNING_DATABASE_URL", defaults.database_url),
            rules=tuple(Path(p) for p in env["WARNING_RULES"].split(os.pathsep))
            if "WARNING_RULES" in env
            else defaults.rules,
            organisation=Path(env.get("WARNING_ORGANISATION", str(defaults.organisation))),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", defaults.twilio_account_sid),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", defaults.twilio_auth_token),
            twilio_from=env.get("TWILIO_FROM_NUMBER", defaults.twilio_from),
            twilio_base_url=env.get("TWILIO_BASE_URL") or None,
            public_base_url=env.get("WARNING_PUBLIC_URL") or None,
            api_tokens=tokens,
            api_port=int(env.get("WARNING_API_PORT", "0")),
            clock=env.get("WARNING_CLOCK", "system"),
            webhook_url=env.get("WARNING_WEBHOOK_URL") or None,
            webhook_secret=env.get("WARNING_WEBHOOK_SECRET", ""),
        )


@dataclass
class Runtime:
    engine: Engine
    store: Store
    api: BackgroundServer | None
    simulator: TwilioSimulator | None
    timer: LiveTimer | None = None

    def close(self) -> None:
        if self.timer is not None:
            self.timer.shutdown()
        if self.api is not None:
            self.api.stop()
        if self.simulator is not None:
            self.simulator.stop()
        self.store.dispose()


def prepare_database_url(url: str) -> str:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


def build_runtime(
    settings: Settings,
    clock: Clock,
    *,
    exercise: bool = False,
    drill_roster: Collection[str] | None = None,
    serve_http: bool = True,
) -> Runtime:
    """Wire store, rules, organisation, engine, API and notifiers. Live timers are started by the caller."""
    store = Store(prepare_database_url(settings.database_url))
    rulebook = load_rulebook(list(settings.rules))
    evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds)
    org = load_organisation(settings.organisation)
    notifiers: dict[Channel, Notifier] = {}
    # A send is "stuck" only when it has outlived any provider request; on a clock running faster
    # than the wall, that takes proportionally more engine time.
    speed = clock.speed if isinstance(clock, ScaledClock) else 1.0
    stuck_after = max(STUCK_AFTER, timedelta(seconds=(PROVIDER_TIMEOUT_SECONDS + 5) * speed))
    dispatcher = Dispatcher(store, notifiers, clock.now, drill_roster=drill_roster, stuck_after=stuck_after)
    engine = Engine(store=store, evaluator=evaluator, org=org, dispatcher=dispatcher, clock=clock, exercise=exercise)
    engine.use_organisation(org, str(settings.organisation))
    if not serve_http:
        return Runtime(engine, store, None, None)

    signature = TwilioSignature(settings.twilio_auth_token)
    api = BackgroundServer(port=settings.api_port)
    # Without a public URL only the loopback simulator calls us back, on our own address.
    public = settings.public_base_url or api.url
    api.start(build_api(engine, signature, public, ApiTokens(settings.api_tokens)))

    simulator = None
    base_url = settings.twilio_base_url
    if base_url is None:
        start = clock.now()
        simulator = TwilioSimulator(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            start=start,
            live=not isinstance(clock, VirtualClock),
            clock=clock if isinstance(clock, LiveClock) else None,
        ).start()
        simulator.configure_number(settings.twilio_from, sms_url=f"{public}/twilio/sms/inbound")
        base_url = simulator.url
    client = build_twilio_client(settings.twilio_account_sid, settings.twilio_auth_token, base_url)
    notifiers[Channel.sms] = TwilioSmsNotifier(client, settings.twilio_from, public)
    notifiers[Channel.voice] = TwilioVoiceNotifier(client, settings.twilio_from, public)
    notifiers[Channel.console] = ConsoleNotifier(sys.stdout)
    if settings.webhook_url is not None:
        notifiers[Channel.webhook] = WebhookNotifier(settings.webhook_url, settings.webhook_secret)
    return Runtime(engine, store, api, simulator)


def start_live_timer(runtime: Runtime) -> LiveTimer:
    """Wake the engine through APScheduler whenever an escalation step falls due."""
    clock = runtime.engine.clock
    timer = LiveTimer(runtime.engine.tick, to_wall=clock.wall_time if isinstance(clock, LiveClock) else lambda t: t)
    runtime.engine.on_schedule_changed = timer.arm
    # Wake at once: overdue steps run, and pages claimed before a crash but never sent go out now.
    timer.start(clock.now())
    runtime.timer = timer
    return timer
