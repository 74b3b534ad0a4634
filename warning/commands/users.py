"""Users and their API tokens, in the database (WARNING_DATABASE_URL), while engines run: a token
revoked here stops working at the next request; a new token is shown once."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import click

from warning.access import Role
from warning.accounts import AccountError, Accounts, Person
from warning.escalation.org import load_organisation
from warning.settings import Settings
from warning.store import Store


@contextmanager
def _accounts() -> Iterator[Accounts]:
    """The accounts in the database, people looked up in the organisation file; an AccountError is
    said on standard error with exit status 1."""
    settings = Settings()
    org = load_organisation(settings.organisation)
    store = Store(settings.database_url)

    def person(person_id: str) -> Person | None:
        if person_id not in org.people:
            return None
        department = org.departments[org.people[person_id].department]
        return Person(org.people[person_id].name, department.id, department.area)

    try:
        # Accounts kept by hand are stamped with the wall clock: this is not a decision of the engine.
        yield Accounts(store, lambda: datetime.now(UTC), person)
    except AccountError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    finally:
        store.dispose()


@click.group()
def user() -> None:
    """Users of the API and the console, and their tokens (WARNING_DATABASE_URL, WARNING_ORGANISATION)."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--area", required=True, help="the area subtree the role covers: 370100 for Jinan, 370102 for Lixia")
@click.option("--full-name", default="", help="as the console and the timeline show it")
@click.option("--person", default=None, help="the organisation's person this user is (a duty officer must be one)")
@click.option("--password-stdin", is_flag=True, help="read a password for console sign-in from standard input")
def user_add(name: str, role: str, area: str, full_name: str, person: str | None, password_stdin: bool) -> None:
    """Add user NAME with a role scoped to an area."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with _accounts() as accounts:
        accounts.add_user(name, Role(role), area, full_name=full_name, person=person, password=password)
    click.echo(f"user {name} added: {role} of {area}")


@user.command("password")
@click.argument("name")
def user_password(name: str) -> None:
    """Set user NAME's console password, read from standard input."""
    with _accounts() as accounts:
        accounts.set_password(name, sys.stdin.readline().rstrip("\n"))
    click.echo(f"password of {name} set")


@user.command("disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """Disable user NAME: no sign-in, and their tokens and sessions stop working at once."""
    with _accounts() as accounts:
        accounts.disable_user(name)
    click.echo(f"user {name} disabled")


@user.command("list")
def user_list() -> None:
    """Every user, with role, area and person."""
    with _accounts() as accounts:
        rows = accounts.users()
    for row in rows:
        state = " (disabled)" if row.disabled_at else ""
        click.echo(f"{row.name}: {row.role} of {row.area}{f', person {row.person_id}' if row.person_id else ''}"
                   f" — {row.full_name}{state}")  # fmt: skip


@user.group("token")
def token() -> None:
    """API tokens: issued (shown once), listed, revoked."""


@token.command("issue")
@click.argument("name")
@click.option("--label", default="", help="what the token is for, e.g. console laptop, GIS bridge")
def token_issue(name: str, label: str) -> None:
    """Issue a token for user NAME; it is printed once, and only its digest is kept."""
    with _accounts() as accounts:
        issued = accounts.issue_token(name, label)
    click.echo(f"token {issued.id} for {name}: {issued.secret}")
    click.echo("Keep it now: it cannot be shown again.", err=True)


@token.command("list")
@click.argument("name", required=False)
def token_list(name: str | None) -> None:
    """Tokens (of user NAME, or everyone's): id, user, label, issued, revoked."""
    with _accounts() as accounts:
        rows = accounts.tokens(name)
    for row in rows:
        revoked = f", revoked {row.revoked_at.isoformat()}" if row.revoked_at else ""
        click.echo(f"{row.id}: {row.user_name} {row.label!r}, issued {row.created_at.isoformat()}{revoked}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID: it stops working at the next request."""
    with _accounts() as accounts:
        row = accounts.revoke_token(token_id)
    click.echo(f"token {token_id} of {row.user_name} revoked")
