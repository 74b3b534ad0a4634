"""Users, API tokens (by digest), console sessions and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from warning.store.models import ApiTokenRow, AuditRow, SessionRow, UserRow
from warning.store.repository.part import TransactionPart


class AccessTx(TransactionPart):
    def add_user(self, row: UserRow) -> UserRow:
        self.session.add(row)
        self.session.flush()
        return row

    def user(self, name: str) -> UserRow | None:
        return self.session.get(UserRow, name)

    def users(self) -> list[UserRow]:
        return list(self.session.scalars(select(UserRow).order_by(UserRow.name)))

    def add_token(self, row: ApiTokenRow) -> ApiTokenRow:
        self.session.add(row)
        self.session.flush()
        return row

    def token(self, token_id: int) -> ApiTokenRow | None:
        return self.session.get(ApiTokenRow, token_id)

    def tokens(self, user_name: str | None = None) -> list[ApiTokenRow]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.id)
        if user_name is not None:
            query = query.where(ApiTokenRow.user_name == user_name)
        return list(self.session.scalars(query))

    def user_of_token(self, digest: str) -> UserRow | None:
        """The enabled user a token not revoked stands for."""
        query = (
            select(UserRow)
            .join(ApiTokenRow, ApiTokenRow.user_name == UserRow.name)
            .where(ApiTokenRow.digest == digest, ApiTokenRow.revoked_at.is_(None), UserRow.disabled_at.is_(None))
        )
        return self.session.scalars(query).first()

    def add_session(self, row: SessionRow) -> SessionRow:
        self.session.add(row)
        self.session.flush()
        return row

    def live_session(self, digest: str, now: datetime) -> tuple[SessionRow, UserRow] | None:
        """A session not ended nor expired, of an enabled user."""
        query = (
            select(SessionRow, UserRow)
            .join(UserRow, UserRow.name == SessionRow.user_name)
            .where(SessionRow.digest == digest, SessionRow.ended_at.is_(None), SessionRow.expires_at > now,
                   UserRow.disabled_at.is_(None))
        )  # fmt: skip
        found = self.session.execute(query).first()
        return (found[0], found[1]) if found is not None else None

    def session_of(self, digest: str) -> SessionRow | None:
        return self.session.get(SessionRow, digest)

    def audit(self, row: AuditRow) -> None:
        self.session.add(row)

    def audit_entries(self, limit: int = 100) -> list[AuditRow]:
        return list(self.session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(limit)))
