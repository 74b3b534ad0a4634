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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from aiohttp import web

from warning.serving import BackgroundServer

ALGORITHM = "ACS3-HMAC-SHA256"
_AUTHORIZATION = re.compile(r"^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$")
_MAINLAND_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
SKEW = timedelta(minutes=15)
# Flow control of one template to one number (the service's defaults for notifications).
LIMITS = ((timedelta(minutes=1), 1), (timedelta(hours=1), 5), (timedelta(days=1), 10))


@dataclass(frozen=True, slots=True)
class Sent:
    kind: str  # sms or call
    phone: str
    template: str
    params: dict[str, str]
    text: str  # the template filled in (an SMS with its sign name, as the phone shows it)
    ident: str  # BizId or CallId
    at: datetime


@dataclass
class AliyunSimulator:
    """Serves both APIs on one loopback port; `endpoint` is what the SDKs' Config takes (with protocol http)."""

    access_key_id: str = "LTAI-simulator"
    access_key_secret: str = "simulator-secret"
    sign_names: frozenset[str] = frozenset({"应急预警"})
    templates: dict[str, str] = field(default_factory=dict)  # code -> text with ${param}
    now: Callable[[], float] = time.time  # the SDK stamps requests with the wall clock
    sent: list[Sent] = field(default_factory=list)
    _nonces: set[str] = field(default_factory=set)
    _failures: deque[str] = field(default_factory=deque)
    _history: dict[tuple[str, str], list[datetime]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # The last request as it arrived (method, path with query, headers, body): a test replays it.
    last_request: tuple[str, str, dict[str, str], bytes] | None = None

    def __post_init__(self) -> None:
        self.server = BackgroundServer()
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._app = app

    @property
    def endpoint(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def start(self) -> AliyunSimulator:
        self.server.start(self._app)
        return self

    def stop(self) -> None:
        self.server.stop()

    def fail_next(self, code: str, times: int = 1) -> None:
        """The next `times` requests fail with `code` (e.g. ServiceUnavailable, isv.BUSINESS_LIMIT_CONTROL)."""
        self._failures.extend([code] * times)

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
        if action == "SendSms":
            return self._send_sms(params)
        if action == "SingleCallByTts":
            return self._call_by_tts(params)
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
        headers = "".join(f"{name}:{','.join(sorted(v.strip() for v in request.headers.getall(name, [])))}\n"
                          for name in names)  # fmt: skip
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

    def _send_sms(self, params: dict[str, str]) -> web.Response:
        phones = [phone for phone in params.get("PhoneNumbers", "").split(",") if phone]
        template = self.templates.get(params.get("TemplateCode", ""))
        if params.get("SignName") not in self.sign_names:
            return _answer(200, "isv.SMS_SIGNATURE_ILLEGAL", "the sign name is not registered")
        if template is None:
            return _answer(200, "isv.SMS_TEMPLATE_ILLEGAL", "the template is not registered")
        if not phones or not all(_MAINLAND_MOBILE.match(phone) for phone in phones):
            return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "not a mainland mobile number")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return _answer(200, "isv.INVALID_JSON_PARAM", "TemplateParam is not JSON")
        missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
        if not isinstance(values, dict) or missing:
            return _answer(200, "isv.TEMPLATE_MISSING_PARAMETERS", f"missing {', '.join(missing)}")
        now = datetime.fromtimestamp(self.now(), UTC)
        code = params["TemplateCode"]
        if any(self._over_limit(phone, code, now) for phone in phones):
            return _answer(200, "isv.BUSINESS_LIMIT_CONTROL", "触发号码天级流控Permits:10")
        biz_id = f"{next(self._ids):06d}^0"
        text = f"【{params['SignName']}】" + _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
        for phone in phones:
            self._history.setdefault((phone, code), []).append(now)
            self.sent.append(Sent("sms", phone, code, {k: str(v) for k, v in values.items()}, text, biz_id, now))
        return web.json_response({"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()})

    def _call_by_tts(self, params: dict[str, str]) -> web.Response:
        phone, code = params.get("CalledNumber", ""), params.get("TtsCode", "")
        template = self.templates.get(code)
        if template is None:
            return _answer(200, "isv.TTS_TEMPLATE_ILLEGAL", "the TTS template is not registered")
        if not _MAINLAND_MOBILE.match(phone):
            return _answer(200, "isv.MOBILE_NUMBER_ILLEGAL", "not a mainland number")
        values = json.loads(params.get("TtsParam") or "{}")
        now = datetime.fromtimestamp(self.now(), UTC)
        call_id = f"{next(self._ids)}^{next(self._ids)}"
        text = _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)
        self.sent.append(Sent("call", phone, code, {k: str(v) for k, v in values.items()}, text, call_id, now))
        return web.json_response({"Code": "OK", "Message": "OK", "CallId": call_id, "RequestId": _request_id()})

    def _over_limit(self, phone: str, template: str, now: datetime) -> bool:
        history = self._history.get((phone, template), [])
        return any(sum(1 for at in history if now - at < span) >= most for span, most in LIMITS)


def _answer(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"Code": code, "Message": message, "RequestId": _request_id()}, status=status)


_REQUESTS = itertools.count(1)


def _request_id() -> str:
    return f"SIMULATED-{next(_REQUESTS):08d}"
