"""Alibaba Cloud SMS (Dysmsapi `SendSms`) and voice (Dyvmsapi `IvrCall`: the page read out, then a
key to acknowledge or escalate) through the official SDKs. The only module that imports them.

A domestic carrier sends registered templates, not text: a message goes as its kind's template code
with the values of its placeholders (`Notification.parts`), and reads on the phone as the page's
text does. Each request carries our notification's id as `OutId`, which every receipt, reply and
keypress report names again, and by which an unclear SMS is looked up.

The SDK's own retries are off: sending is not idempotent, and the dispatcher decides what to retry.
Errors become DeliveryError: refused before acting (flow control, the service unavailable, nobody
reached) is retryable and provably not sent, so the next attempt may go through another provider;
an internal error or a lost answer is ambiguous; a refusal of the request itself (template, number,
signature) is final for this provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client as SmsClient
from alibabacloud_dyvmsapi20170525 import models as voice_models
from alibabacloud_dyvmsapi20170525.client import Client as VoiceClient
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions
from Tea.exceptions import TeaException

from warning.dispatch.carriers import national, out_reference
from warning.dispatch.templates import Templates
from warning.domain import Channel, Notification
from warning.errors import DeliveryError

CHINA = timezone(timedelta(hours=8))
TIMEOUT_MS = 10_000
# How long an unclear call waits for its report before it counts as never placed: longer than the
# service goes on pushing a report our server did not take (two hours), so that a placed call is
# placed again only when every push of its report was lost.
RECEIPT_WINDOW = timedelta(hours=3)
# Refused before acting: nothing was sent, so trying again (or elsewhere) cannot page twice.
_NOT_PROCESSED = {"ServiceUnavailable", "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL"}
# What the keys of a call do, as the engine's keypress handling reads them.
_MENU_KEYS = {"1": "acknowledged", "2": "escalated"}


def build_clients(
    access_key_id: str, access_key_secret: str, endpoint: str | None = None
) -> tuple[SmsClient, VoiceClient]:
    """The real clients; `endpoint` (host:port, plain HTTP) points them at the loopback simulator."""

    def config(default: str) -> Config:
        return Config(access_key_id=access_key_id, access_key_secret=access_key_secret,
                      endpoint=endpoint or default, protocol="http" if endpoint else "https")  # fmt: skip

    return SmsClient(config("dysmsapi.aliyuncs.com")), VoiceClient(config("dyvmsapi.aliyuncs.com"))


def _runtime() -> RuntimeOptions:
    return RuntimeOptions(autoretry=False, max_attempts=1, read_timeout=TIMEOUT_MS, connect_timeout=TIMEOUT_MS)


def reference_of(out_id: str) -> str:
    """Our reference for what Alibaba Cloud accepted: its receipts name the OutId we sent."""
    return out_reference("aliyun", out_id)


def _refused(code: str, message: str) -> DeliveryError:
    """An answer with a code other than OK."""
    if code in _NOT_PROCESSED or code.startswith("Throttling"):
        return DeliveryError(f"Alibaba Cloud {code}: {message}", retryable=True)
    return DeliveryError(f"Alibaba Cloud refused it ({code}): {message}", retryable=False)


def _delivery_error(exc: Exception) -> DeliveryError:
    status = getattr(exc, "status_code", None) or getattr(exc, "statusCode", None)
    code = str(getattr(exc, "code", "") or "")
    if isinstance(status, int):
        if code in _NOT_PROCESSED or code.startswith("Throttling"):
            return DeliveryError(f"Alibaba Cloud {status} {code}", retryable=True)
        if status >= 500:
            return DeliveryError(f"Alibaba Cloud {status} {code}", retryable=True, ambiguous=True)
        return DeliveryError(f"Alibaba Cloud {status} {code}: {getattr(exc, 'message', '')}", retryable=False)
    if _never_connected(exc):
        return DeliveryError(f"Alibaba Cloud not reached: {exc}", retryable=True)
    return DeliveryError(f"Alibaba Cloud request outcome unknown: {exc}", retryable=True, ambiguous=True)


def _never_connected(exc: BaseException) -> bool:
    """True when no connection was ever made (refused, no route): the request provably never left."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _answered(request: Callable[[], Any]) -> Any:
    """The body of an answer with code OK; DeliveryError for any other answer, or none."""
    try:
        body = request().body
    except (TeaException, OSError, ValueError) as exc:
        raise _delivery_error(exc) from exc
    if body is None or body.code != "OK":
        raise _refused(str(getattr(body, "code", "")), str(getattr(body, "message", "")))
    return body


