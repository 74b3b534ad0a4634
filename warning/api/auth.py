"""Who is calling: bearer tokens to the person (or feed) they stand for. Only SHA-256 digests are
kept in memory; a wrong or missing token is refused with 401 and a reason."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping

from fastapi import HTTPException, Request


class ApiTokens:
    """Bearer tokens -> person (or feed) ids."""

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


def caller(tokens: ApiTokens) -> Callable[[Request], str]:
    """A dependency naming the person a request's bearer token stands for (401 without one)."""

    def person(request: Request) -> str:
        found = tokens.person_for(request.headers.get("Authorization"))
        if found is None:
            raise HTTPException(401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"})
        return found

    return person
