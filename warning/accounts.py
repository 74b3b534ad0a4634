"""Users, their API tokens and console sessions, and the audit of what they asked: the accounts the
API authenticates against, kept in the database so that `warning user ...` changes them while
engines run (a revoked token stops working at the next request).

Passwords are hashed with argon2id (argon2-cffi). Tokens and session cookies are 256 random bits,
kept only as SHA-256 digests (a high-entropy secret needs no slow hash) and shown once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from warning.access import Principal, Role
from warning.areas import normal_area_code
from warning.store import Store
from warning.store.models import ApiTokenRow, AuditRow, SessionRow, UserRow

SESSION_LENGTH = timedelta(hours=12)  # a command-centre shift, with its hand-over
_HASHER = PasswordHasher()
# A digest compared against when the user does not exist, so that a wrong name takes as long as a
# wrong password.
_DECOY = _HASHER.hash(secrets.token_hex(16))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class AccountError(ValueError):
    """A user or token that cannot be made or changed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A token or session just made: the secret is shown this once."""

    id: str
    secret: str
    csrf: str = ""


@dataclass(frozen=True, slots=True)
class Person:
    """What the accounts need of an organisation's person."""

    name: str
    department: str
    department_area: str


PeopleLookup = Callable[[str], Person | None]


class Accounts:
    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime],
        people: PeopleLookup,
        settings_tokens: Mapping[str, str] | None = None,
    ) -> None:
        """`settings_tokens`: token -> person id from WARNING_API_TOKENS, each acting as that person,
        a duty officer of their department (for a deployment without user accounts yet)."""
        self.store, self.now, self.people = store, now, people
        self._settings = {digest(token): person for token, person in (settings_tokens or {}).items()}

    # users -------------------------------------------------------------------------------

    def add_user(
        self, name: str, role: Role, area: str, *, full_name: str = "", person: str | None = None,
        password: str | None = None,
    ) -> UserRow:  # fmt: skip
        if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
            raise AccountError(f"user name {name[:70]!r}: up to 64 letters, digits, '.', '_' or '-'")
        try:
            area = normal_area_code(area)
        except ValueError as exc:
            raise AccountError(str(exc)) from None
        if person is not None and self.people(person) is None:
            raise AccountError(f"person {person!r} is not in the organisation")
        if role is Role.duty_officer and person is None:
            raise AccountError("a duty officer acts for their department: name the person they are (--person)")
        with self.store.transaction() as tx:
            if tx.user(name) is not None:
                raise AccountError(f"user {name} exists already")
            return tx.add_user(UserRow(
                name=name, full_name=full_name or name, role=role.value, area=area, person_id=person,
                password_hash=self._hash(password) if password else None, created_at=self.now(), disabled_at=None,
            ))  # fmt: skip

    def set_password(self, name: str, password: str) -> None:
        with self.store.transaction() as tx:
            self._user(tx.user(name), name).password_hash = self._hash(password)

    def disable_user(self, name: str) -> None:
        """The user can no longer sign in, and their tokens and sessions stop working at once."""
        with self.store.transaction() as tx:
            self._user(tx.user(name), name).disabled_at = self.now()

    def users(self) -> list[UserRow]:
        with self.store.transaction() as tx:
            return tx.users()

    @staticmethod
    def _user(row: UserRow | None, name: str) -> UserRow:
        if row is None:
            raise AccountError(f"no user {name}")
        return row

    @staticmethod
    def _hash(password: str) -> str:
        if len(password) < 10:
            raise AccountError("a password has at least 10 characters")
        return _HASHER.hash(password)

    # tokens ------------------------------------------------------------------------------

    def issue_token(self, user_name: str, label: str = "") -> Issued:
        secret = "wt_" + secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            user = self._user(tx.user(user_name), user_name)
            if user.disabled_at is not None:
                raise AccountError(f"user {user_name} is disabled")
            row = tx.add_token(ApiTokenRow(user_name=user_name, label=label[:100] or "token", digest=digest(secret),
                                           created_at=self.now(), revoked_at=None))  # fmt: skip
            return Issued(str(row.id), secret)

    def tokens(self, user_name: str | None = None) -> list[ApiTokenRow]:
        with self.store.transaction() as tx:
            return tx.tokens(user_name)

    def revoke_token(self, token_id: int) -> ApiTokenRow:
        with self.store.transaction() as tx:
            row = tx.token(token_id)
            if row is None:
                raise AccountError(f"no token {token_id}")
            if row.revoked_at is None:
                row.revoked_at = self.now()
            return row

    # who is calling ----------------------------------------------------------------------

    def principal_for_token(self, token: str, address: str | None) -> Principal | None:
        secret_digest = digest(token)
        person_id = next((p for known, p in self._settings.items() if secrets.compare_digest(known, secret_digest)),
                         None)  # fmt: skip
        if person_id is not None:
            person = self.people(person_id)
            if person is None:
                return None
            return Principal(user=f"person:{person_id}", name=person.name, role=Role.duty_officer,
                             area=person.department_area, person=person_id, department=person.department,
                             via="settings", address=address)  # fmt: skip
        with self.store.transaction() as tx:
            user = tx.user_of_token(secret_digest)
            return self._principal(user, "token", address) if user is not None else None

    def _principal(self, user: UserRow, via: str, address: str | None) -> Principal | None:
        person = self.people(user.person_id) if user.person_id else None
        if user.person_id and person is None:
            return None  # the person left the organisation: the account acts for nobody
        return Principal(user=user.name, name=user.full_name, role=Role(user.role), area=user.area,
                         person=user.person_id, department=person.department if person else None, via=via,
                         address=address)  # fmt: skip

    # sessions ----------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, address: str | None) -> tuple[Issued, Principal] | None:
        """A new session for a right name and password of an enabled user; None otherwise (the
        caller says no more than that)."""
        with self.store.transaction() as tx:
            user = tx.user(name)
            stored = user.password_hash if user is not None and user.disabled_at is None else None
            try:
                _HASHER.verify(stored or _DECOY, password)
            except (VerificationError, InvalidHashError):
                return None
            if user is None or stored is None:
                return None
            principal = self._principal(user, "session", address)
            if principal is None:
                return None
            secret, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.now()
            tx.add_session(SessionRow(digest=digest(secret), user_name=name, csrf=csrf, address=address,
                                      created_at=now, expires_at=now + SESSION_LENGTH, ended_at=None))  # fmt: skip
            return Issued(digest(secret)[:12], secret, csrf), principal

    def principal_for_session(self, secret: str, address: str | None) -> tuple[Principal, str] | None:
        """(principal, the session's CSRF token) of a live session."""
        with self.store.transaction() as tx:
            found = tx.live_session(digest(secret), self.now())
            if found is None:
                return None
            session, user = found
            principal = self._principal(user, "session", address)
            return (principal, session.csrf) if principal is not None else None

    def sign_out(self, secret: str) -> None:
        with self.store.transaction() as tx:
            session = tx.session_of(digest(secret))
            if session is not None and session.ended_at is None:
                session.ended_at = self.now()

    # audit -------------------------------------------------------------------------------

    def audit(self, principal: Principal, action: str, target: str, *, accepted: bool, detail: str = "") -> None:
        with self.store.transaction() as tx:
            tx.audit(AuditRow(at=self.now(), user_name=principal.user, role=principal.role.value, via=principal.via,
                              address=principal.address, action=action, target=target[:200],
                              outcome="accepted" if accepted else "refused", detail=detail))  # fmt: skip

    def audit_entries(self, limit: int = 100) -> list[AuditRow]:
        with self.store.transaction() as tx:
            return tx.audit_entries(limit)
