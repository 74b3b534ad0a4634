"""The command-centre console: one page (web/console/) and the front-end libraries it imports, served
from the npm packages the set-up command installs (web/node_modules): nothing comes from a CDN, so it
runs on an isolated government network. The page talks to the API like any client: the session
cookie, its CSRF token, and the decision stream.

The import map is inline (browsers load none from a file); the Content-Security-Policy allows that
one script by its hash and nothing else that is not ours.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from warning.settings import PROJECT_ROOT

CONSOLE = PROJECT_ROOT / "web" / "console"
NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
# What the page imports from npm, each served from its package's own folder of built files.
LIBRARIES = {
    "preact": "preact/dist",
    "preact-hooks": "preact/hooks/dist",
    "htm": "htm/dist",
    "echarts": "echarts/dist",
}
_INLINE_SCRIPT = re.compile(r"<script type=\"importmap\">(.*?)</script>", re.S)


def _policy(page: str) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def serve_console(app: FastAPI, console: Path = CONSOLE, node_modules: Path = NODE_MODULES) -> None:
    @app.get("/", include_in_schema=False)
    def root() -> Response:
        return RedirectResponse("/console", status_code=302)

    @app.get("/console", include_in_schema=False)
    def page() -> Response:
        missing = [name for name, folder in LIBRARIES.items() if not (node_modules / folder).is_dir()]
        if missing:
            return PlainTextResponse(f"the console needs {', '.join(missing)} in {node_modules}: run `make setup`",
                                     status_code=503)  # fmt: skip
        text = (console / "index.html").read_text(encoding="utf-8")
        headers = {"Content-Security-Policy": _policy(text), "X-Content-Type-Options": "nosniff",
                   "Referrer-Policy": "no-referrer", "Cache-Control": "no-cache"}  # fmt: skip
        return HTMLResponse(text, headers=headers)

    app.mount("/console/app", StaticFiles(directory=console / "app", check_dir=False), name="console-app")
    for name, folder in LIBRARIES.items():
        app.mount(f"/console/lib/{name}", StaticFiles(directory=node_modules / folder, check_dir=False),
                  name=f"console-lib-{name}")  # fmt: skip
