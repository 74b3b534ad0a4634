"""Run an HTTP application on a loopback port in a background thread with its own event loop: the
engine's API (an ASGI application, served by uvicorn) or an aiohttp one (the Twilio simulator).

The engine is synchronous; its HTTP faces are asynchronous. Each server gets a thread and a loop of
its own so that a blocking engine call never stalls the other. The socket is bound at construction,
so the server's URL is known before its application is built (the API must know its own public URL
to check Twilio signatures).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvicorn
from aiohttp import web
from starlette.types import ASGIApp

T = TypeVar("T")
STARTUP_SECONDS = 30.0


def _listening(host: str, port: int) -> socket.socket:
    """A listening TCP socket made with its protocol named: asyncio turns Nagle's algorithm off
    (TCP_NODELAY) only on connections of such a socket, and with it on, every answer written in two
    parts (headers, then body) waited about 40 ms for the client's delayed acknowledgement."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(socket.SOMAXCONN)
    except OSError:
        listener.close()
        raise
    return listener


class BackgroundServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._socket = _listening(host, port)
        self.port = int(self._socket.getsockname()[1])
        self.loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._serving: concurrent.futures.Future[None] | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"http-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, app: web.Application | ASGIApp) -> BackgroundServer:
        self.app = app  # what it serves: another server may serve it again on the same port
        self._thread.start()
        if isinstance(app, web.Application):
            self.call(self._serve_aiohttp(app))
        else:
            self._serve_asgi(app)
        return self

    async def _serve_aiohttp(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    def _serve_asgi(self, app: ASGIApp) -> None:
        # No lifespan (the engine is built and closed by the caller), no access log (the decision
        # log and the JSON logs say what happened), no signal handlers (not the main thread).
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
            timeout_graceful_shutdown=2,
        )
        self._uvicorn = uvicorn.Server(config)
        self._serving = asyncio.run_coroutine_threadsafe(self._uvicorn.serve(sockets=[self._socket]), self.loop)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._uvicorn.started:
            if self._serving.done():
                self._serving.result()  # raises what stopped it
                raise RuntimeError("the API server stopped while starting")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start within {STARTUP_SECONDS:.0f} s")
            time.sleep(0.005)

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's loop from another thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    @staticmethod
    async def _close_connections(server: uvicorn.Server) -> None:
        for connection in list(server.server_state.connections):
            transport = getattr(connection, "transport", None)
            if transport is not None:
                transport.close()

    @staticmethod
    async def _cancel_the_rest() -> None:
        """End what still runs on the loop (a decision hub's follower) before the loop is closed."""
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup())
        if self._uvicorn is not None and self._serving is not None:
            self._uvicorn.should_exit = True
            try:
                self._serving.result(timeout=10)
            except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                self._serving.cancel()
            if self._thread.is_alive():  # a stream still open past the grace period is cut, not left dangling
                self.call(self._close_connections(self._uvicorn), timeout=5)
        if self._thread.is_alive():
            self.call(self._cancel_the_rest(), timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        self.loop.close()
        self._socket.close()
