"""Load YAML configuration into pydantic specs, reporting every problem as file:line: message.

Rule, organisation and scenario files are written by planners, so an error must point at the line
to fix and say what to write instead, and all problems are reported at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, NodeEvent
from ruamel.yaml.reader import ReaderError

from warning.errors import ConfigFileError, FileProblem

SpecT = TypeVar("SpecT", bound=BaseModel)
# A file named in a configuration file, relative to it: a name a file can have.
FileName = Annotated[str, Field(min_length=1, max_length=4096, pattern=r"^[^\x00]+$")]
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


# No configuration file needs more: a deeper or larger one is a mistake or an attack, and would
# exhaust the loaders' recursion (a crash, not an error) or, through aliases, memory and time.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NESTING = 64
MAX_NODES = 2_000_000  # counting every alias as the node it repeats


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _shape_problem(text: str) -> tuple[int, str] | None:
    """(line, message) if the document nests too deeply or expands too far through aliases.

    Read from the parser's event stream, which keeps no Python recursion, before anything builds
    the nested objects."""
    depth, expanded = 0, [0]  # expanded: nodes inside each open collection, aliases counted in full
    anchored: dict[str, int] = {}
    opened: list[str | None] = []
    for event in YAML(typ="safe", pure=False).parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING:
                return event.start_mark.line + 1, f"nested more than {MAX_NESTING} levels deep"
            opened.append(event.anchor)
            expanded.append(1)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
            size = expanded.pop()
            anchor = opened.pop()
            if anchor is not None:
                anchored[anchor] = size
            expanded[-1] += size
        elif isinstance(event, AliasEvent):
            expanded[-1] += anchored.get(event.anchor, 1)
        elif isinstance(event, NodeEvent):  # a scalar
            if event.anchor is not None:
                anchored[event.anchor] = 1
            expanded[-1] += 1
        if expanded[-1] > MAX_NODES:
            return event.start_mark.line + 1, f"expands to more than {MAX_NODES:,} values (through aliases)"
    return None


def _yaml_problem(text: str, exc: YAMLError) -> tuple[int, str]:
    if isinstance(exc, MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return (mark.line + 1 if mark is not None else 1), f"not valid YAML: {exc.problem or exc.context}"
    if isinstance(exc, ReaderError):  # a character YAML does not allow, e.g. a NUL in a binary file
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return _line_at(text, exc.position), f"not valid YAML: character U+{code:04X} is not allowed (a binary file?)"
    return 1, f"not valid YAML: {exc}"


def read_yaml(path: Path, error_type: type[ConfigFileError]) -> YamlDocument:
    """Read a configuration file; whatever is wrong with it (unreadable, not UTF-8, not YAML, too
    deep, not a mapping) raises `error_type` with the line to look at."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error_type([FileProblem(str(path), 0, f"cannot read file: {exc.strerror}")]) from exc
    except ValueError as exc:  # a name no file can have (a NUL byte in it)
        raise error_type([FileProblem(repr(str(path)), 0, f"cannot read file: {exc}")]) from exc
    if len(data) > MAX_FILE_BYTES:
        raise error_type([FileProblem(str(path), 0, f"larger than {MAX_FILE_BYTES // 2**20} MiB")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start a character; save the file as UTF-8"
        raise error_type([FileProblem(str(path), line, problem)]) from exc
    try:
        shape = _shape_problem(text)
        root = YAML(typ="safe", pure=False).load(text) if shape is None else None
    except YAMLError as exc:
        raise error_type([FileProblem(str(path), *_yaml_problem(text, exc))]) from exc
    if shape is not None:
        raise error_type([FileProblem(str(path), *shape)])
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
