"""The API's OpenAPI document without an engine behind it (`warning api schema`): the application
is built over stand-ins that refuse any use, and FastAPI describes its routes from their models."""

from __future__ import annotations

from typing import Any, NoReturn, cast

from warning.accounts import Accounts
from warning.api.server import build_api
from warning.api.stream import DecisionHub
from warning.engine import Engine
from warning.store import Store


class _Absent:
    """Stands in for the engine and the accounts while only the routes' shapes are read."""

    def __getattr__(self, name: str) -> NoReturn:
        raise RuntimeError(f"no engine behind this application (asked for {name})")


class _NoSignature:
    def is_valid(self, url: str, params: Any, signature: str | None) -> bool:
        return False


def openapi_document() -> dict[str, Any]:
    hub = DecisionHub(cast(Store, _Absent()))
    app = build_api(cast(Engine, _Absent()), cast(Accounts, _Absent()), hub, _NoSignature(), "http://localhost")
    return app.openapi()
