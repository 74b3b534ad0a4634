"""Twilio webhook signatures (X-Twilio-Signature), both ways: the simulator signs, our API checks."""

from __future__ import annotations

from collections.abc import Mapping

from twilio.request_validator import RequestValidator


class TwilioSignature:
    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(self._validator.compute_signature(url, dict(params)))

    def is_valid(self, url: str, params: Mapping[str, str], signature: str | None) -> bool:
        """`url` must be the public URL Twilio called (scheme, host, path and query), not ours behind a proxy."""
        if not signature:
            return False
        return bool(self._validator.validate(url, dict(params), signature))
