"""Alibaba Cloud's HTTP batch pushes: SMS receipts (SmsReport), inbound SMS (SmsUp) and call reports
with the keys pressed (VoiceReport), each a JSON array.

The service does not sign its pushes, so each push URL carries a secret (`/aliyun/{secret}/…`, set
in the console as the push address): a request with another secret is refused with 403 and acts on
nothing. Each item is acted on once: a receipt per (message, outcome), an inbound SMS per sequence
number, a call report per call; an item received before is skipped (a replayed push acknowledges
nothing again) and the push is still answered `{"code": 0}`, so the service does not retry it.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from warning.api.bodies import MAX_BODY_BYTES, StrictRoute, read_bounded
from warning.api.twilio import row_id
from warning.dispatch.carriers import international, out_reference
from warning.engine import Engine

log = logging.getLogger(__name__)
MAX_ITEMS = 500  # one push carries at most this many items
_TOKEN = re.compile(r"^[\w-]{1,100}$")
_CALL_STATUS = {"200000": "completed", "200002": "busy", "200005": "no-answer"}  # anything else: failed
_DECISIVE = {"acknowledged", "refused", "escalated"}
TAKEN = {"code": 0, "msg": "接收成功"}


class NotYet(Exception):
    """An item that cannot be applied yet (its page is still being sent): the push is answered as not
    taken, and the service pushes it again later; the items before it were taken."""


def _items(raw: bytes) -> list[dict[str, Any]] | str:
    """The pushed items, or why the body is not a push."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return "the body must be a JSON array"
    if not isinstance(body, list) or len(body) > MAX_ITEMS or not all(isinstance(item, dict) for item in body):
        return f"the body must be a JSON array of at most {MAX_ITEMS} objects"
    return body


def _text(item: dict[str, Any], name: str, most: int = 200) -> str:
    value = item.get(name)
    return str(value)[:most] if isinstance(value, str | int) else ""  # a bool is an int


@dataclass(frozen=True)
class AliyunPushes:
    """What the push endpoints need: the secret in their addresses, and how to text an answer back."""

    secret: str
    answer: Callable[[str, str], None] | None = None


def aliyun_router(engine: Engine, secret: str, answer: Callable[[str, str], None] | None) -> APIRouter:
    """`answer(phone, text)` texts the reply to an inbound SMS back (through Alibaba Cloud)."""
    router = APIRouter(prefix="/aliyun", include_in_schema=False, route_class=StrictRoute)

    def pushed(path: str, act: Callable[[dict[str, Any]], None]) -> None:
        async def handle(request: Request, token: str) -> Response:
            if not _TOKEN.match(token) or not hmac.compare_digest(token.encode(), secret.encode()):
                log.warning("refused an Alibaba Cloud push with a wrong secret: %s", path)
                return Response("unknown push address", status_code=403)
            items = _items(await read_bounded(request, MAX_BODY_BYTES))
            if isinstance(items, str):
                return JSONResponse({"code": 1, "msg": items}, status_code=400)
            try:
                for item in items:
                    await run_in_threadpool(act, item)
            except NotYet as exc:
                return JSONResponse({"code": 1, "msg": str(exc)}, status_code=503)
            return JSONResponse(TAKEN)

        router.add_api_route(f"/{{token}}/{path}", handle, methods=["POST"])

    def settle_first(notification: int | None) -> None:
        if notification is not None and engine.page_in_flight(notification, "aliyun"):
            raise NotYet(f"page {notification} is still being sent; push it again later")

    def once(key: str, what: str) -> bool:
        if engine.accept_webhook(key, what):
            return True
        log.warning("skipped an Alibaba Cloud push item received before: %s", key)
        return False

    def sms_report(item: dict[str, Any]) -> None:
        out_id, biz_id = _text(item, "out_id", 15), _text(item, "biz_id", 64)
        if not out_id or not biz_id:
            return
        settle_first(row_id(out_id))
        # First what may be done twice: an unclear send settled (the provider had it), so that a crash
        # between remembering this item and acting on it cannot leave the page to be sent again.
        engine.record_delivery_status(out_reference("aliyun", out_id), "sent", "aliyun", row_id(out_id))
        status = "delivered" if item.get("success") is True else "undelivered"
        if once(f"aliyun-sms:{biz_id}:{out_id}:{status}", f"SMS receipt {status} of {biz_id}"):
            engine.record_delivery_status(out_reference("aliyun", out_id), status, "aliyun")

    def sms_up(item: dict[str, Any]) -> None:
        sequence, phone = _text(item, "sequence_id", 40), _text(item, "phone_number", 20)
        if not sequence or not phone or not once(f"aliyun-up:{sequence}", f"inbound SMS {sequence} from {phone}"):
            return
        result = engine.acknowledge_by_sms(international(phone), _text(item, "content", 500))
        if answer is not None:
            try:
                answer(international(phone), result.message)
            except Exception:  # the acknowledgement stands; only the courtesy answer is lost
                log.exception("could not answer an SMS reply from %s", phone)

    def voice_report(item: dict[str, Any]) -> None:
        call_id, out_id = _text(item, "call_id", 64), _text(item, "out_id", 15)
        notification = row_id(out_id)
        if not call_id or notification is None:
            return
        settle_first(notification)
        # The call happened: an unclear one is settled first, before this item is remembered (as above).
        engine.record_delivery_status(out_reference("aliyun", out_id), "in-progress", "aliyun", notification)
        if not once(f"aliyun-call:{call_id}", f"call report of {call_id}"):
            return
        for key in _text(item, "dtmf", 20):  # the keys in the order pressed, up to the one that decided
            if engine.keypress(notification, key) in _DECISIVE:
                break
        status = _CALL_STATUS.get(_text(item, "status_code", 10), "failed")
        engine.record_delivery_status(out_reference("aliyun", out_id), status, "aliyun")

    pushed("sms/report", sms_report)
    pushed("sms/up", sms_up)
    pushed("voice/report", voice_report)
    return router
