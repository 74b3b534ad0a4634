"""Incidents and duty through the running engine's API: list, show, timeline; open one by hand; every
hand action; who is on duty and run-time duty overrides. And the API's own OpenAPI document."""

from __future__ import annotations

import json
import sys
from typing import Any
from urllib.parse import urlencode

import click

from warning.commands.client import api_option, call_api, token_option
from warning.domain import Level
from warning.incidents.requests import ReportSource

_LEVELS = click.Choice([level.value for level in Level])


def _drop_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _say(answer: dict[str, Any]) -> None:
    click.echo(answer["message"])


@click.group()
def incident() -> None:
    """Act on incidents through the running engine's API (WARNING_API_URL, WARNING_API_TOKEN)."""


@incident.command("list")
@click.option("--status", multiple=True, type=click.Choice(["open", "acknowledged", "lifted"]))
@click.option("--level", multiple=True, type=_LEVELS)
@click.option("--hazard", multiple=True)
@click.option("--area", default=None, help="a GB/T 2260 code or prefix, or a street or community code")
@click.option("--text", default=None, help="in the code, title or reason")
@click.option("--limit", default=50, show_default=True)
@api_option
@token_option
def incident_list(status: tuple[str, ...], level: tuple[str, ...], hazard: tuple[str, ...], area: str | None,
                  text: str | None, limit: int, api: str, token: str) -> None:  # fmt: skip
    """The incidents you may read, newest first."""
    query = [("status", s) for s in status] + [("level", v) for v in level] + [("hazard", h) for h in hazard]
    query += [(k, str(v)) for k, v in (("area", area), ("text", text), ("limit", limit)) if v is not None]
    page = call_api("GET", f"/api/incidents?{urlencode(query)}", None, api, token)
    for item in page["items"]:
        click.echo(f"{item['code']}  {item['level']:<7} {item['status']:<13} {item['hazard']:<12} {item['area']:<12} "
                   f"{item['opened_at']}  {item['title']}")  # fmt: skip
    click.echo(f"{len(page['items'])} of {page['total']}")


@incident.command("show")
@click.argument("code")
@click.option("--language", type=click.Choice(["en", "zh-CN"]), default="en")
@api_option
@token_option
def incident_show(code: str, language: str, api: str, token: str) -> None:
    """Incident CODE in full: its causes, tracks and timeline."""
    detail = call_api("GET", f"/api/incidents/{code}?language={language}", None, api, token)
    item = detail["incident"]
    click.echo(f"{item['code']} {item['level']} {item['status']} {item['hazard']} {item['area']}: {item['title']}")
    for cause in detail["causes"]:
        state = "standing" if cause["standing"] else "cleared"
        click.echo(f"  cause {cause['rule']} at {cause['station'] or '-'}: {cause['level']} ({state})")
    for track in detail["tracks"]:
        click.echo(f"  track {track['policy']}: {track['state']} at {track['department']}")
    for entry in call_api("GET", f"/api/incidents/{code}/timeline?language={language}", None, api, token):
        click.echo(f"  {entry['at']}  {entry['summary']}")


@incident.command("create")
@click.option("--hazard", required=True, help="flood, gas, traffic, waterlogging, weather ...")
@click.option("--level", required=True, type=_LEVELS)
@click.option("--area", required=True, help="GB/T 2260 code, or a community code")
@click.option("--title", required=True)
@click.option("--description", required=True)
@click.option("--source", required=True, type=click.Choice([source.value for source in ReportSource]))
@click.option("--callback", default=None, help="the reporter's number")
@click.option("--lon", type=float, default=None)
@click.option("--lat", type=float, default=None)
@click.option("--station", default=None)
@api_option
@token_option
def incident_create(hazard: str, level: str, area: str, title: str, description: str, source: str,
                    callback: str | None, lon: float | None, lat: float | None, station: str | None, api: str,
                    token: str) -> None:  # fmt: skip
    """Open an incident by hand (a hotline report); the same policies escalate it."""
    if (lon is None) != (lat is None):
        click.echo("give both --lon and --lat, or neither", err=True)
        sys.exit(2)
    body = _drop_none({"hazard": hazard, "level": level, "area": area, "title": title, "description": description,
                       "source": source, "callback": callback, "station": station,
                       "location": [lon, lat] if lon is not None else None})  # fmt: skip
    _say(call_api("POST", "/api/incidents", body, api, token))


