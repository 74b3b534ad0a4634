"""Load YAML configuration into pydantic specs, reporting every problem as file:line: message.

Rule, organisation and scenario files are written by planners, so an error must point at the line
to fix and say what to write instead, and all problems are reported at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from warning.errors import ConfigFileError, FileProblem

SpecT = TypeVar("SpecT", bound=BaseModel)
Location = Sequence[str | int]


class YamlDocument:
    """A parsed YAML file that can say where each key and item was written.

    The file is parsed once with the fast C loader; the slower round-trip parse that remembers
    line numbers runs only when a problem has to be located.
    """

    def __init__(self, path: Path, text: str, root: Any) -> None:
        self.path = path
        self.text = text
        self.root = root
        self._located: Any = None

    def line_of(self, location: Location) -> int:
        """1-based line of the deepest node of `location` that exists in the file."""
        if self._located is None:
            self._located = YAML(typ="rt").load(self.text)
        node, line = self._located, 1
        for part in location:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def problem(self, location: Location, message: str) -> FileProblem:
        return FileProblem(str(self.path), self.line_of(location), message)


def read_yaml(path: Path, error_type: type[ConfigFileError]) -> YamlDocument:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error_type([FileProblem(str(path), 0, f"cannot read file: {exc.strerror}")]) from exc
    try:
        root = YAML(typ="safe", pure=False).load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        raise error_type([FileProblem(str(path), line, f"not valid YAML: {exc.problem or exc.context}")]) from exc
    if not isinstance(root, dict):
        raise error_type([FileProblem(str(path), 1, "the file must be a YAML mapping (key: value lines)")])
    return YamlDocument(path, text, root)


def _describe(error: dict[str, Any]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"unknown key '{error['loc'][-1]}': remove it or check its spelling"
    if error["type"] == "missing":
        return f"'{location}' is required"
    return f"{location}: {message}" if location else message


def validate_node(
    document: YamlDocument, location: Location, spec_type: type[SpecT], node: Any
) -> SpecT | list[FileProblem]:
    """Validate one part of a document (e.g. one rule), locating its problems in the whole file."""
    try:
        return spec_type.model_validate(node)
    except ValidationError as exc:
        return [document.problem([*location, *error["loc"]], _describe(dict(error))) for error in exc.errors()]


def validate_document(document: YamlDocument, spec_type: type[SpecT], error_type: type[ConfigFileError]) -> SpecT:
    try:
        return spec_type.model_validate(document.root)
    except ValidationError as exc:
        problems = [document.problem(error["loc"], _describe(dict(error))) for error in exc.errors()]
        raise error_type(problems) from exc


def load_spec(path: Path, spec_type: type[SpecT], error_type: type[ConfigFileError]) -> tuple[SpecT, YamlDocument]:
    """Read and validate one file; raises `error_type` listing every problem with its line."""
    document = read_yaml(path, error_type)
    return validate_document(document, spec_type, error_type), document
