"""A loopback simulator of Alibaba Cloud's SMS (Dysmsapi 2017-05-25 `SendSms`) and voice (Dyvmsapi
2017-05-25 `SingleCallByTts`) APIs, which the official Python SDKs talk to in tests and drills as they
would to `dysmsapi.aliyuncs.com` and `dyvmsapi.aliyuncs.com`.

What it checks, as the real service does:
- every request is signed (`Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`,
  Alibaba Cloud's V3 signature over the canonical request); an unknown key is refused
  (`InvalidAccessKeyId.NotFound`), a wrong signature too (`SignatureDoesNotMatch`), a request more than
  15 minutes from now (`InvalidTimeStamp.Expired`), and a nonce used before (`SignatureNonceUsed`):
  a captured request replayed does nothing;
- an SMS names a registered sign name and template, and gives every parameter the template has
  (`isv.SMS_SIGNATURE_ILLEGAL`, `isv.SMS_TEMPLATE_ILLEGAL`, `isv.TEMPLATE_MISSING_PARAMETERS`), to a
  mainland mobile number (`isv.MOBILE_NUMBER_ILLEGAL`);
- flow control per number and template: 1 a minute, 5 an hour, 10 a day
  (`isv.BUSINESS_LIMIT_CONTROL`), answered with HTTP 200 as the service does;
- `fail_next(code)` makes the next requests fail (`ServiceUnavailable` is a 503, as an outage).

What was sent is kept (`sent`, each SMS as its template reads filled in), with a BizId or CallId.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

import aiohttp
from aiohttp import web

from notifiers.simulator.behaviour import FaultPlayer, Faults, PhoneBehaviour, ProviderTrouble
from notifiers.simulator.playback import Playback
from warning.clock import Clock
from warning.dispatch.carriers import national
from warning.dispatch.templates import VALUE_LENGTH
from warning.serving import BackgroundServer

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTHORIZATION = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$")
_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
SKEW = timedelta(minutes=15)
CHINA = timezone(timedelta(hours=8))  # the service writes its times in Beijing time
# Flow control of one template to one number (the service's defaults for notifications).
LIMITS = ((1, timedelta(minutes=1)), (5, timedelta(hours=1)), (10, timedelta(days=1)))


@dataclass(frozen=True, slots=True)
class Sent:
    kind: str  # sms or call
    phone: str
    template: str
    params: dict[str, str]
    text: str  # the template filled in (an SMS with its sign name, as the phone shows it)
    ident: str  # BizId or CallId
    at: datetime
    out_id: str = ""  # the caller's own id for it


class AliyunSimulator(ProviderTrouble):
    """Serves both APIs on one loopback port; `endpoint` is what the SDKs' Config takes (with protocol
    http). Receipts, replies and keypresses are pushed to the URLs `configure_callbacks` names, as
    the service's HTTP batch push does, at their time on the simulator's clock (`advance` in a
    drill; live, the clock itself)."""

    def __init__(
        self,
        *,
        templates: dict[str, str] | None = None,  # code -> text with ${param}
        sign_names: frozenset[str] = frozenset({"应急预警"}),
        access_key_id: str = "LTAI-simulator",
        access_key_secret: str = "simulator-secret",
        start: datetime | None = None,
        live: bool = False,
        clock: Clock | None = None,
        limits: tuple[tuple[int, timedelta], ...] = LIMITS,
        value_lengths: Mapping[str, int] | None = None,  # code -> longest value (default VALUE_LENGTH)
    ) -> None:
        super().__init__()
        self.limits = limits
        self.value_lengths = dict(value_lengths or {})
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_names = sign_names
        self.templates = dict(templates or {})
        self.now: Callable[[], float] = time.time  # the SDK stamps requests with the wall clock
        self.playback = Playback(start=start, live=live, clock=clock)
        self.sent: list[Sent] = []
        self.events: list[dict[str, Any]] = []
        # The last request as it arrived (method, path with query, headers, body): a test replays it.
        self.last_request: tuple[str, str, dict[str, str], bytes] | None = None
        self._nonces: set[str] = set()
        self._failures: deque[str] = deque()
        self._faults = FaultPlayer(Faults())
        self._behaviour: dict[str, PhoneBehaviour] = {}
        self._history: dict[tuple[str, str], list[datetime]] = {}
        self._ids = itertools.count(1)
        self._messages: list[dict[str, Any]] = []
        self._calls: dict[str, dict[str, Any]] = {}
        self._callbacks: dict[str, str] = {}
        self._session: aiohttp.ClientSession | None = None
        self.server = BackgroundServer()
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._app = app

    @property
    def endpoint(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def start(self) -> AliyunSimulator:
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

    # control, from any thread -------------------------------------------------------------

    def configure_callbacks(self, *, sms_report: str | None, sms_up: str | None, voice_report: str | None) -> None:
        """Where the account's receipts, inbound SMS and call reports are pushed (None: not pushed)."""
        self._callbacks = {
            name: url
            for name, url in (("sms_report", sms_report), ("sms_up", sms_up), ("voice_report", voice_report))
            if url
        }

    @property
    def callbacks(self) -> dict[str, str]:
        """Where each kind of push goes now (sms_report, sms_up, voice_report)."""
        return dict(self._callbacks)

    def fail_next(self, code: str, times: int = 1) -> None:
        """The next `times` requests fail with `code` (e.g. ServiceUnavailable, isv.BUSINESS_LIMIT_CONTROL)."""
        self._failures.extend([code] * times)

    def set_faults(self, faults: Faults) -> None:
        """Seeded trouble on every send request, as the Twilio simulator plays it."""
        self._faults = FaultPlayer(faults)

    def set_behaviour(self, phone: str, behaviour: PhoneBehaviour) -> None:
        """How a phone answers (the same scripts as the Twilio simulator's phones)."""
        self._behaviour[national(phone)] = behaviour

    def send_sms_from(self, phone: str, body: str) -> None:
        """Someone texts the account's sign (a player replying by hand): pushed as an inbound SMS."""
        self.server.call(self._push_up(national(phone), body))

    def advance(self, to: datetime) -> int:
        return self.server.call(self.playback.advance(to))

    def next_at(self) -> datetime | None:
        return self.server.call(self.playback.next_at())

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return self.server.call(self._events_of(kind))

    async def _events_of(self, kind: str) -> list[dict[str, Any]]:
        return [dict(event) for event in self.events if event["type"] == kind]

    def _log(self, kind: str, **data: Any) -> None:
        self.events.append({"type": kind, "at": self.playback.now().isoformat(), **data})

    # the API ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.last_request = (request.method, request.path_qs, dict(request.headers), body)
        refused = self._signature_problem(request, body)
        if refused is not None:
            return refused
        action = request.headers.get("x-acs-action", "")
        params = dict(request.query)
        if body and request.content_type == "application/x-www-form-urlencoded":
            params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        if self._failures:
            code = self._failures.popleft()
            status = 503 if code == "ServiceUnavailable" else 200
            return _answer(status, code, f"simulated: {code}")
        channel = {"SendSms": "sms", "SingleCallByTts": "voice", "IvrCall": "voice"}.get(action)
        outage = self._outages.get(channel) if channel else None
        answer = outage.answer if outage is not None else self._faults.next() if channel else "ok"
        if answer not in ("ok", "error_after", "drop"):  # refused before acting
            self._log("fault", fault=answer, action=action)
            return _closed(request) if answer == "lost" else _outage_answer(answer)
        delivers = outage is None or outage.delivers
        if action in ("SendSms", "SingleCallByTts", "IvrCall"):
            sent = self._send_sms(params, delivers=delivers) if action == "SendSms" else \
                self._place_call(action, params, connects=delivers)  # fmt: skip
            if answer == "ok" or not _accepted(sent):
                return sent
            self._log("fault", fault=answer, action=action)  # acted on, and then the answer is lost
            return _closed(request) if answer == "drop" else _outage_answer("500")
        if action == "QuerySendDetails":
            return self._query_send_details(params)
        if action == "QueryCallDetailByCallId":
            return self._query_call(params)
        return _answer(400, "InvalidAction.NotFound", f"the simulator does not serve {action!r}")

    def _signature_problem(self, request: web.Request, body: bytes) -> web.Response | None:
        match = _AUTHORIZATION.match(request.headers.get("Authorization", ""))
        if match is None:
            return _answer(400, "MissingAuthorization", f"requests are signed with {ALGORITHM}")
        key, signed_headers, signature = match.groups()
        if key != self.access_key_id:
            return _answer(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        payload = hashlib.sha256(body).hexdigest()
        if request.headers.get("x-acs-content-sha256", payload) != payload:
            return _answer(400, "IncompleteSignature", "x-acs-content-sha256 is not the body's digest")
        names = signed_headers.split(";")
        if not {"host", "x-acs-date", "x-acs-signature-nonce", "x-acs-action"} <= set(names):
            return _answer(400, "IncompleteSignature", "host and the x-acs headers must be signed")
        headers = "".join(
            f"{name}:{','.join(sorted(v.strip() for v in request.headers.getall(name, [])))}\n" for name in names
        )
        query = "&".join(f"{key}={quote(value, safe='~')}" for key, value in sorted(request.query.items()))
        canonical = f"{request.method}\n{request.path or '/'}\n{query}\n{headers}\n{signed_headers}\n{payload}"
        to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return _answer(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
        try:
            stamped = datetime.strptime(request.headers["x-acs-date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return _answer(400, "InvalidTimeStamp.Format", "x-acs-date is written like 2026-07-14T12:00:00Z")
        if abs(stamped - datetime.fromtimestamp(self.now(), UTC)) > SKEW:
            return _answer(400, "InvalidTimeStamp.Expired", "the request is more than 15 minutes from now")
        nonce = request.headers["x-acs-signature-nonce"]
        if nonce in self._nonces:
            return _answer(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        self._nonces.add(nonce)
        return None

    def _send_sms(self, params: dict[str, str], *, delivers: bool) -> web.Response:
        phones = [national(phone) for phone in params.get("PhoneNumbers", "").split(",") if phone]
        template = self.templates.get(params.get("TemplateCode", ""))
        if params.get("SignName") not in self.sign_names:
            return _answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "the sign name is not registered")
        if template is None:
            return _answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "the template is not registered")
        if not phones or not all(_MAINLAND_MOBILE.match(phone) for phone in phones):
            return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "not a mainland mobile number")
        values = _json_params(params.get("TemplateParam"))
        if values is None:
            return _answer(200, "isv.INVALID_JSON_PARAM", "TemplateParam is not a JSON object")
        missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
        if missing:
            return _answer(200, "isv.TEMPLATE_MISSING_PARAMETERS", f"missing {', '.join(missing)}")
        code = params["TemplateCode"]
        if self._too_long(code, values):
            return _answer(200, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        now = self.playback.now()
        if any(self._over_limit(phone, code, now) for phone in phones):
            return _answer(200, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10")
        biz_id = f"{next(self._ids):06d}^0"
        text = f"【{params['SignName']}】" + _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)
        for phone in phones:
            self._history.setdefault((phone, code), []).append(now)
            self.sent.append(Sent("sms", phone, code, values, text, biz_id, now, params.get("OutId", "")))
            message = {
                "biz_id": biz_id,
                "out_id": params.get("OutId", ""),
                "phone": phone,
                "template": code,
                "content": text,
                "sent": now,
                "status": 1,
                "err_code": "",
                "sign": params["SignName"],
            }
            self._messages.append(message)
            self._log("sms", biz_id=biz_id, to=phone, body=text)
            self._play_sms(message, delivers)
        return web.json_response({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()})

    def _place_call(self, action: str, params: dict[str, str], *, connects: bool) -> web.Response:
        ivr = action == "IvrCall"
        phone = national(params.get("CalledNumber", ""))
        code = params.get("StartCode" if ivr else "TtsCode", "")
        template = self.templates.get(code)
        if template is None:
            return _answer(200, "isv.TTS_TEMPLATE_ILLEGAL", "the TTS template is not registered")
        if not _MAINLAND_MOBILE.match(phone):
            return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "not a mainland number")
        values = _json_params(params.get("StartTtsParams" if ivr else "TtsParam"))
        if values is None:
            return _answer(200, "isv.INVALID_JSON_PARAM", "the TTS parameters are not a JSON object")
        if self._too_long(code, values):
            return _answer(200, "isv.PARAM_LENGTH_LIMIT", "参数超出长度限制")
        menu = _menu(params) if ivr else {}
        if menu is None or any(key_code not in self.templates for key_code in menu.values()):
            return _answer(200, "isv.TTS_TEMPLATE_ILLEGAL", "MenuKeyMap names a template that is not registered")
        now = self.playback.now()
        call_id = f"{next(self._ids)}^{next(self._ids)}"
        text = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), template)
        self.sent.append(Sent("call", phone, code, values, text, call_id, now, params.get("OutId", "")))
        call = {
            "call_id": call_id,
            "out_id": params.get("OutId", ""),
            "phone": phone,
            "text": text,
            "menu": menu,
            "caller": params.get("CalledShowNumber", ""),
            "started": now,
            "state": "200100",
        }
        self._calls[call_id] = call
        self._log("call", call_id=call_id, to=phone, body=text)
        self._play_call(call, connects)
        return web.json_response({"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": _request_id()})

    def _query_send_details(self, params: dict[str, str]) -> web.Response:
        phone, day = national(params.get("PhoneNumber", "")), params.get("SendDate", "")
        if not _MAINLAND_MOBILE.match(phone) or not re.fullmatch(r"\d{8}", day):
            return _answer(200, "isv.INVALID_PARAMETERS", "PhoneNumber and SendDate (yyyyMMdd) are required")
        size = min(max(int(params.get("PageSize") or 10), 1), 50) if params.get("PageSize", "1").isdigit() else 10
        page = int(params["CurrentPage"]) if params.get("CurrentPage", "").isdigit() else 1
        found = [
            message
            for message in self._messages
            if message["phone"] == phone
            and _china(message["sent"]).strftime("%Y%m%d") == day
            and params.get("BizId") in (None, "", message["biz_id"])
        ]
        shown = found[(page - 1) * size : page * size]
        details = [
            {
                "PhoneNum": m["phone"],
                "SendStatus": m["status"],
                "ErrCode": m["err_code"] or "DELIVERED",
                "TemplateCode": m["template"],
                "Content": m["content"],
                "OutId": m["out_id"],
                "SendDate": _china(m["sent"]).strftime("%Y-%m-%d %H:%M:%S"),
                "ReceiveDate": _china(m["sent"]).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for m in shown
        ]
        return web.json_response(
            {
                "Code": "OK",
                "Message": "OK",
                "RequestId": _request_id(),
                "TotalCount": str(len(found)),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
            }
        )

    def _query_call(self, params: dict[str, str]) -> web.Response:
        call = self._calls.get(params.get("CallId", ""))
        if call is None:
            return web.json_response({"Code": "OK", "Message": "OK", "Data": None, "RequestId": _request_id()})
        data = {
            "callId": call["call_id"],
            "calleeNum": call["phone"],
            "state": call["state"],
            "stateDesc": _CALL_STATES.get(call["state"], ""),
        }
        return web.json_response(
            {"Code": "OK", "Message": "OK", "Data": json.dumps(data, ensure_ascii=False), "RequestId": _request_id()}
        )

    def _too_long(self, code: str, values: dict[str, str]) -> bool:
        most = self.value_lengths.get(code, VALUE_LENGTH)
        return any(len(value) > most for value in values.values())

    def _over_limit(self, phone: str, template: str, now: datetime) -> bool:
        history = self._history.get((phone, template), [])
        return any(sum(1 for at in history if now - at < span) >= most for most, span in self.limits)

    # what phones do, later ----------------------------------------------------------------

    def _play_sms(self, message: dict[str, Any], delivers: bool) -> None:
        behaviour = self._behaviour.get(message["phone"], PhoneBehaviour())
        outcome = (
            {
                "deliver": (True, "DELIVERED"),
                "undelivered": (False, "MK:0001"),
                "fail": (False, "MN:0001"),
                "no-receipt": None,
            }[behaviour.sms]
            if delivers
            else None
        )
        if outcome is None:
            return  # a phone switched off, or a carrier dropping it: no receipt ever comes
        success, err_code = outcome

        async def report() -> None:
            message["status"], message["err_code"] = (3 if success else 2), err_code
            await self._push(
                "sms_report",
                [
                    {
                        "phone_number": message["phone"],
                        "send_time": _stamp(message["sent"]),
                        "report_time": _stamp(self.playback.now()),
                        "success": success,
                        "err_code": err_code,
                        "err_msg": "用户接收成功" if success else "用户接收失败",
                        "sms_size": "1",
                        "biz_id": message["biz_id"],
                        "out_id": message["out_id"],
                    }
                ],
            )

        self.playback.schedule(timedelta(seconds=2), report)
        # The person answers what asks to be answered (a page), not the thanks for their answer.
        if behaviour.reply and success and _ASKS.search(message["content"]):
            self.playback.schedule(
                behaviour.reply_after, lambda: self._push_up(message["phone"], behaviour.reply or "", message["sign"])
            )

    async def _push_up(self, phone: str, content: str, sign: str | None = None) -> None:
        self._log("reply", sender=phone, body=content)
        await self._push(
            "sms_up",
            [
                {
                    "phone_number": phone,
                    "send_time": _stamp(self.playback.now()),
                    "content": content,
                    "sign_name": sign or next(iter(sorted(self.sign_names))),
                    "dest_code": "",
                    "sequence_id": next(self._ids),
                }
            ],
        )

    def _play_call(self, call: dict[str, Any], connects: bool) -> None:
        behaviour = self._behaviour.get(call["phone"], PhoneBehaviour())
        state = {"answer": "200000", "no-answer": "200005", "busy": "200002", "fail": "200010"}[behaviour.voice]
        if not connects:
            state = "200010"
        ring = behaviour.answer_after if state in ("200000", "200005") else timedelta(seconds=2)
        keys = "".join(_keys_heard(behaviour.press or "", call["menu"])) if state == "200000" else ""

        async def hung_up() -> None:
            call["state"] = state
            for key in keys:
                self._log("keypress", call=call["call_id"], to=call["phone"], digits=key)
            duration = 20 + 10 * len(keys) if state == "200000" else 0
            await self._push(
                "voice_report",
                [
                    {
                        "call_id": call["call_id"],
                        "out_id": call["out_id"],
                        "callee": call["phone"],
                        "caller": call["caller"],
                        "status_code": state,
                        "status_msg": _CALL_STATES[state],
                        "dtmf": keys,
                        "start_time": _stamp(call["started"]),
                        "end_time": _stamp(self.playback.now()),
                        "duration": str(duration),
                    }
                ],
            )

        self.playback.schedule(
            ring + (timedelta(seconds=20 + 10 * len(keys)) if state == "200000" else timedelta()), hung_up
        )

    async def _push(self, kind: str, body: list[dict[str, Any]], attempt: int = 0) -> None:
        """The service's HTTP batch push: a JSON array, answered {"code": 0} when taken; pushed again
        later when it was not (our server down), a few times."""
        url = self._callbacks.get(kind)
        if kind.removesuffix("_report") in self._callbacks_lost:
            self._log("push_lost", push=kind)
            return
        if url is None or self._session is None:
            self._log("push_dropped", push=kind)
            return
        out_ids = [item.get("out_id") for item in body if item.get("out_id")]
        try:
            async with self._session.post(url, json=body) as response:
                self._log("push", push=kind, status=response.status, out_ids=out_ids)
                taken = response.status == 200
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._log("push_failed", push=kind, error=type(exc).__name__, out_ids=out_ids)
            taken = False
        if not taken and attempt < len(PUSH_RETRIES):
            self.playback.schedule(PUSH_RETRIES[attempt], lambda: self._push(kind, body, attempt + 1))


# A push not taken is pushed again: soon, then every ten minutes for two hours.
PUSH_RETRIES = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=2), *[timedelta(minutes=10)] * 12)
_ASKS = re.compile(r"回复1|Reply 1")
_CALL_STATES = {
    "200000": "用户听完",
    "200002": "用户忙",
    "200005": "用户未接听",
    "200010": "关机或无法接通",
    "200100": "呼叫中",
}


