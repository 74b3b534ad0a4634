"""A generic webhook notifier: the page as JSON, POSTed with an HMAC-SHA256 signature of the body,
so the receiving system can check it came from us and was not altered."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import requests

from warning.domain import Channel, Notification
from warning.errors import DeliveryError

SIGNATURE_HEADER = "X-Warning-Signature"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    return signature is not None and hmac.compare_digest(sign(secret, body), signature)


class WebhookNotifier:
    channel = Channel.webhook

    def __init__(self, url: str, secret: str, timeout_seconds: float = 10.0) -> None:
        self.url = url
        self.secret = secret
        self.timeout = timeout_seconds

    def send(self, notification: Notification) -> str:
        body = json.dumps(notification.model_dump(mode="json"), ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body),
                   "Idempotency-Key": notification.idempotency_key}  # fmt: skip
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.ConnectionError as exc:
            raise DeliveryError(f"webhook {self.url} unreachable: {exc}", retryable=True) from exc
        except requests.RequestException as exc:
            # Sent, answer lost; the receiver dedupes on Idempotency-Key, so a resend is safe.
            raise DeliveryError(f"webhook {self.url}: {exc}", retryable=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise DeliveryError(f"webhook {self.url} answered {response.status_code}", retryable=True)
        if response.status_code >= 400:
            raise DeliveryError(f"webhook {self.url} refused the page: {response.status_code}", retryable=False)
        return f"webhook-{notification.idempotency_key}"

    def find(self, notification: Notification, since: datetime) -> str | None:
        return None  # receivers dedupe on Idempotency-Key: resending is the reconciliation

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        return None  # a webhook receiver reports nothing back
