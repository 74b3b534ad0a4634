"""Twilio's webhooks: status callbacks, the voice TwiML with a one-key Gather and its keypresses, and
inbound SMS. Every one must carry a valid X-Twilio-Signature computed over the *public* URL Twilio
called; anything else is refused with 403, logged, and acknowledges nothing. One that changes state
is acted on once per provider request (a replay is 409)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape, quoteattr

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from warning.api.bodies import MAX_BODY_BYTES, StrictRoute, read_bounded
from warning.catalogue import N_, say
from warning.engine import Engine

log = logging.getLogger(__name__)

# The key a state-changing webhook is remembered by, and how the decision log names it; or why the
# request cannot be one (answered 400).
Receipt = Callable[[Request, dict[str, str]], tuple[str, str] | str]
TwilioHandler = Callable[[Request, dict[str, str]], Awaitable[Response]]
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_STATUS = re.compile(r"^[a-z-]{1,20}$")


class SignatureCheck(Protocol):
    def is_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool: ...


def row_id(text: str, largest: int = 2**62) -> int | None:
    """A number from a URL, as a database id can be (ASCII digits, not beyond the column), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > largest:
        return None
    return int(text)


def _status_receipt(sid_field: str, status_field: str) -> Receipt:
    """A status callback is one per (sid, status): Twilio reports each status of a message once."""

    def receipt(_request: Request, params: dict[str, str]) -> tuple[str, str] | str:
        sid, status = params.get(sid_field, ""), params.get(status_field, "")
        if not _SID.match(sid) or not _STATUS.match(status):
            return f"{sid_field} and {status_field} are required"
        return f"status:{sid}:{status}", f"status callback {status} of {sid}"

    return receipt


def _gather_receipt(request: Request, params: dict[str, str]) -> tuple[str, str] | str:
    """A keypress is one per (call, prompt): the prompt number is in the signed action URL."""
    sid, prompt = params.get("CallSid", ""), request.query_params.get("prompt", "1")
    if not _SID.match(sid) or not row_id(prompt, 100):  # None, or 0: not a prompt
        return "CallSid and a prompt number are required"
    return f"gather:{sid}:{prompt}", f"keypress {params.get('Digits', '')!r} of call {sid} (prompt {prompt})"


def _inbound_sms_receipt(_request: Request, params: dict[str, str]) -> tuple[str, str] | str:
    sid = params.get("MessageSid", "")
    if not _SID.match(sid):
        return "MessageSid is required"
    return f"sms:{sid}", f"inbound SMS {sid} from {params.get('From', '')}"


def _twiml(body: str) -> Response:
    text = f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'
    return Response(text, media_type="application/xml")


def _voice_language(language: str) -> str:
    """The language the provider's text-to-speech reads in."""
    return "zh-CN" if language == "zh-CN" else "en-US"


def _prompt(text: str, language: str, notification_id: int, prompt: int = 1) -> str:
    """The page read out with a one-key Gather. `prompt` counts the prompts of one call: the
    keypress webhook of each is acted on once (a replay of a signed "2" must not escalate again)."""
    voice_language = _voice_language(language)
    action = quoteattr(f"/twilio/voice/gather?n={notification_id}&prompt={prompt}")
    goodbye = escape(say(language, "No key pressed. Goodbye."))
    return (
        f'<Gather numDigits="1" timeout="10" action={action} method="POST">'
        f'<Say language="{voice_language}">{escape(text)}</Say></Gather>'
        f'<Say language="{voice_language}">{goodbye}</Say>'
        "<Hangup/>"
    )


def twilio_router(engine: Engine, signature: SignatureCheck, public_base_url: str) -> APIRouter:
    public = public_base_url.rstrip("/")
    router = APIRouter(prefix="/twilio", include_in_schema=False, route_class=StrictRoute)

    def signed(path: str, handler: TwilioHandler, receipt: Receipt | None = None) -> None:
        """Serve `handler` at `path` only for a webhook whose X-Twilio-Signature matches the public
        URL and form and, for one that changes state, that was not received before."""

        async def checked(request: Request) -> Response:
            raw = await read_bounded(request, MAX_BODY_BYTES)
            try:
                params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=200))
            except (UnicodeDecodeError, ValueError):
                return Response("the body must be a URL-encoded form", status_code=400)
            url = public + request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if not signature.is_valid(url, params, request.headers.get("X-Twilio-Signature")):
                log.warning("refused Twilio webhook with a bad signature: %s", request.url.path)
                return Response("invalid signature", status_code=403)
            if receipt is not None:
                named = receipt(request, params)
                if isinstance(named, str):
                    return Response(named, status_code=400)
                if not await run_in_threadpool(engine.accept_webhook, *named):
                    log.warning("refused a replayed Twilio webhook: %s", named[0])
                    return Response("this request was already received", status_code=409)
            return await handler(request, params)

        router.add_api_route(path, checked, methods=["POST"])

    async def sms_status(_request: Request, params: dict[str, str]) -> Response:
        sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
        await run_in_threadpool(engine.record_delivery_status, sid, status)
        return Response(status_code=204)

    async def voice_status(_request: Request, params: dict[str, str]) -> Response:
        await run_in_threadpool(engine.record_delivery_status, params.get("CallSid", ""), params.get("CallStatus", ""))
        return Response(status_code=204)

    async def voice_page(request: Request) -> tuple[int, str, str] | None:
        """(notification id, text, language) of the voice page a call is about."""
        ident = row_id(request.query_params.get("n", ""))
        found = await run_in_threadpool(engine.notification_text, ident) if ident is not None else None
        return (ident, *found) if ident is not None and found is not None else None

    async def voice_twiml(request: Request, _params: dict[str, str]) -> Response:
        page = await voice_page(request)
        return _twiml(_prompt(page[1], page[2], page[0]) if page else "<Hangup/>")

    async def voice_gather(request: Request, params: dict[str, str]) -> Response:
        page = await voice_page(request)
        if page is None:
            return _twiml("<Hangup/>")
        ident, text, language = page
        prompt = int(request.query_params.get("prompt", "1"))  # checked by its receipt
        outcome = await run_in_threadpool(engine.keypress, ident, params.get("Digits", ""))
        replies = {
            "acknowledged": N_("Acknowledged. Thank you."),
            "refused": N_("This warning cannot be acknowledged from this phone."),
            "escalated": N_("Escalated now."),
        }
        if outcome in replies:
            said = escape(say(language, replies[outcome]))
            return _twiml(f'<Say language="{_voice_language(language)}">{said}</Say><Hangup/>')
        return _twiml(_prompt(text, language, ident, prompt + 1))  # repeat, or a wrong key: prompt again

    async def sms_inbound(_request: Request, params: dict[str, str]) -> Response:
        result = await run_in_threadpool(engine.acknowledge_by_sms, params.get("From", ""), params.get("Body", ""))
        return _twiml(f"<Message>{escape(result.message)}</Message>")

    signed("/sms/status", sms_status, _status_receipt("MessageSid", "MessageStatus"))
    signed("/voice/status", voice_status, _status_receipt("CallSid", "CallStatus"))
    signed("/voice/twiml", voice_twiml)  # reads only: a replay changes nothing
    signed("/voice/gather", voice_gather, _gather_receipt)
    signed("/sms/inbound", sms_inbound, _inbound_sms_receipt)
    return router
