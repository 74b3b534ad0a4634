"""A loopback server speaking the subset of Twilio's REST API that we use, for tests, drills and the demo.

It accepts message and call creation from the real twilio client (HTTP basic auth, form bodies,
Twilio's JSON resources and error shapes), and plays each phone's scripted behaviour: status
callbacks, the voice call fetching TwiML and answering a Gather with keypresses, and inbound SMS
replies, every webhook signed with X-Twilio-Signature as Twilio signs it.

Time is an input here too. With a manual clock (drills) nothing happens until `advance(to)`; with
the live clock a background task advances to the wall-clock time several times a second.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp import BasicAuth, web
from pydantic import ValidationError

from notifiers.simulator.behaviour import Answer, FaultPlayer, Faults, PhoneBehaviour, ProviderTrouble
from notifiers.simulator.playback import Playback
from notifiers.twilio_signature import TwilioSignature
from warning.clock import Clock
from warning.serving import BackgroundServer

API_PREFIX = "/2010-04-01/Accounts/{account}"
MAX_PROMPTS = 6  # a call that keeps re-prompting is hung up, as a person would


@dataclass
class _NumberConfig:
    sms_url: str | None = None
    voice_url: str | None = None


# Required form fields with the error code and message Twilio answers when one is missing.
MESSAGE_REQUIRED = {
    "To": (21604, "A 'To' phone number is required."),
    "From": (21603, "A 'From' phone number is required."),
    "Body": (21602, "Message body is required."),
}
CALL_REQUIRED = {
    "To": (21201, "No 'To' number is specified"),
    "From": (21213, "No 'From' number is specified"),
    "Url": (21205, "Url parameter is required"),
}


def _missing(form: Mapping[str, Any], required: dict[str, tuple[int, str]]) -> web.Response | None:
    for name, (code, message) in required.items():
        value = form.get(name)
        if not isinstance(value, str) or not value:
            return _error(400, code, message)
    return None


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response(
        {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status},
        status=status,
    )


class TwilioSimulator(ProviderTrouble):
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        start: datetime | None = None,
        live: bool = False,
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.signature = TwilioSignature(auth_token)
        # Live mode follows this clock: the wall clock, or the engine's own (e.g. a scaled rehearsal clock).
        # What phones do later waits on the simulator's clock (the wall's, or the engine's when faster).
        self.playback = Playback(start=start, live=live, clock=clock)
        self._sids = itertools.count(1)
        self._behaviour: dict[str, PhoneBehaviour] = {}
        self._numbers: dict[str, _NumberConfig] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.calls: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._faults = FaultPlayer(Faults())
        self._number_faults: dict[str, FaultPlayer] = {}
        # A provider-wide outage per channel (drills' fault injects), over every number's own script.
        self._session: aiohttp.ClientSession | None = None
        self.server = BackgroundServer(port=port)
        app = web.Application()
        prefix = API_PREFIX.format(account="{account}")
        app.router.add_post(f"{prefix}/Messages.json", self._create_message)
        app.router.add_get(f"{prefix}/Messages/{{sid}}.json", self._fetch_message)
        app.router.add_get(f"{prefix}/Messages.json", self._list_messages)
        app.router.add_get(f"{prefix}/Calls.json", self._list_calls)
        app.router.add_post(f"{prefix}/Calls.json", self._create_call)
        app.router.add_get(f"{prefix}/Calls/{{sid}}.json", self._fetch_call)
        app.router.add_post("/_sim/advance", self._advance_endpoint)
        app.router.add_post("/_sim/behaviour", self._behaviour_endpoint)
        app.router.add_get("/_sim/behaviour", self._behaviour_list_endpoint)
        app.router.add_post("/_sim/faults", self._faults_endpoint)
        app.router.add_get("/_sim/events", self._events_endpoint)
        self._app = app

    # control, from any thread -------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> TwilioSimulator:
        self.server.start(self._app)
        self.server.call(self._open())
        return self

    async def _open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        await self.playback.open()

    def stop(self) -> None:
        self.server.call(self._close())
        self.server.stop()

    async def _close(self) -> None:
        await self.playback.close()
        if self._session is not None:
            await self._session.close()

    def set_faults(self, faults: Faults) -> None:
        """Trouble on every number without faults of its own."""
        self._faults = FaultPlayer(faults)

    def set_behaviour(self, phone: str, behaviour: PhoneBehaviour) -> None:
        self._behaviour[phone] = behaviour
        self._number_faults.pop(phone, None)
        if behaviour.script or behaviour.faults is not None:
            self._number_faults[phone] = FaultPlayer(behaviour.faults or self._faults.faults, behaviour.script)

    def send_sms_from(self, phone: str, body: str) -> None:
        """Someone texts our number (as a player replying by hand): delivered to our inbound SMS webhook."""
        self.server.call(self._inbound_sms(phone, body))

    async def _inbound_sms(self, phone: str, body: str) -> None:
        ours = next((number for number, config in self._numbers.items() if config.sms_url), None)
        if ours is None:
            self._log("reply_dropped", reason="no SMS URL configured for any of our numbers")
            return
        await self._reply_action({"to": phone, "from": ours}, body)()

    def configure_number(self, phone: str, *, sms_url: str | None, voice_url: str | None = None) -> None:
        """Our own Twilio number: where inbound SMS and calls to it are sent."""
        self._numbers[phone] = _NumberConfig(sms_url, voice_url)

    def advance(self, to: datetime) -> int:
        """Play every scripted action due by `to` (manual clock); returns how many ran."""
        return self.server.call(self.playback.advance(to.astimezone(UTC)))

    def next_at(self) -> datetime | None:
        return self.server.call(self.playback.next_at())

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return self.server.call(self._events_of(kind))

    async def _events_of(self, kind: str) -> list[dict[str, Any]]:
        return [dict(event) for event in self.events if event["type"] == kind]

    def _arrival(self) -> datetime:
        """When a request arrived: in live mode the clock itself (the ticker may be up to a tick behind)."""
        return self.playback.now()

    def _schedule(self, after: timedelta, action: Callable[[], Awaitable[None]]) -> None:
        self.playback.schedule(after, action)

    def _log(self, kind: str, **data: Any) -> None:
        self.events.append({"type": kind, "at": self.playback.current.isoformat(), **data})

    # REST API -----------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        try:
            auth = BasicAuth.decode(header)
        except ValueError:
            return _error(401, 20003, "Authenticate")
        if auth.login != self.account_sid or auth.password != self.auth_token:
            return _error(401, 20003, "Authenticate")
        if request.match_info["account"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        return None

    def _sid(self, prefix: str) -> str:
        # Deterministic, so two replays of a drill record the same provider references.
        return prefix + hashlib.sha1(f"{prefix}{next(self._sids)}".encode()).hexdigest()

    def _resource(self, kind: str, sid: str, **fields: Any) -> dict[str, Any]:
        stamp = format_datetime(self.playback.current)
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "date_created": stamp,
            "date_updated": stamp,
            "api_version": "2010-04-01",
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{kind}/{sid}.json",
            **fields,
        }

    def _fault(self, to: str, channel: str) -> Answer:
        """The answer to play on this create request to `to`."""
        outage = self._outages.get(channel)
        if outage is not None and outage.answer != "ok":
            return outage.answer
        return self._number_faults.get(to, self._faults).next()

    def _dropped_by_carrier(self, channel: str) -> bool:
        outage = self._outages.get(channel)
        return outage is not None and outage.answer == "ok" and not outage.delivers

    def _answer_created(self, request: web.Request, fault: Answer, resource: dict[str, Any]) -> web.Response:
        if fault == "error_after":
            self._log("fault", fault="error_after", sid=resource["sid"])
            return _error(500, 20500, "Internal Server Error")
        if fault == "drop":
            self._log("fault", fault="drop_after", sid=resource["sid"])
            if request.transport is not None:
                request.transport.close()  # the client never hears that it worked
            return web.Response(status=500)
        public = {key: value for key, value in resource.items() if not key.startswith("_")}
        return web.json_response(public, status=201)

    def _refused(self, request: web.Request, fault: Answer, to: str) -> web.Response | None:
        if fault == "429":
            self._log("fault", fault="429", to=to)
            return _error(429, 20429, "Too Many Requests")
        if fault in ("500", "503"):
            self._log("fault", fault="error_before", status=int(fault), to=to)
            return _error(int(fault), 20500, "Internal Server Error" if fault == "500" else "Service Unavailable")
        if fault == "lost":  # nothing created and no answer: to the client, a timeout
            self._log("fault", fault="lost", to=to)
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500)
        return None

    async def _list_messages(self, request: web.Request) -> web.Response:
        return self._list(request, "messages", self.messages, "DateSent>")

    async def _list_calls(self, request: web.Request) -> web.Response:
        return self._list(request, "calls", self.calls, "StartTime>")

    def _list(self, request: web.Request, key: str, store: dict[str, dict[str, Any]], after: str) -> web.Response:
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        to = request.query.get("To")
        since = request.query.get(after)
        cutoff = datetime.fromisoformat(since.replace("Z", "+00:00")) if since else None
        found = [
            {k: v for k, v in resource.items() if not k.startswith("_")}
            for resource in store.values()
            if (to is None or resource["to"] == to) and (cutoff is None or resource["_created_at"] >= cutoff)
        ]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/{key.capitalize()}.json"
        return web.json_response({
            key: found, "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
            "page": 0, "page_size": 50, "start": 0, "end": max(len(found) - 1, 0), "uri": uri,
        })  # fmt: skip

    async def _create_message(self, request: web.Request) -> web.Response:
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        form = await request.post()
        missing = _missing(form, MESSAGE_REQUIRED)
        if missing is not None:
            return missing
        to, sender, body = str(form["To"]), str(form["From"]), str(form["Body"])
        fault = self._fault(to, "sms")
        refused = self._refused(request, fault, to)
        if refused is not None:
            return refused
        sid = self._sid("SM")
        callback = form.get("StatusCallback")
        message = self._resource(
            "Messages",
            sid,
            to=to,
            body=body,
            status="queued",
            num_segments=str(max(1, len(body) // 70 + 1)),
            price=None,
            error_code=None,
            error_message=None,
            date_sent=None,
        )
        message["from"] = sender
        message["_created_at"] = self._arrival()
        self.messages[sid] = message
        self._log("sms", sid=sid, to=to, body=body)
        self._play_sms(message, str(callback) if callback else None)
        return self._answer_created(request, fault, message)

    async def _fetch_message(self, request: web.Request) -> web.Response:
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        message = self.messages.get(request.match_info["sid"])
        if message is None:
            return _error(404, 20404, "Message not found")
        return web.json_response({key: value for key, value in message.items() if not key.startswith("_")})

    async def _create_call(self, request: web.Request) -> web.Response:
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        form = await request.post()
        missing = _missing(form, CALL_REQUIRED)
        if missing is not None:
            return missing
        to, sender, url = str(form["To"]), str(form["From"]), str(form["Url"])
        fault = self._fault(to, "voice")
        refused = self._refused(request, fault, to)
        if refused is not None:
            return refused
        sid = self._sid("CA")
        callback = form.get("StatusCallback")
        call = self._resource(
            "Calls",
            sid,
            to=to,
            status="queued",
            duration=None,
            price=None,
            start_time=format_datetime(self.playback.current),
        )
        call["from"] = sender
        call["_url"], call["_callback"] = url, str(callback) if callback else None
        call["_created_at"] = self._arrival()
        self.calls[sid] = call
        self._log("call", sid=sid, to=to)
        self._play_call(call)
        return self._answer_created(request, fault, call)

    async def _fetch_call(self, request: web.Request) -> web.Response:
        refusal = self._authorised(request)
        if refusal is not None:
            return refusal
        call = self.calls.get(request.match_info["sid"])
        if call is None:
            return _error(404, 20404, "Call not found")
        return web.json_response({key: value for key, value in call.items() if not key.startswith("_")})

    # control endpoints (for `warning twilio-sim` and tools outside this process) ------------

    async def _advance_endpoint(self, request: web.Request) -> web.Response:
        try:
            to = datetime.fromisoformat(str((await _json_object(request))["to"]))
            if to.tzinfo is None:
                raise ValueError("'to' needs a time zone")
        except (ValueError, KeyError) as exc:
            return web.json_response({"error": f'send {{"to": "2026-07-14T20:00:00+08:00"}}: {exc}'}, status=400)
        ran = await self.playback.advance(to.astimezone(UTC))
        return web.json_response({"ran": ran})

    async def _behaviour_endpoint(self, request: web.Request) -> web.Response:
        """{"+86...": {"sms": "undelivered", "script": ["429", "429"], ...}}: replaces each number's script."""
        try:
            body = await _json_object(request)
            scripts = {phone: PhoneBehaviour.model_validate(spec) for phone, spec in body.items()}
        except (ValueError, TypeError, ValidationError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        for phone, behaviour in scripts.items():
            self.set_behaviour(phone, behaviour)
        return web.json_response({"numbers": sorted(self._behaviour)})

    async def _behaviour_list_endpoint(self, _request: web.Request) -> web.Response:
        return web.json_response({
            "default_faults": self._faults.faults.model_dump(),
            "numbers": {phone: b.model_dump(mode="json") for phone, b in sorted(self._behaviour.items())},
        })  # fmt: skip

    async def _faults_endpoint(self, request: web.Request) -> web.Response:
        """{"error_after": 0.1, "burst_every": 50, "burst_length": 5}: trouble on every number without its own."""
        try:
            faults = Faults.model_validate(await _json_object(request))
        except (ValueError, ValidationError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        self.set_faults(faults)
        return web.json_response(faults.model_dump())

    async def _events_endpoint(self, _request: web.Request) -> web.Response:
        return web.json_response(self.events)

    # scripted behaviour -------------------------------------------------------------------

    async def _webhook(self, url: str, params: dict[str, str]) -> str:
        assert self._session is not None
        headers = {"X-Twilio-Signature": self.signature.sign(url, params)}
        try:
            async with self._session.post(url, data=params, headers=headers) as response:
                text = await response.text()
                self._log("webhook", url=url.split("?")[0].rsplit("/", 2)[-2:], status=response.status)
                return text if response.status < 400 else ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._log("webhook_failed", error=type(exc).__name__)
            return ""

    def _play_sms(self, message: dict[str, Any], callback: str | None) -> None:
        behaviour = self._behaviour.get(message["to"], PhoneBehaviour())
        final = {"deliver": "delivered", "undelivered": "undelivered", "fail": "failed", "no-receipt": None}[
            behaviour.sms
        ]
        if self._dropped_by_carrier("sms"):
            final = None  # accepted, then lost in the carrier's network: no receipt ever comes

        def set_status(status: str) -> Callable[[], Awaitable[None]]:
            async def run() -> None:
                message["status"] = status
                if callback and "sms" not in self._callbacks_lost:
                    await self._webhook(
                        callback,
                        {
                            "MessageSid": message["sid"],
                            "MessageStatus": status,
                            "AccountSid": self.account_sid,
                            "To": message["to"],
                            "From": message["from"],
                        },
                    )

            return run

        self._schedule(timedelta(seconds=1), set_status("sent"))
        if final is not None:  # a phone switched off: the carrier keeps trying, no receipt ever comes
            self._schedule(timedelta(seconds=2), set_status(final))
        if behaviour.reply and final == "delivered":
            self._schedule(behaviour.reply_after, self._reply_action(message, behaviour.reply))

    def _reply_action(self, message: dict[str, Any], text: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            number = self._numbers.get(message["from"])
            if number is None or number.sms_url is None:
                self._log("reply_dropped", reason=f"no SMS URL configured for {message['from']}")
                return
            sid = self._sid("SM")
            self._log("reply", sid=sid, sender=message["to"], body=text)
            answer = await self._webhook(
                number.sms_url,
                {
                    "MessageSid": sid,
                    "SmsSid": sid,
                    "AccountSid": self.account_sid,
                    "From": message["to"],
                    "To": message["from"],
                    "Body": text,
                    "NumMedia": "0",
                },
            )
            for reply in _twiml_messages(answer):
                self._log("sms", sid=self._sid("SM"), to=message["to"], body=reply)

        return run

    def _play_call(self, call: dict[str, Any]) -> None:
        behaviour = self._behaviour.get(call["to"], PhoneBehaviour())
        outcome = {"answer": "in-progress", "no-answer": "no-answer", "busy": "busy", "fail": "failed"}
        status = outcome[behaviour.voice]
        if self._dropped_by_carrier("voice"):
            status = "failed"
        self._schedule(timedelta(seconds=1), self._call_status(call, "ringing"))
        if status != "in-progress":
            ring = behaviour.answer_after if status == "no-answer" else timedelta(seconds=2)
            self._schedule(ring, self._call_status(call, status))
            return
        self._schedule(behaviour.answer_after, self._answer(call, behaviour))

    def _call_params(self, call: dict[str, Any], status: str) -> dict[str, str]:
        return {
            "CallSid": call["sid"],
            "AccountSid": self.account_sid,
            "From": call["from"],
            "To": call["to"],
            "CallStatus": status,
            "Direction": "outbound-api",
            "ApiVersion": "2010-04-01",
        }

    def _call_status(self, call: dict[str, Any], status: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            call["status"] = status
            if call["_callback"] and "voice" not in self._callbacks_lost:
                await self._webhook(call["_callback"], self._call_params(call, status))

        return run

    def _answer(self, call: dict[str, Any], behaviour: PhoneBehaviour) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            call["status"] = "in-progress"
            started = self.playback.current
            params = self._call_params(call, "in-progress")
            twiml = await self._webhook(call["_url"], params)
            keys = list(behaviour.press or "")
            for _ in range(MAX_PROMPTS):
                gather = _gather(twiml)
                if gather is None or not keys:
                    break
                key = keys.pop(0)
                self._log("keypress", call=call["sid"], to=call["to"], digits=key)
                action = urljoin(call["_url"], gather.get("action") or call["_url"])
                twiml = await self._webhook(action, {**params, "Digits": key})
            call["status"], call["duration"] = (
                "completed",
                str(int((self.playback.current - started).total_seconds()) + 20),
            )
            if call["_callback"] and "voice" not in self._callbacks_lost:
                await self._webhook(
                    call["_callback"], {**self._call_params(call, "completed"), "CallDuration": call["duration"]}
                )

        return run


async def _json_object(request: web.Request) -> dict[str, Any]:
    """A control request's JSON object; ValueError says what is wrong (too deep is wrong too)."""
    try:
        body = json.loads(await request.read())
    except RecursionError:
        raise ValueError("the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _parse(twiml: str) -> ET.Element | None:
    try:
        return ET.fromstring(twiml) if twiml else None
    except ET.ParseError:
        return None


def _gather(twiml: str) -> ET.Element | None:
    root = _parse(twiml)
    return root.find("Gather") if root is not None else None


def _twiml_messages(twiml: str) -> list[str]:
    root = _parse(twiml)
    return [element.text or "" for element in root.iter("Message")] if root is not None else []
