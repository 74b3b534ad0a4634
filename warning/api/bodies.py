"""Request bodies read as a careless or hostile client may send them: bounded in size (read no
further than the limit), JSON with each key once and nested at most so deep; and every refusal
answered in one shape, `{"error": "what is wrong", "detail": [...]}`, validation errors as 422 with
the field's path."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32


class Problem(BaseModel):
    """Every refusal: what is wrong, in words; for an invalid request, each field's path too."""

    error: str
    detail: list[dict[str, Any]] | None = None


# The refusals every authenticated route may answer, documented once for all of them.
REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "the body is not JSON, names a key twice, or nests too deep"},
    401: {"model": Problem, "description": "no valid token or session"},
    403: {"model": Problem, "description": "the caller's role or area does not allow it"},
    404: {"model": Problem, "description": "no such incident, department or override"},
    409: {"model": Problem, "description": "refused as things stand: the incident, the window, who holds what"},
    413: {"model": Problem, "description": "the body is too large"},
    503: {"model": Problem, "description": "the database is unavailable; try again shortly"},
}


def _pairs_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"key {', '.join(map(repr, repeated))} appears more than once; send each field once")
    return dict(pairs)


def _depth(text: bytes) -> int:
    """How deeply the JSON text nests, counted before parsing (strings skipped), so that a body of
    ten thousand brackets is refused without recursing into it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


async def read_bounded(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 once it passes `limit` (read no further than that)."""
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise HTTPException(413, f"the body is larger than {limit} bytes")
        parts.append(part)
    return b"".join(parts)


def parse_json(raw: bytes) -> Any:
    """JSON as the API takes it, or HTTPException 400 saying why not."""
    if _depth(raw) > MAX_JSON_DEPTH:
        raise HTTPException(400, f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(raw, object_pairs_hook=_pairs_once)
    except RecursionError:
        raise HTTPException(400, "the JSON body is nested too deeply") from None
    except ValueError as exc:  # not UTF-8, not JSON, or a key twice
        raise HTTPException(400, f"the body must be JSON: {exc}") from None


class StrictRequest(Request):
    """A request whose body FastAPI reads bounded and whose JSON is parsed strictly."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            self._body = await read_bounded(self, MAX_BODY_BYTES)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


class StrictRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictRequest(request.scope, request.receive))

        return strict


def _field(loc: tuple[Any, ...]) -> str:
    # ("body", "reason") -> "reason"; ("query", "limit") -> "limit (query)"; ("path", "code") -> "code (path)"
    where, *path = loc or ("body",)
    name = ".".join(map(str, path)) or str(where)
    return name if where == "body" else f"{name} ({where})"


def validation_problems(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    message = "; ".join(f"{_field(tuple(error.get('loc', ())))}: {error.get('msg', '')}" for error in errors)
    detail = [{"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
              for error in errors]  # fmt: skip
    return JSONResponse({"error": message, "detail": detail}, status_code=422)


async def on_validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return validation_problems(exc)


async def on_http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)
