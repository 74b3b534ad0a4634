"""One exception hierarchy for the engine. Each error says what went wrong in terms of its data."""

from __future__ import annotations

from dataclasses import dataclass


class WarningEngineError(Exception):
    """Base class of every error the engine raises on purpose."""


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One problem in a configuration file, located for the person who has to fix it."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ConfigFileError(WarningEngineError):
    """A rule, organisation or scenario file is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class RuleFileError(ConfigFileError):
    """A rule file in rules/ is invalid."""


class OrganisationFileError(ConfigFileError):
    """An organisation file (areas, departments, people, policies) is invalid."""


class ScenarioFileError(ConfigFileError):
    """A drill scenario file is invalid."""


class TemplateFileError(ConfigFileError):
    """A provider's registered-templates file is invalid."""


class ReadingRejected(WarningEngineError):
    """A feed payload could not become a Reading; the reason goes to the dead-letter store. A feed
    adapter that refuses an item itself (a CSV row short of cells) passes it on as one, with the
    item's text, so that it is dead-lettered in order with the rest of its batch."""

    def __init__(self, reason: str, payload: str = "") -> None:
        self.reason = reason
        self.payload = payload
        super().__init__(reason)


class WriteConflict(WarningEngineError):
    """Another writer claimed the same key first (an incident, a reading, a page): redo the decision."""


class EvaluationError(WarningEngineError):
    """A rule could not be evaluated on a reading. Never read as "no risk"."""


class DeliveryError(WarningEngineError):
    """A notifier could not deliver. `retryable`: trying again may succeed. `ambiguous`: the provider
    may have acted anyway (a 5xx, a timeout, a dropped answer), so ask it before trying again."""

    def __init__(self, message: str, *, retryable: bool, ambiguous: bool = False) -> None:
        self.retryable = retryable
        self.ambiguous = ambiguous
        super().__init__(message)


class ActionRefused(WarningEngineError):
    """A hand action that cannot be taken on the incident as it stands (lifted already, nobody to
    page, no such department); the message says why. Nothing was changed."""


class NotFound(WarningEngineError):
    """No incident, silence or override by that name (the API answers 404)."""


class NotAllowed(WarningEngineError):
    """The caller's role or area does not allow the action (the API answers 403 with the reason)."""


class AcknowledgementRefused(ActionRefused):
    """Someone tried to acknowledge an incident they may not act on, or that cannot be acknowledged.
    `said`: why, by language (texted back to whoever replied); the message is the English."""

    def __init__(self, said: dict[str, str]) -> None:
        super().__init__(said["en"])
        self.said = said


class SchemaMismatch(WarningEngineError):
    """The database's tables were created by an older version of the engine."""


class SettingsError(WarningEngineError):
    """Environment settings are missing or invalid; each problem names its variable and what is expected."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class DatabaseUnavailable(WarningEngineError):
    """The database cannot be reached (down, restarting, unreachable): nothing was decided, and the
    same work must be tried again once it is back."""
