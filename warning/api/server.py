"""HTTP face of the engine: Twilio webhooks (status callbacks, voice TwiML and keypresses, inbound
SMS) and the authenticated JSON API for acknowledgements and the incident board.

Every Twilio webhook must carry a valid X-Twilio-Signature computed over the *public* URL Twilio
called; anything else is refused with 403, logged, and acknowledges nothing. Engine calls are
synchronous, so handlers run them in the default executor instead of blocking the loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sensors.body import BodyRefused, Item, split_body
from sensors.cap import message_items, parse_message, reading_prefix
from sensors.events import event_items
from sensors.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from sensors.metrics import FeedMetrics
from sensors.ngsi_ld import notification_items
from sensors.sensorthings import DatastreamSpec, observation_items
from warning.domain import AckSource
from warning.engine import Engine
from warning.errors import DatabaseUnavailable, ReadingRejected
from warning.silences import SilenceRequest

log = logging.getLogger(__name__)
T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.Response]]
TwilioHandler = Callable[[web.Request, dict[str, str]], Awaitable[web.Response]]


# The key a state-changing webhook is remembered by, and how the decision log names it; or why the
# request cannot be one (answered 400).
Receipt = Callable[[web.Request, dict[str, str]], tuple[str, str] | str]
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_STATUS = re.compile(r"^[a-z-]{1,20}$")


def _row_id(text: str, largest: int = 2**62) -> int | None:
    """A number from a URL, as a database id can be (ASCII digits, not beyond the column), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > largest:
        return None
    return int(text)


def _status_receipt(sid_field: str, status_field: str) -> Receipt:
    """A status callback is one per (sid, status): Twilio reports each status of a message once."""

    def receipt(_request: web.Request, params: dict[str, str]) -> tuple[str, str] | str:
        sid, status = params.get(sid_field, ""), params.get(status_field, "")
        if not _SID.match(sid) or not _STATUS.match(status):
            return f"{sid_field} and {status_field} are required"
        return f"status:{sid}:{status}", f"status callback {status} of {sid}"

    return receipt


def _gather_receipt(request: web.Request, params: dict[str, str]) -> tuple[str, str] | str:
    """A keypress is one per (call, prompt): the prompt number is in the signed action URL."""
    sid, prompt = params.get("CallSid", ""), request.query.get("prompt", "1")
    if not _SID.match(sid) or not _row_id(prompt, 100):  # None, or 0: not a prompt
        return "CallSid and a prompt number are required"
    return f"gather:{sid}:{prompt}", f"keypress {params.get('Digits', '')!r} of call {sid} (prompt {prompt})"


def _inbound_sms_receipt(_request: web.Request, params: dict[str, str]) -> tuple[str, str] | str:
    sid = params.get("MessageSid", "")
    if not _SID.match(sid):
        return "MessageSid is required"
    return f"sms:{sid}", f"inbound SMS {sid} from {params.get('From', '')}"


MAX_BODY_BYTES = 64 * 1024
MAX_READINGS_BYTES = 16 * 1024 * 1024  # about 100,000 readings: a feed's backlog after an outage
READINGS_PER_TRANSACTION = 5000
REFUSALS_SHOWN = 100
BodyT = TypeVar("BodyT", bound=BaseModel)


class HandoverBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, max_length=100, description="person id of the colleague taking over")


def _pairs_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"key {', '.join(map(repr, repeated))} appears more than once; send each field once")
    return dict(pairs)