def _keys_heard(pressed: str, menu: dict[str, str]) -> list[str]:
    """The keys a caller presses, up to the first the menu answers (a repeat key replays the prompt)."""
    heard = []
    for key in pressed:
        heard.append(key)
        if key in menu:
            break
    return heard


def _menu(params: dict[str, str]) -> dict[str, str] | None:
    """IvrCall's MenuKeyMap (sent flattened: MenuKeyMap.1.Key, MenuKeyMap.1.Code ...): key -> template."""
    keys = {name.split(".")[1] for name in params if name.startswith("MenuKeyMap.")}
    menu = {params.get(f"MenuKeyMap.{n}.Key", ""): params.get(f"MenuKeyMap.{n}.Code", "") for n in keys}
    return None if any(not key or not code for key, code in menu.items()) else menu


def _json_params(text: str | None) -> dict[str, str] | None:
    try:
        values = json.loads(text or "{}")
    except ValueError:
        return None
    return {str(k): str(v) for k, v in values.items()} if isinstance(values, dict) else None


def _china(moment: datetime) -> datetime:
    return moment.astimezone(CHINA)


def _stamp(moment: datetime) -> str:
    return _china(moment).strftime("%Y-%m-%d %H:%M:%S")


def _accepted(response: web.Response) -> bool:
    body = response.body
    return isinstance(body, bytes) and json.loads(body).get("Code") == "OK"


def _closed(request: web.Request) -> web.Response:
    """No answer at all: the connection is closed (to the client, a timeout or a reset)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=500)


def _outage_answer(answer: str) -> web.Response:
    if answer == "429":
        return _answer(400, "Throttling.User", "Request was denied due to user flow control.")
    if answer == "500":
        return _answer(500, "InternalError", "The request processing has failed due to some unknown error.")
    return _answer(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")


def _answer(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"Code": code, "Message": message, "RequestId": _request_id()}, status=status)


_REQUESTS = itertools.count(1)


def _request_id() -> str:
    return f"SIMULATED-{next(_REQUESTS):08d}"
