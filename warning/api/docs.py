"""The API's interactive documentation (Swagger UI) at /api/docs, served from the npm package the
set-up command installs (web/node_modules/swagger-ui-dist): nothing is fetched from the internet, so
it works on a command centre's isolated network."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

from warning.settings import PROJECT_ROOT

SWAGGER_UI = PROJECT_ROOT / "web" / "node_modules" / "swagger-ui-dist"
ASSETS = "/api/docs/assets"


def serve_docs(app: FastAPI, swagger_ui: Path = SWAGGER_UI) -> None:
    @app.get("/api/docs", include_in_schema=False)
    def docs() -> Response:
        if not (swagger_ui / "swagger-ui-bundle.js").is_file():
            return PlainTextResponse(f"the interactive docs need Swagger UI in {swagger_ui}: run `make setup`",
                                     status_code=503)  # fmt: skip
        page: HTMLResponse = get_swagger_ui_html(
            openapi_url="/api/openapi.json", title="warning API", swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css", swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )  # fmt: skip
        return page

    app.mount(ASSETS, StaticFiles(directory=swagger_ui, check_dir=False), name="swagger-ui")
