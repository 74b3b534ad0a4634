"""One open database transaction: the repository methods of every concern."""

from __future__ import annotations

from warning.store.repository.access import AccessTx
from warning.store.repository.alerts import AlertsTx
from warning.store.repository.decisions import DecisionsTx
from warning.store.repository.escalations import EscalationsTx
from warning.store.repository.incidents import IncidentsTx
from warning.store.repository.organisations import OrganisationsTx
from warning.store.repository.pages import PagesTx
from warning.store.repository.readings import ReadingsTx
from warning.store.repository.silences import SilencesTx
from warning.store.repository.webhooks import WebhooksTx


class Transaction(
    ReadingsTx,
    IncidentsTx,
    DecisionsTx,
    EscalationsTx,
    OrganisationsTx,
    PagesTx,
    SilencesTx,
    WebhooksTx,
    AccessTx,
    AlertsTx,
):
    """Repository methods over one open database transaction."""
