"""Who is calling: a bearer token (a user's, issued by `warning user token issue`, or one of the
settings' person tokens), or the console's session cookie with its CSRF token on every request that
changes something. Every refusal is 401 (who are you?) or 403 (not you) with the reason."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from warning.access import Principal
from warning.accounts import Accounts

SESSION_COOKIE = "warning_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = ("GET", "HEAD", "OPTIONS")


class ApiTokens:
    """Bearer tokens -> feed (or person) ids, for the feeds' own tokens. Only digests are kept."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self._by_digest = {hashlib.sha256(token.encode()).hexdigest(): person for token, person in tokens.items()}

    def person_for(self, header: str | None) -> str | None:
        if not header or not header.startswith("Bearer "):
            return None
        digest = hashlib.sha256(header.removeprefix("Bearer ").strip().encode()).hexdigest()
        for known, person in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return person
        return None


def _unauthorised(reason: str) -> HTTPException:
    return HTTPException(401, reason, headers={"WWW-Authenticate": "Bearer"})


class Authenticate:
    """The dependency every API route takes: the caller as a Principal, or 401/403 with why."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts

    def __call__(self, request: Request) -> Principal:
        address = request.client.host if request.client else None
        header = request.headers.get("Authorization")
        if header is not None:
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _unauthorised("send the token as Authorization: Bearer <token>")
            principal = self.accounts.principal_for_token(token.strip(), address)
            if principal is None:
                raise _unauthorised("missing or invalid bearer token (revoked, or its user disabled)")
            return principal
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            found = self.accounts.principal_for_session(cookie, address)
            if found is None:
                raise _unauthorised("the session has ended or expired: sign in again")
            principal, csrf = found
            if request.method not in _SAFE and not secrets.compare_digest(request.headers.get(CSRF_HEADER, ""), csrf):
                raise HTTPException(403, f"a request that changes something needs the session's {CSRF_HEADER} header")
            return principal
        raise _unauthorised("missing or invalid bearer token: sign in, or send Authorization: Bearer <token>")


def current_principal(request: Request) -> Principal:
    """The caller of a request, by the application's Authenticate (set at build: app.state)."""
    authenticate: Authenticate = request.app.state.authenticate
    return authenticate(request)


# The parameter every authenticated route takes.
Caller = Annotated[Principal, Depends(current_principal)]