def _action(name: str, path: str, doc: str, *options: Any, build: Any = None) -> None:
    """A hand action on incident CODE: POST /api/incidents/CODE/<path> with the options as its body."""

    @api_option
    @token_option
    @click.argument("code")
    def command(code: str, api: str, token: str, **given: Any) -> None:
        body = build(given) if build is not None else _drop_none(given)
        _say(call_api("POST", f"/api/incidents/{code}/{path}", body, api, token))

    command.__doc__ = doc
    for option in reversed(options):
        command = option(command)
    incident.command(name)(command)


_action("ack", "ack", "Acknowledge incident CODE for your department.")
_action("ack-for", "ack-for", "Acknowledge incident CODE on behalf of an officer who phoned in.",
        click.option("--person", required=True, help="the officer, e.g. li-na"),
        click.option("--note", default=None, help="e.g. by phone at 21:14"))  # fmt: skip
_action("handover", "handover", "Hand incident CODE over to a colleague of your department, who is paged at once.",
        click.option("--to", "to", required=True, help="the colleague's person id, e.g. li-na"))  # fmt: skip
_action("escalate", "escalate", "Escalate incident CODE now: the next step, a tier above its area, or a department.",
        click.option("--tier", type=int, default=None, help="tiers above the incident's area (1: the city)"),
        click.option("--department", default=None, help="a department id, e.g. em-370100"))  # fmt: skip
_action("level", "level", "Raise or lower incident CODE's level, with a reason.",
        click.option("--level", required=True, type=_LEVELS), click.option("--reason", required=True))  # fmt: skip
_action("lift", "lift", "Lift incident CODE by hand, with a reason (the sensor died, a false alarm, handled).",
        click.option("--reason", required=True),
        click.option("--tell/--no-tell", default=True, help="tell everyone paged (default) or nobody"))  # fmt: skip
_action("reassign", "reassign", "Page another department for incident CODE instead.",
        click.option("--department", required=True), click.option("--reason", required=True))  # fmt: skip
_action("note", "notes", "Add a note to incident CODE's timeline.", click.option("--text", required=True))
_action("repage", "repage", "Page again now: the named people, or whoever the current steps paged.",
        click.option("--person", "people", multiple=True, help="a person id; repeat for several"),
        build=lambda given: {"people": list(given["people"])} if given["people"] else {})  # fmt: skip


@click.group()
def duty() -> None:
    """Who is on duty, and run-time duty overrides, through the running engine's API."""


@duty.command("show")
@click.argument("department")
@api_option
@token_option
def duty_show(department: str, api: str, token: str) -> None:
    """Who holds each role of DEPARTMENT now."""
    view = call_api("GET", f"/api/duty/{department}", None, api, token)
    for holder in view["holders"]:
        click.echo(f"{holder['role']}: {holder['name'] or 'nobody'} {holder['phone'] or ''} ({holder['source']})")


@duty.command("override")
@click.option("--department", required=True)
@click.option("--role", required=True, help="duty_officer, deputy, grid_worker ...")
@click.option("--person", required=True)
@click.option("--until", required=True, help="ISO 8601 with offset")
@click.option("--reason", required=True)
@api_option
@token_option
def duty_override(department: str, role: str, person: str, until: str, reason: str, api: str, token: str) -> None:
    """Put PERSON on duty as ROLE of DEPARTMENT from now until a time."""
    body = {"department": department, "role": role, "person": person, "until": until, "reason": reason}
    _say(call_api("POST", "/api/duty-overrides", body, api, token))


@duty.command("end")
@click.argument("override_id", type=int)
@api_option
@token_option
def duty_end(override_id: int, api: str, token: str) -> None:
    """End run-time duty override OVERRIDE_ID now."""
    _say(call_api("DELETE", f"/api/duty-overrides/{override_id}", None, api, token))


@click.group()
def api() -> None:
    """The HTTP API."""


@api.command("schema")
def api_schema() -> None:
    """Print the API's OpenAPI document (no engine needed)."""
    from warning.api.schema import openapi_document  # deferred: builds the application

    click.echo(json.dumps(openapi_document(), indent=2, ensure_ascii=False))