def _parts(notification: Notification, templates: Templates) -> tuple[str, dict[str, str]]:
    """(template code, values) of a notification; final DeliveryError when no template fits it."""
    parts = notification.parts or {}
    template = templates.by_kind.get(str(parts.get("kind", "")))
    if template is None:
        raise DeliveryError(f"no Alibaba Cloud template for a {parts.get('kind') or 'text-only'} message",
                            retryable=False)  # fmt: skip
    values = {name: str(value) for name, value in dict(parts.get("values", {})).items()}
    too_long = templates.too_long(str(parts["kind"]), values)
    if too_long:  # the service would refuse it (isv.PARAM_LENGTH_LIMIT): another provider may carry the text
        raise DeliveryError(f"too long for its Alibaba Cloud template: {'; '.join(too_long)}", retryable=False)
    return template.code, {name: values.get(name, "") for name in template.parameters()}


class AliyunSmsNotifier:
    channel = Channel.sms

    def __init__(self, client: SmsClient, templates: Templates) -> None:
        self.client = client
        self.templates = templates

    def send(self, notification: Notification) -> str:
        code, values = _parts(notification, self.templates)
        self._send(notification.phone, code, values, str(notification.id))
        return reference_of(str(notification.id))

    def answer(self, phone: str, text: str) -> None:
        """Answer someone's SMS reply (not a page: no ledger, at most once)."""
        template = self.templates.by_kind["sms.answer"]
        self._send(phone, template.code, {"answer": text}, "answer")

    def _send(self, phone: str, code: str, values: dict[str, str], out_id: str) -> None:
        request = sms_models.SendSmsRequest(
            phone_numbers=national(phone), sign_name=self.templates.sign_name, template_code=code,
            template_param=json.dumps(values, ensure_ascii=False), out_id=out_id,
        )  # fmt: skip
        _answered(lambda: self.client.send_sms_with_options(request, _runtime()))

    def find(self, notification: Notification, since: datetime) -> str | None:
        """The SMS Alibaba Cloud accepted for this page since the attempt began: sent to the number
        on that day (Beijing time) with this page's OutId."""
        days = sorted({since.astimezone(CHINA).strftime("%Y%m%d"), (since + timedelta(minutes=5)).astimezone(CHINA)
                       .strftime("%Y%m%d")})  # fmt: skip
        for day in days:
            request = sms_models.QuerySendDetailsRequest(phone_number=national(notification.phone), send_date=day,
                                                         page_size=50, current_page=1)  # fmt: skip
            body = _answered(lambda: self.client.query_send_details_with_options(request, _runtime()))  # noqa: B023
            details = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            if any(detail.out_id == str(notification.id) for detail in details or []):
                return reference_of(str(notification.id))
        return None

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        out_id = reference.removeprefix("aliyun-")
        if sent_at is None:
            return None  # the service is asked by the day it was sent
        day = sent_at.astimezone(CHINA).strftime("%Y%m%d")
        request = sms_models.QuerySendDetailsRequest(phone_number=national(phone), send_date=day, page_size=50,
                                                     current_page=1)  # fmt: skip
        try:
            body = self.client.query_send_details_with_options(request, _runtime()).body
        except (TeaException, OSError, ValueError):
            return None
        details = body.sms_send_detail_dtos.sms_send_detail_dto if body and body.sms_send_detail_dtos else []
        found = [detail for detail in details or [] if detail.out_id == out_id]
        if not found:
            return None
        return {3: "delivered", 2: "undelivered"}.get(int(found[-1].send_status or 1))


class AliyunVoiceNotifier:
    """A page read out by IvrCall, whose keys 1 and 2 acknowledge and escalate (reported with the
    call's receipt). Alibaba Cloud cannot be asked which calls went to a number, so an unclear call
    stays unclear until its receipt settles it; one with no receipt `RECEIPT_WINDOW` after the attempt
    was never placed (a call and its report take minutes, and a report not taken is pushed again for
    two hours), and is placed again."""

    channel = Channel.voice

    def __init__(self, client: VoiceClient, templates: Templates, now: Callable[[], datetime]) -> None:
        self.client = client
        self.templates = templates
        self.now = now  # the engine's clock

    def send(self, notification: Notification) -> str:
        code, values = _parts(notification, self.templates)
        menu = [voice_models.IvrCallRequestMenuKeyMap(key=key, code=self.templates.menu[outcome].code)
                for key, outcome in _MENU_KEYS.items()]  # fmt: skip
        request = voice_models.IvrCallRequest(
            called_number=national(notification.phone), called_show_number=self.templates.show_number,
            start_code=code, start_tts_params=json.dumps(values, ensure_ascii=False), menu_key_map=menu,
            out_id=str(notification.id), play_times=2, timeout=10_000,
        )  # fmt: skip
        body = _answered(lambda: self.client.ivr_call_with_options(request, _runtime()))
        if not body.call_id:
            raise DeliveryError("Alibaba Cloud answered OK without a CallId", retryable=True, ambiguous=True)
        return reference_of(str(notification.id))

    def find(self, notification: Notification, since: datetime) -> str | None:
        if self.now() - since > RECEIPT_WINDOW:
            return None  # no report in all this time: the call was never placed
        raise DeliveryError("Alibaba Cloud cannot list the calls to a number: the call's receipt will say",
                            retryable=True, ambiguous=True)  # fmt: skip

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        return None  # receipts say what became of a call
