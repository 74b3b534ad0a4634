"""The Aliyun SMS and voice simulator, driven by Alibaba Cloud's official Python SDKs: a request signed
right is served, and one signed wrong, replayed, tampered with or stale is refused with the service's
own error codes; templates, numbers and flow control are checked as the service checks them."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from alibabacloud_dysmsapi20170525 import models as sms
from alibabacloud_dysmsapi20170525.client import Client as SmsClient
from alibabacloud_dyvmsapi20170525 import models as voice
from alibabacloud_dyvmsapi20170525.client import Client as VoiceClient
from alibabacloud_tea_openapi.models import Config

from notifiers.aliyun.simulator import AliyunSimulator

TEMPLATE = "SMS_480000001"
PAGE = "${level}${hazard}预警 ${code}：${reason}。回复1确认。"


@pytest.fixture
def simulator() -> Iterator[AliyunSimulator]:
    sim = AliyunSimulator(templates={TEMPLATE: PAGE, "TTS_480000002": "${level}${hazard}预警，${reason}。确认请按1。"})
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _config(sim: AliyunSimulator, secret: str = "simulator-secret", key: str = "LTAI-simulator") -> Config:
    return Config(access_key_id=key, access_key_secret=secret, endpoint=sim.endpoint, protocol="http")


def _page(**params: str) -> sms.SendSmsRequest:
    values = {"level": "橙色", "hazard": "洪水", "code": "F0001", "reason": "小清河滨河桥水位站水位4.31m"} | params
    return sms.SendSmsRequest(phone_numbers="13800000001", sign_name="应急预警", template_code=TEMPLATE,
                              template_param=json.dumps(values, ensure_ascii=False))  # fmt: skip


def _error_code(call: Any) -> str:
    with pytest.raises(Exception) as raised:  # the SDK's ClientException (a TeaException)
        call()
    return str(getattr(raised.value, "code", ""))


def test_a_signed_sms_is_sent_as_its_template_reads(simulator: AliyunSimulator) -> None:
    answer = SmsClient(_config(simulator)).send_sms(_page())
    assert answer.status_code == 200 and answer.body.code == "OK" and answer.body.biz_id
    (sent,) = simulator.sent
    assert sent.text == "【应急预警】橙色洪水预警 F0001：小清河滨河桥水位站水位4.31m。回复1确认。"
    assert (sent.phone, sent.ident) == ("13800000001", answer.body.biz_id)


def test_a_wrong_secret_an_unknown_key_a_stale_or_replayed_or_altered_request_is_refused(
    simulator: AliyunSimulator,
) -> None:
    assert (
        _error_code(lambda: SmsClient(_config(simulator, secret="wrong")).send_sms(_page())) == "SignatureDoesNotMatch"
    )
    assert _error_code(lambda: SmsClient(_config(simulator, key="LTAI-other")).send_sms(_page())) == (
        "InvalidAccessKeyId.NotFound"
    )
    SmsClient(_config(simulator)).send_sms(_page())
    assert simulator.last_request is not None
    method, path, headers, body = simulator.last_request

    def again(path: str) -> tuple[int, dict[str, Any]]:
        sent_headers = {k: v for k, v in headers.items() if k.lower() != "content-length"}
        request = urllib.request.Request(f"http://{simulator.endpoint}{path}", data=body, method=method,
                                         headers=sent_headers)  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    status, answer = again(path)  # the captured request, sent again as it was
    assert (status, answer["Code"]) == (400, "SignatureNonceUsed")
    altered = path.replace("13800000001", "13800000002")
    assert altered != path and again(altered)[1]["Code"] == "SignatureDoesNotMatch"
    assert len(simulator.sent) == 1  # nothing replayed or altered was sent
    simulator.now = lambda: time.time() + 3600
    assert _error_code(lambda: SmsClient(_config(simulator)).send_sms(_page())) == "InvalidTimeStamp.Expired"


def test_templates_numbers_and_flow_control_are_checked_as_the_service_does(simulator: AliyunSimulator) -> None:
    client = SmsClient(_config(simulator))
    missing = sms.SendSmsRequest(phone_numbers="13800000001", sign_name="应急预警", template_code=TEMPLATE,
                                 template_param=json.dumps({"level": "橙色"}))  # fmt: skip
    assert client.send_sms(missing).body.code == "isv.TEMPLATE_MISSING_PARAMETERS"
    abroad = sms.SendSmsRequest(phone_numbers="+447700900000", sign_name="应急预警", template_code=TEMPLATE,
                                template_param=_page().template_param)  # fmt: skip
    assert client.send_sms(abroad).body.code == "isv.MOBILE_NUMBER_ILLEGAL"
    unknown = sms.SendSmsRequest(phone_numbers="13800000001", sign_name="应急预警", template_code="SMS_1",
                                 template_param="{}")  # fmt: skip
    assert client.send_sms(unknown).body.code == "isv.SMS_TEMPLATE_ILLEGAL"
    too_long = _page(reason="小清河滨河桥水位站水位4.31m，超过红色预警水位4.30m，1小时涨幅0.56米")  # 41 characters
    assert client.send_sms(too_long).body.code == "isv.PARAM_LENGTH_LIMIT"  # 35 unless approved for more
    assert client.send_sms(_page()).body.code == "OK"
    assert client.send_sms(_page(code="F0002")).body.code == "isv.BUSINESS_LIMIT_CONTROL"  # 1 a minute per template
    simulator.fail_next("ServiceUnavailable")
    assert _error_code(lambda: client.send_sms(_page())) == "ServiceUnavailable"
    assert len(simulator.sent) == 1


def test_a_text_to_speech_call_is_placed_through_the_voice_sdk(simulator: AliyunSimulator) -> None:
    params = json.dumps({"level": "橙色", "hazard": "洪水", "reason": "水位4.31m"}, ensure_ascii=False)
    request = voice.SingleCallByTtsRequest(called_number="13800000001", tts_code="TTS_480000002", tts_param=params)
    answer = VoiceClient(_config(simulator)).single_call_by_tts(request)
    assert answer.body.code == "OK" and answer.body.call_id
    assert simulator.sent[-1].text == "橙色洪水预警，水位4.31m。确认请按1。"
