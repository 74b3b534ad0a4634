"""Calling a running engine's API from the command line (WARNING_API_URL, WARNING_API_TOKEN): the
answer as JSON, or the engine's reason for a refusal on standard error and exit status 1."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from typing import Any

import click


def call_api(
    method: str,
    path: str,
    body: dict[str, Any] | bytes | None,
    api: str,
    token: str,
    content_type: str = "application/json",
) -> Any:
    try:
        request = urllib.request.Request(
            f"{api.rstrip('/')}{path}",
            data=body if isinstance(body, bytes) or body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        text = exc.read().decode("utf-8", "replace")
        try:
            answer = json.loads(text or "{}")
        except ValueError:  # not the engine answering (a proxy's error page): say what came back
            answer = {}
        said = answer.get("message") or answer.get("error") if isinstance(answer, dict) else None
        click.echo(str(said or f"HTTP {exc.code} from {api}: {text[:200] or exc.reason}"), err=True)
        sys.exit(1)
    except urllib.error.URLError as exc:
        click.echo(f"cannot reach the engine at {api}: {exc.reason}", err=True)
        sys.exit(2)
    except (ValueError, OSError) as exc:  # not a URL, a reset connection, an answer that is not JSON
        click.echo(f"no usable answer from the engine at {api!r}: {exc}", err=True)
        sys.exit(2)


_api_option = click.option("--api", envvar="WARNING_API_URL", required=True, help="the engine's API base URL")
_token_option = click.option("--token", envvar="WARNING_API_TOKEN", required=True, help="your API token")


api_option = click.option("--api", envvar="WARNING_API_URL", required=True, help="the engine's API base URL")
token_option = click.option("--token", envvar="WARNING_API_TOKEN", required=True, help="your API token")
