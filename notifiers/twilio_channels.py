"""Twilio SMS and voice through the official twilio client. The only module that imports twilio.rest.

Twilio errors become DeliveryError here, marked retryable only when Twilio did not process the
request (429) or failed before acting (5xx); a connection error after the request left is ambiguous
and never retried blindly, because creating a message or call is not idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from requests import RequestException
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ConnectTimeout
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from warning.domain import Channel, Notification
from warning.errors import DeliveryError

SMS_VALIDITY_SECONDS = 600  # a page still queued after 10 minutes is worthless: let the policy move on


PROVIDER_TIMEOUT_SECONDS = 10.0  # wall-clock limit on one provider request


def build_twilio_client(
    account_sid: str, auth_token: str, base_url: str | None = None, timeout_seconds: float = PROVIDER_TIMEOUT_SECONDS
) -> Client:
    """The real client; `base_url` points it at the loopback simulator in tests, drills and the demo."""
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout_seconds))
    if base_url is not None:
        client.api.base_url = base_url.rstrip("/")
    return client


def _delivery_error(exc: Exception) -> DeliveryError:
    if isinstance(exc, TwilioRestException):
        message = f"Twilio {exc.status} (code {exc.code}): {exc.msg}"
        if exc.status == 429:
            return DeliveryError(message, retryable=True)  # not processed: plain retry
        if exc.status >= 500:
            return DeliveryError(message, retryable=True, ambiguous=True)  # may have been processed
        return DeliveryError(message, retryable=False)
    if _never_sent(exc):
        return DeliveryError(f"Twilio not reached: {exc}", retryable=True)
    return DeliveryError(f"Twilio request outcome unknown: {exc}", retryable=True, ambiguous=True)


def _never_sent(exc: Exception) -> bool:
    """True when the request provably never left: no connection could be made at all."""
    if isinstance(exc, ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if isinstance(exc, RequestsConnectionError) and exc.args else None
    return isinstance(reason, NewConnectionError)


class TwilioSmsNotifier:
    channel = Channel.sms

    def __init__(self, client: Client, from_number: str, public_base_url: str) -> None:
        self.client = client
        self.from_number = from_number
        self.status_callback = f"{public_base_url.rstrip('/')}/twilio/sms/status"

    def send(self, notification: Notification) -> str:
        try:
            message = self.client.messages.create(
                to=notification.phone,
                from_=self.from_number,
                body=notification.text,
                status_callback=self.status_callback,
                validity_period=SMS_VALIDITY_SECONDS,
            )
        except (TwilioException, RequestException) as exc:
            raise _delivery_error(exc) from exc
        return str(message.sid)

    def find(self, notification: Notification, since: datetime) -> str | None:
        """A message Twilio accepted for this page (same number and text) since the attempt began."""
        try:
            found = self.client.messages.list(to=notification.phone, date_sent_after=since, limit=50)
        except (TwilioException, RequestException) as exc:
            raise _delivery_error(exc) from exc
        return next((str(message.sid) for message in found if message.body == notification.text), None)

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        try:
            return str(self.client.messages(reference).fetch().status)
        except (TwilioException, RequestException):
            return None  # cannot tell now: the page counts as not delivered


# Our attempt's call, if Twilio placed it, started within this long of the attempt (the request
# times out well before); the carrier budget keeps any other call to the number a minute away.
CALL_ADOPTION_WINDOW = timedelta(seconds=55)


class TwilioVoiceNotifier:
    channel = Channel.voice

    def __init__(self, client: Client, from_number: str, public_base_url: str) -> None:
        self.client = client
        self.from_number = from_number
        self.base = public_base_url.rstrip("/")

    def send(self, notification: Notification) -> str:
        try:
            call = self.client.calls.create(
                to=notification.phone,
                from_=self.from_number,
                url=f"{self.base}/twilio/voice/twiml?{urlencode({'n': notification.id})}",
                status_callback=f"{self.base}/twilio/voice/status",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
                timeout=30,
            )
        except (TwilioException, RequestException) as exc:
            raise _delivery_error(exc) from exc
        return str(call.sid)

    def find(self, notification: Notification, since: datetime) -> str | None:
        """The call Twilio placed for this page: one to this number that started within a minute of
        the attempt. The carrier budget allows one call a minute per number, so a call in that window
        is ours; a later call to the same person belongs to another page and must not be adopted."""
        try:
            found = self.client.calls.list(to=notification.phone, start_time_after=since, limit=50)
        except (TwilioException, RequestException) as exc:
            raise _delivery_error(exc) from exc
        window_end = since + CALL_ADOPTION_WINDOW
        ours = [call for call in found if call.start_time is None or call.start_time < window_end]
        return str(ours[-1].sid) if ours else None

    def status(self, reference: str, phone: str, sent_at: datetime | None = None) -> str | None:
        try:
            return str(self.client.calls(reference).fetch().status)
        except (TwilioException, RequestException):
            return None