def _problems(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None when it is longer than `limit` (read no further than that). One
    read of the stream returns what has arrived so far, not the whole body."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        part = await request.content.read(limit + 1 - size)
        if not part:
            return b"".join(parts)
        parts.append(part)
        size += len(part)
    return None


async def _json_body(request: web.Request, model: type[BodyT]) -> BodyT | web.Response:
    """The request's JSON body as `model`, or the 4xx answer saying what is wrong with it."""
    raw = await _read_body(request, MAX_BODY_BYTES)
    if raw is None:
        return web.json_response({"error": f"the body is larger than {MAX_BODY_BYTES} bytes"}, status=413)
    try:
        data = json.loads(raw, object_pairs_hook=_pairs_once)
    except RecursionError:
        return web.json_response({"error": "the JSON body is nested too deeply"}, status=400)
    except ValueError as exc:  # not UTF-8, not JSON, or a key twice
        return web.json_response({"error": f"the body must be JSON: {exc}"}, status=400)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return web.json_response({"error": _problems(exc)}, status=400)


class SignatureCheck(Protocol):
    def is_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool: ...


def _twiml(body: str) -> web.Response:
    return web.Response(
        text=f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>', content_type="application/xml"
    )


async def _run(function: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def _prompt(text: str, language: str, notification_id: int, prompt: int = 1) -> str:
    """The page read out with a one-key Gather. `prompt` counts the prompts of one call: the
    keypress webhook of each is acted on once (a replay of a signed "2" must not escalate again)."""
    voice_language = "zh-CN" if language == "zh-CN" else "en-US"
    action = quoteattr(f"/twilio/voice/gather?n={notification_id}&prompt={prompt}")
    goodbye = "未收到按键，再见。" if language == "zh-CN" else "No key pressed. Goodbye."
    return (
        f'<Gather numDigits="1" timeout="10" action={action} method="POST">'
        f'<Say language="{voice_language}">{escape(text)}</Say></Gather>'
        f'<Say language="{voice_language}">{goodbye}</Say>'
        "<Hangup/>"
    )


class ApiTokens:
    """Bearer tokens -> person ids. Only SHA-256 digests are kept in memory."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._by_digest = {hashlib.sha256(token.encode()).hexdigest(): person for token, person in tokens.items()}

    def person_for(self, header: str | None) -> str | None:
        if not header or not header.startswith("Bearer "):
            return None
        digest = hashlib.sha256(header.removeprefix("Bearer ").strip().encode()).hexdigest()
        for known, person in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return person
        return None


def build_api(
    engine: Engine,
    signature: SignatureCheck,
    public_base_url: str,
    tokens: ApiTokens,
    channels: Mapping[str, str] | None = None,
    *,
    feeds: ApiTokens | None = None,
    metrics: FeedMetrics | None = None,
    datastreams: Mapping[str, DatastreamSpec] | None = None,
) -> web.Application:
    """`channels`: what each channel pages through, in words, for /health (filled in by the caller).
    `feeds`: the tokens that may post readings, each naming its feed; `metrics`: served on /metrics;
    `datastreams`: the SensorThings Datastreams, by id, and the stations they are."""
    public = public_base_url.rstrip("/")
    feed_tokens = feeds or ApiTokens({})
    feed_metrics = metrics or FeedMetrics()
    streams = dict(datastreams or {})

    def signed(handler: TwilioHandler, receipt: Receipt | None = None) -> Handler:
        """Run `handler` only for a webhook whose X-Twilio-Signature matches the public URL and form
        and, for one that changes state, that was not received before (`receipt` names it)."""

        async def checked(request: web.Request) -> web.Response:
            params = {key: str(value) for key, value in (await request.post()).items()}
            url = public + request.path_qs
            if not signature.is_valid(url, params, request.headers.get("X-Twilio-Signature")):
                log.warning("refused Twilio webhook with a bad signature: %s", request.path)
                return web.Response(status=403, text="invalid signature")
            if receipt is not None:
                named = receipt(request, params)
                if isinstance(named, str):
                    return web.Response(status=400, text=named)
                if not await _run(engine.accept_webhook, *named):
                    log.warning("refused a replayed Twilio webhook: %s", named[0])
                    return web.Response(status=409, text="this request was already received")
            return await handler(request, params)

        return checked

    async def sms_status(_request: web.Request, params: dict[str, str]) -> web.Response:
        await _run(engine.record_delivery_status, params.get("MessageSid", ""), params.get("MessageStatus", ""))
        return web.Response(status=204)

    async def voice_status(_request: web.Request, params: dict[str, str]) -> web.Response:
        await _run(engine.record_delivery_status, params.get("CallSid", ""), params.get("CallStatus", ""))
        return web.Response(status=204)

    async def voice_page(request: web.Request) -> tuple[int, str, str] | None:
        """(notification id, text, language) of the voice page a call is about."""
        ident = _row_id(request.query.get("n", ""))
        found = await _run(engine.notification_text, ident) if ident is not None else None
        return (ident, *found) if ident is not None and found is not None else None

    async def voice_twiml(request: web.Request, _params: dict[str, str]) -> web.Response:
        page = await voice_page(request)
        return _twiml(_prompt(page[1], page[2], page[0]) if page else "<Hangup/>")

    async def voice_gather(request: web.Request, params: dict[str, str]) -> web.Response:
        page = await voice_page(request)
        if page is None:
            return _twiml("<Hangup/>")
        ident, text, language = page
        prompt = int(request.query.get("prompt", "1"))  # checked by its receipt
        outcome = await _run(engine.keypress, ident, params.get("Digits", ""))
        zh = language == "zh-CN"
        replies = {
            "acknowledged": "已确认，谢谢。" if zh else "Acknowledged. Thank you.",
            "refused": "无法确认此预警。" if zh else "This warning cannot be acknowledged from this phone.",
            "escalated": "已立即升级。" if zh else "Escalated now.",
        }
        if outcome in replies:
            say_language = "zh-CN" if zh else "en-US"
            return _twiml(f'<Say language="{say_language}">{escape(replies[outcome])}</Say><Hangup/>')
        return _twiml(_prompt(text, language, ident, prompt + 1))  # repeat, or a wrong key: prompt again

    async def sms_inbound(_request: web.Request, params: dict[str, str]) -> web.Response:
        result = await _run(engine.acknowledge_by_sms, params.get("From", ""), params.get("Body", ""))
        return _twiml(f"<Message>{escape(result.message)}</Message>")

    def authorised(request: web.Request) -> str | None:
        return tokens.person_for(request.headers.get("Authorization"))

    async def api_ack(request: web.Request) -> web.Response:
        person = authorised(request)
        if person is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        result = await _run(engine.acknowledge, request.match_info["code"].upper(), person, AckSource.api)
        status = 200 if result.accepted else 409
        return web.json_response({"accepted": result.accepted, "message": result.message}, status=status)

    async def api_handover(request: web.Request) -> web.Response:
        person = authorised(request)
        if person is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        body = await _json_body(request, HandoverBody)
        if isinstance(body, web.Response):
            return body
        result = await _run(engine.hand_over, request.match_info["code"].upper(), person, body.to)
        status = 200 if result.accepted else 409
        return web.json_response({"accepted": result.accepted, "message": result.message}, status=status)

    async def api_incidents(request: web.Request) -> web.Response:
        if authorised(request) is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        board = await _run(engine.board)
        return web.json_response([incident.model_dump(mode="json") for incident in board])

    async def api_silences(request: web.Request) -> web.Response:
        if authorised(request) is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        silences = await _run(engine.silences)
        return web.json_response([silence.model_dump(mode="json") for silence in silences])

    async def api_add_silence(request: web.Request) -> web.Response:
        person = authorised(request)
        if person is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        silence_request = await _json_body(request, SilenceRequest)
        if isinstance(silence_request, web.Response):
            return silence_request
        try:
            silence = await _run(engine.add_silence, person, silence_request)
        except ValueError as exc:  # a window or area this person may not silence
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(silence.model_dump(mode="json"), status=201)

    async def api_expire_silence(request: web.Request) -> web.Response:
        person = authorised(request)
        if person is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        silence_id = _row_id(request.match_info["silence_id"])
        if silence_id is None:
            return web.json_response({"error": "a silence id is a number"}, status=404)
        try:
            silence = await _run(engine.expire_silence, person, silence_id)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=409)
        return web.json_response(silence.model_dump(mode="json"))

    async def from_feed(request: web.Request, split: Callable[[str, bytes], list[Item]]) -> web.Response:
        """A batch of readings from a feed, split by `split` (content type, body): each judged where
        it stands, the valid ones kept beside the bad ones, in transactions of a few thousand."""
        feed = feed_tokens.person_for(request.headers.get("Authorization"))
        if feed is None:
            return web.json_response({"error": "missing or invalid feed token (see WARNING_FEED_TOKENS)"}, status=401)
        raw = await _read_body(request, MAX_READINGS_BYTES)
        if raw is None:
            return web.json_response({"error": f"the body is larger than {MAX_READINGS_BYTES} bytes; "
                                      "send it in parts"}, status=413)  # fmt: skip
        try:  # off the event loop: a body of megabytes takes a while to split, and a splitter may ask the store
            items = await _run(split, request.headers.get("Content-Type", ""), raw)
        except BodyRefused as exc:
            refused = ReadingRejected(str(exc), raw[:MAX_BODY_BYTES].decode("utf-8", "replace"))
            await _run(engine.ingest_payloads, [(f"http:{feed}", refused)])
            feed_metrics.observe(feed, [refused], engine.clock.now())
            return web.json_response({"error": str(exc)}, status=400)
        verdicts: list[Any] = []
        for first in range(0, len(items), READINGS_PER_TRANSACTION):
            batch = [
                (f"http:{feed}:{item.where}", item.payload) for item in items[first : first + READINGS_PER_TRANSACTION]
            ]
            verdicts += await _run(engine.ingest_payloads, batch)
            feed_metrics.observe(feed, verdicts[first:], engine.clock.now())
        refusals = [
            {"where": item.where, "reason": verdict.reason}
            for item, verdict in zip(items, verdicts, strict=True)
            if isinstance(verdict, ReadingRejected)
        ]
        body = {"feed": feed, "received": len(items), "accepted": len(items) - len(refusals),
                "refused": len(refusals), "refusals": refusals[:REFUSALS_SHOWN]}  # fmt: skip
        return web.json_response(body)

    async def api_readings(request: web.Request) -> web.Response:
        """Readings as JSON, JSON lines or CSV (sensors/body.py)."""
        return await from_feed(request, split_body)

    async def ngsi_ld_notify(request: web.Request) -> web.Response:
        """An NGSI-LD notification from a context broker (sensors/ngsi_ld.py)."""
        return await from_feed(request, lambda _content_type, raw: notification_items(raw))

    async def api_events(request: web.Request) -> web.Response:
        """Video-analytics detections and hotline reports (sensors/events.py)."""
        return await from_feed(request, lambda _content_type, raw: event_items(raw))

    def cap_readings(_content_type: str, raw: bytes) -> list[Item]:
        message = parse_message(raw)
        items = message_items(message, engine.store.cap_series_of)
        series = {(item.payload["sensor_id"], item.payload["kind"]) for item in items if isinstance(item.payload, dict)}
        if series:  # noted before its readings are taken: a message that comes again after a crash is taken again
            prefix, now = reading_prefix(message.key), engine.clock.now()
            engine.store.remember_cap_message(prefix, message.key, message.msg_type, series, now)
        return items

    async def api_cap(request: web.Request) -> web.Response:
        """CAP 1.2 warnings from the meteorological bureau (sensors/cap.py)."""
        return await from_feed(request, cap_readings)

    async def sensorthings_observations(request: web.Request) -> web.Response:
        """Observations created at a SensorThings service (sensors/sensorthings.py)."""
        named = request.match_info.get("datastream")
        return await from_feed(request, lambda _content_type, raw: observation_items(raw, streams, named))

    async def metrics_page(request: web.Request) -> web.Response:
        if authorised(request) is None:
            return web.json_response({"error": "missing or invalid bearer token"}, status=401)
        return web.Response(body=feed_metrics.exposition(), headers={"Content-Type": METRICS_CONTENT_TYPE})

    async def health(_request: web.Request) -> web.Response:
        """Liveness, for probes: the process serves. Where pages really go, for operators."""
        return web.json_response({"status": "ok", "channels": dict(channels or {})})

    async def ready(_request: web.Request) -> web.Response:
        """Readiness: the database reachable and migrated, rules and organisation loaded, a provider
        named. 503 with what is not, so a load balancer sends nothing here until it is."""
        checks: dict[str, str] = {}
        failing: list[str] = []
        if await _run(engine.store.reachable):
            revision, newest = await _run(engine.store.schema_revision)
            checks["database"] = "ok"
            checks["schema"] = (
                f"{revision} (newest)" if newest else f"{revision}, not the newest: run warning db upgrade"
            )
            failing += [] if newest else ["schema"]
        else:
            checks["database"], checks["schema"] = "unreachable", "unknown"
            failing += ["database", "schema"]
        rules = len(engine.evaluator.rules) + len(engine.evaluator.compounds)
        checks["rules"] = f"{rules} in force"
        checks["organisation"] = engine.org.version
        checks["provider"] = (channels or {}).get("sms", "none named")
        failing += [] if rules else ["rules"]
        failing += [] if channels else ["provider"]
        body = {"status": "ready" if not failing else "not ready", "checks": checks, "failing": failing}
        return web.json_response(body, status=503 if failing else 200)

    @web.middleware
    async def database_outage(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        try:
            return await handler(request)
        except DatabaseUnavailable:  # nothing was decided: the caller (or Twilio) may try again
            log.warning("database unavailable while serving %s", request.path)
            return web.json_response({"error": "the database is unavailable; try again shortly"}, status=503)

    app = web.Application(middlewares=[database_outage])
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    app.router.add_get("/metrics", metrics_page)
    app.router.add_post("/api/readings", api_readings)
    app.router.add_post("/api/events", api_events)
    app.router.add_post("/api/cap", api_cap)
    app.router.add_post("/ngsi-ld/notify", ngsi_ld_notify)
    app.router.add_post("/sensorthings/v1.1/Observations", sensorthings_observations)
    app.router.add_post("/sensorthings/v1.1/Datastreams({datastream})/Observations", sensorthings_observations)
    app.router.add_post("/twilio/sms/status", signed(sms_status, _status_receipt("MessageSid", "MessageStatus")))
    app.router.add_post("/twilio/voice/status", signed(voice_status, _status_receipt("CallSid", "CallStatus")))
    app.router.add_post("/twilio/voice/twiml", signed(voice_twiml))  # reads only: a replay changes nothing
    app.router.add_post("/twilio/voice/gather", signed(voice_gather, _gather_receipt))
    app.router.add_post("/twilio/sms/inbound", signed(sms_inbound, _inbound_sms_receipt))
    app.router.add_post("/api/incidents/{code}/ack", api_ack)
    app.router.add_post("/api/incidents/{code}/handover", api_handover)
    app.router.add_get("/api/incidents", api_incidents)
    app.router.add_get("/api/silences", api_silences)
    app.router.add_post("/api/silences", api_add_silence)
    app.router.add_delete("/api/silences/{silence_id}", api_expire_silence)
    return app
