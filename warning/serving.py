"""Run an aiohttp application on a loopback port in a background thread with its own event loop.

The engine is synchronous; its HTTP faces (the API, the Twilio simulator) are asynchronous. Each
server gets a thread and a loop of its own so that a blocking engine call never stalls the other.
The socket is bound at construction, so the server's URL is known before its application is built
(the API must know its own public URL to check Twilio signatures).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


class BackgroundServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._socket = socket.create_server((host, port), reuse_port=False)
        self.port = int(self._socket.getsockname()[1])
        self.loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, name=f"http-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, app: web.Application) -> BackgroundServer:
        self._thread.start()
        self.call(self._serve(app))
        return self

    async def _serve(self, app: web.Application) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's loop from another thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup())
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        self.loop.close()
        self._socket.close()
