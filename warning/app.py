"""Composition root: the one place that knows every concrete class and wires them together."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry

from notifiers.aliyun.channels import AliyunSmsNotifier, AliyunVoiceNotifier, build_clients
from notifiers.aliyun.simulator import AliyunSimulator
from notifiers.cap_subscribers import MqttSubscriber, WebhookSubscriber
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
from sensors.decode import ReadingDecoder
from sensors.metrics import FeedMetrics
from sensors.sensorthings import DatastreamFileSpec
from warning.accounts import Accounts
from warning.accounts import Person as AccountPerson
from warning.api.aliyun import AliyunPushes
from warning.api.auth import ApiTokens
from warning.api.drill import DrillControl
from warning.api.server import build_api
from warning.api.stream import DecisionHub
from warning.clock import Clock, ExerciseClock, LiveClock, ScaledClock, VirtualClock
from warning.dispatch.carriers import Carriers, Provider, mainland_chinese
from warning.dispatch.dispatcher import STUCK_AFTER, Dispatcher
from warning.dispatch.notifier import Notifier
from warning.dispatch.templates import load_templates
from warning.domain import Channel
from warning.engine import Engine
from warning.errors import ConfigFileError, SettingsError
from warning.escalation.driver import EscalationDriver
from warning.escalation.org import load_organisation
from warning.escalation.timers import LiveTimer
from warning.geometry import load_geometry
from warning.logs import DecisionLogger
from warning.metrics import EngineMetrics, TimedNotifier
from warning.publish.issuer import CapIssuer
from warning.publish.push import CapPusher
from warning.publish.signing import CapSigner
from warning.rulebook import RuleEvaluator, load_rulebook
from warning.serving import BackgroundServer
from warning.settings import PROJECT_ROOT, SIMULATOR_ACCOUNT_SID, SIMULATOR_AUTH_TOKEN, Settings, mqtt_address
from warning.store import Store
from warning.yamlfile import load_spec

__all__ = ["PROJECT_ROOT", "SIMULATOR_ACCOUNT_SID", "SIMULATOR_AUTH_TOKEN", "Runtime", "Settings", "build_runtime"]
TWILIO_API = "https://api.twilio.com"


@dataclass
class Runtime:
    engine: Engine
    store: Store
    api: BackgroundServer | None
    simulator: TwilioSimulator | None
    timer: LiveTimer | None = None
    # The loopback Alibaba Cloud simulator, when the domestic provider is simulated.
    domestic_simulator: AliyunSimulator | None = None
    # Connections of our own to stop at the end (the CAP subscribers' MQTT client).
    stoppers: list[Callable[[], None]] = field(default_factory=list)
    # What each channel really pages through, in words: printed at start and served by /health.
    channels: dict[str, str] = field(default_factory=dict)
    feeds: FeedMetrics = field(default_factory=FeedMetrics)  # per-feed figures, served on /metrics
    metrics: EngineMetrics | None = None  # the engine's figures, in the same registry as the feeds'

    def simulators(self) -> dict[str, TwilioSimulator | AliyunSimulator]:
        """The loopback simulators by provider name (a drill's players and faults act on them)."""
        found: dict[str, TwilioSimulator | AliyunSimulator] = {}
        if self.simulator is not None:
            found["twilio"] = self.simulator
        if self.domestic_simulator is not None:
            found["aliyun"] = self.domestic_simulator
        return found

    def close(self) -> None:
        if self.timer is not None:
            self.timer.shutdown()
        if self.api is not None:
            self.api.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.domestic_simulator is not None:
            self.domestic_simulator.stop()
        for stop in self.stoppers:
            stop()
        self.store.dispose()


def prepare_database_url(url: str) -> str:
    """The URL, with the folder of a SQLite file made; SettingsError when it cannot be."""
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError([f"WARNING_DATABASE_URL: cannot make the folder {folder} for the SQLite file: "
                                 f"{exc.strerror}"]) from exc  # fmt: skip
    return url


def source_name(path: Path) -> str:
    """A file as the decision log names it: relative to the checkout when inside it, so the same
    drill gives the same log in any checkout."""
    resolved = path.resolve()
    return str(resolved.relative_to(PROJECT_ROOT)) if resolved.is_relative_to(PROJECT_ROOT) else str(path)


def build_runtime(
    settings: Settings,
    clock: Clock,
    *,
    exercise: bool = False,
    drill_roster: Collection[str] | None = None,
    serve_http: bool = True,
    organisation_source: str | None = None,
    drill: DrillControl | None = None,
) -> Runtime:
    """Wire store, rules, organisation, engine, API and notifiers. Live timers are started by the
    caller. The provider must be chosen (SettingsError otherwise): nothing pages by default."""
    provider = settings.require_provider()
    registry = CollectorRegistry(auto_describe=True)  # one per runtime: two runtimes in a process count apart
    metrics, feeds = EngineMetrics(registry), FeedMetrics(registry)
    store = Store(prepare_database_url(settings.database_url), sqlite_synchronous=settings.sqlite_synchronous,
                  watchers=(metrics, DecisionLogger()))  # fmt: skip
    metrics.watch_database(store, clock.now)
    rulebook = load_rulebook(list(settings.rules))
    evaluator = RuleEvaluator(rulebook.rules, compounds=rulebook.compounds)
    org = load_organisation(settings.organisation)
    # A send is "stuck" only when it has outlived any provider request; on a clock running faster
    # than the wall, that takes proportionally more engine time.
    speed = clock.speed if isinstance(clock, ScaledClock | ExerciseClock) else 1.0
    stuck_after = max(STUCK_AFTER, timedelta(seconds=(PROVIDER_TIMEOUT_SECONDS + 5) * speed))
    escalation = EscalationDriver(org)
    # A page the carriers would hold for long: with `next_step` in its policy, the next step runs instead.
    dispatcher = Dispatcher(store, Carriers([]), clock.now, drill_roster=drill_roster, stuck_after=stuck_after,
                            hand_on=escalation.hand_on_held_page)  # fmt: skip
    engine = Engine(store=store, evaluator=evaluator, decoder=ReadingDecoder(evaluator.sensors), escalation=escalation,
                    dispatcher=dispatcher, clock=clock, exercise=exercise, metrics=metrics)  # fmt: skip
    engine.use_organisation(org, organisation_source or source_name(settings.organisation))
    signer = None
    if settings.cap_signing_key is not None or settings.cap_signing_cert is not None:
        if settings.cap_signing_key is None or settings.cap_signing_cert is None:
            raise SettingsError(["WARNING_CAP_SIGNING_KEY and WARNING_CAP_SIGNING_CERT: set both, or neither"])
        signer = CapSigner.from_files(settings.cap_signing_key, settings.cap_signing_cert)
    # The rules and the organisation in force when each message is issued.
    store.add_before_commit(CapIssuer(lambda: engine.org, lambda: engine.evaluator, signer))
    if not serve_http:
        return Runtime(engine, store, None, None, feeds=feeds, metrics=metrics)

    auth_token = settings.twilio_auth_token.get_secret_value()
    channels: dict[str, str] = {}
    api = BackgroundServer(port=settings.api_port)
    # Without a public URL only the loopback simulator calls us back, on our own address.
    public = settings.public_base_url or api.url
    datastreams = None
    if settings.sensorthings_datastreams is not None:
        datastreams = load_spec(settings.sensorthings_datastreams, DatastreamFileSpec, ConfigFileError)[0].by_id()
    accounts = build_accounts(store, engine, settings.token_people())
    hub = DecisionHub(store)
    store.watch(hub)
    geometry = load_geometry(settings.geometry)
    timed = functools.partial(TimedNotifier, metrics=metrics)
    subscribers = cap_subscribers(settings)
    if subscribers:
        engine.push_published = CapPusher(store, subscribers, clock.now).push_pending
        channels["cap"] = "CAP messages released to " + ", ".join(subscriber.name for subscriber in subscribers)
    domestic = build_domestic(settings, clock, public, timed) if settings.domestic_provider == "aliyun" else None
    api.start(build_api(engine, accounts, hub, TwilioSignature(auth_token), public, channels,
                        feeds=ApiTokens(settings.token_feeds()), metrics=feeds, datastreams=datastreams,
                        geometry=geometry, drill=drill, aliyun=domestic.pushes if domestic else None))  # fmt: skip

    simulator = None
    base_url = settings.twilio_base_url
    if provider == "simulator" and base_url is None:
        simulator = TwilioSimulator(
            settings.twilio_account_sid,
            auth_token,
            start=clock.now(),
            live=not isinstance(clock, VirtualClock),
            clock=clock if isinstance(clock, LiveClock) else None,
        ).start()
        simulator.configure_number(settings.twilio_from, sms_url=f"{public}/twilio/sms/inbound")
        base_url = simulator.url
    base_url = base_url or TWILIO_API
    client = build_twilio_client(settings.twilio_account_sid, auth_token, base_url)
    twilio = {Channel.sms: timed(TwilioSmsNotifier(client, settings.twilio_from, public)),
              Channel.voice: timed(TwilioVoiceNotifier(client, settings.twilio_from, public))}  # fmt: skip
    others: dict[Channel, Notifier] = {Channel.console: timed(ConsoleNotifier(sys.stdout))}
    if provider == "simulator":
        through = f"the loopback Twilio simulator at {base_url}"
    else:
        through = f"Twilio at {base_url} (account {settings.twilio_account_sid[:6]}…, from {settings.twilio_from})"
    channels |= {"sms": through, "voice": through, "console": "standard output of this process"}
    if settings.webhook_url is not None:
        others[Channel.webhook] = timed(
            WebhookNotifier(settings.webhook_url, settings.webhook_secret.get_secret_value())
        )
        channels["webhook"] = f"signed JSON to {settings.webhook_url}"
    providers = [Provider("twilio", twilio)]
    if domestic is not None:  # first for the numbers it carries
        providers.insert(0, domestic.provider)
        channels["sms"] += f"; mainland numbers read in Chinese: {domestic.through}"
        channels["voice"] += f"; mainland numbers read in Chinese: {domestic.through}"
    dispatcher.carriers = Carriers(providers, others, preferred=lambda person: engine.org.preferred_provider(person))
    return Runtime(engine, store, api, simulator, channels=channels, feeds=feeds, metrics=metrics,
                   domestic_simulator=domestic.simulator if domestic else None,
                   stoppers=[s.stop for s in subscribers if isinstance(s, MqttSubscriber)])  # fmt: skip


def cap_subscribers(settings: Settings) -> list[WebhookSubscriber | MqttSubscriber]:
    """The subscribers released CAP messages are pushed to; SettingsError for a webhook with no secret."""
    found: list[WebhookSubscriber | MqttSubscriber] = []
    urls = settings.cap_webhook_urls()
    secret = settings.cap_webhook_secret.get_secret_value()
    if urls and len(secret) < 16:
        raise SettingsError(["WARNING_CAP_WEBHOOK_SECRET: 16 characters or more, to sign what WARNING_CAP_WEBHOOKS "
                             "receive"])  # fmt: skip
    found += [WebhookSubscriber(url, secret) for url in urls]
    if settings.cap_mqtt_url is not None:
        host, port, user, password = mqtt_address(settings.cap_mqtt_url)
        found.append(MqttSubscriber(host, port, settings.cap_mqtt_prefix, f"{settings.mqtt_client_id}-cap",
                                    username=user, password=password))  # fmt: skip
    return found


@dataclass
class Domestic:
    """The domestic provider as wired: its notifiers, the push endpoints' needs, its simulator if any."""

    provider: Provider
    pushes: AliyunPushes
    through: str
    simulator: AliyunSimulator | None


def build_domestic(settings: Settings, clock: Clock, public: str, timed: Callable[[Notifier], Notifier]) -> Domestic:
    """Alibaba Cloud SMS and voice: the loopback simulator with WARNING_PROVIDER=simulator (its
    templates registered from the templates file, its pushes to our own address), the real service
    otherwise. The templates file is checked first (ConfigFileError with file:line)."""
    templates = load_templates(settings.aliyun_templates)
    secret = settings.aliyun_push_secret.get_secret_value()
    push = f"{public}/aliyun/{secret}"
    endpoint, simulator = settings.aliyun_endpoint, None
    key_id = settings.aliyun_access_key_id or "LTAI-simulator"
    key_secret = settings.aliyun_access_key_secret.get_secret_value() if settings.aliyun_access_key_secret else ""
    if settings.provider == "simulator" and endpoint is None:
        simulator = AliyunSimulator(templates=templates.all(), sign_names=frozenset({templates.sign_name}),
                                    access_key_id=key_id, access_key_secret=key_secret or "simulator-secret",
                                    start=clock.now(), live=not isinstance(clock, VirtualClock),
                                    clock=clock if isinstance(clock, LiveClock) else None,
                                    limits=templates.sms_limits,
                                    value_lengths=templates.value_lengths()).start()  # fmt: skip
        simulator.configure_callbacks(sms_report=f"{push}/sms/report", sms_up=f"{push}/sms/up",
                                      voice_report=f"{push}/voice/report")  # fmt: skip
        endpoint, key_secret = simulator.endpoint, key_secret or "simulator-secret"
    sms_client, voice_client = build_clients(key_id, key_secret, endpoint)
    sms = AliyunSmsNotifier(sms_client, templates)
    provider = Provider("aliyun", {Channel.sms: timed(sms), Channel.voice: timed(AliyunVoiceNotifier(voice_client,
                        templates, clock.now))}, carries=mainland_chinese, sms_limits=templates.sms_limits)  # fmt: skip
    where = (
        f"the loopback Alibaba Cloud simulator at {endpoint}"
        if simulator
        else f"Alibaba Cloud at {endpoint or 'aliyuncs.com'}"
    )
    return Domestic(provider, AliyunPushes(secret, sms.answer), f"{where} (templates {templates.source})", simulator)


def build_accounts(store: Store, engine: Engine, settings_tokens: Mapping[str, str] | None = None) -> Accounts:
    """Users, tokens and sessions, with people looked up in the organisation in force."""

    def person(person_id: str) -> AccountPerson | None:
        org = engine.org
        if person_id not in org.people:
            return None
        department = org.departments[org.people[person_id].department]
        return AccountPerson(org.people[person_id].name, department.id, department.area)

    return Accounts(store, engine.clock.now, person, settings_tokens)


def start_live_timer(runtime: Runtime) -> LiveTimer:
    """Wake the engine through APScheduler whenever an escalation step falls due."""
    clock = runtime.engine.clock
    timer = LiveTimer(runtime.engine.tick, to_wall=clock.wall_time if isinstance(clock, LiveClock) else lambda t: t)
    runtime.engine.on_schedule_changed = timer.arm
    # Wake at once: overdue steps run, and pages claimed before a crash but never sent go out now.
    timer.start(clock.now())
    runtime.timer = timer
    return timer
