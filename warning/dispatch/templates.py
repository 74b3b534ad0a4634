"""Templates registered with a provider that sends no free text (Alibaba Cloud: a domestic carrier
takes only templates approved in advance, each with named `${parameters}`): one per kind of message,
checked when the file is read.

Every kind the engine sends needs a template. A template may use only the parameters its kind fills
(`warning/dispatch/messages.py`: KIND_VALUES) and must use those it needs (the drill mark, what the
warning is, how to answer): a template without `${mark}` would send a drill's page unmarked, one
without `${reply}` a page nobody knows how to acknowledge. Every problem is reported with its
`file:line`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from warning.dispatch.messages import KIND_REQUIRES, KIND_VALUES
from warning.errors import FileProblem, TemplateFileError
from warning.yamlfile import load_spec

PARAMETER = re.compile(r"\$\{(\w+)\}")
# What a call says after a keypress, and nothing else: no parameters.
MENU = ("acknowledged", "refused", "escalated")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# The longest value one parameter may carry unless the account was approved for longer (Alibaba
# Cloud's notification templates: 35 characters for a name, address or other text).
VALUE_LENGTH = 35


class TemplateSpec(_Strict):
    code: Annotated[str, Field(pattern=r"^(SMS|TTS)_\d{3,20}$", description="the code the provider gave it")]
    text: Annotated[str, Field(min_length=1, max_length=500, description="the text as registered")]
    value_length: int | None = Field(
        default=None, ge=1, le=500, description="the longest value of a parameter, as this template was approved"
    )

    def parameters(self) -> set[str]:
        return set(PARAMETER.findall(self.text))


class FlowControlSpec(_Strict):
    """SMS the service takes for one number (the account's flow control; the service's defaults)."""

    per_minute: int = Field(default=1, ge=1, le=1000)
    per_hour: int = Field(default=5, ge=1, le=10000)
    per_day: int = Field(default=10, ge=1, le=100000)

    def limits(self) -> tuple[tuple[int, timedelta], ...]:
        return ((self.per_minute, timedelta(minutes=1)), (self.per_hour, timedelta(hours=1)),
                (self.per_day, timedelta(days=1)))  # fmt: skip


class TemplatesSpec(_Strict):
    sign_name: Annotated[str, Field(min_length=2, max_length=12, description="the registered SMS signature")]
    show_number: Annotated[str, Field(pattern=r"^\d{5,20}$", description="the number calls come from")]
    sms: dict[str, TemplateSpec]
    voice: dict[str, TemplateSpec]
    menu: dict[str, TemplateSpec] = Field(default_factory=dict, description="said after a keypress")
    flow_control: FlowControlSpec = FlowControlSpec()
    value_length: int = Field(
        default=VALUE_LENGTH, ge=1, le=500, description="the longest value of a parameter, as the account was approved"
    )


@dataclass(frozen=True)
class Templates:
    """The registered templates: by kind (`sms.page`, `voice.bundle` ...), and what a call says after
    each keypress outcome."""

    sign_name: str
    show_number: str
    by_kind: dict[str, TemplateSpec]
    menu: dict[str, TemplateSpec]
    source: str
    sms_limits: tuple[tuple[int, timedelta], ...] = ()
    value_length: int = VALUE_LENGTH
    lines: Mapping[str, int] = field(default_factory=dict)  # kind -> the line of its template

    def all(self) -> dict[str, str]:
        """code -> text of every template: what the provider has registered."""
        return {spec.code: spec.text for spec in [*self.by_kind.values(), *self.menu.values()]}

    def longest_value(self, spec: TemplateSpec) -> int:
        """The longest value a parameter of this template takes: its own approval, or the account's."""
        return spec.value_length or self.value_length

    def value_lengths(self) -> dict[str, int]:
        """code -> the longest value each of its parameters takes."""
        return {spec.code: self.longest_value(spec) for spec in [*self.by_kind.values(), *self.menu.values()]}

    def too_long(self, kind: str, values: Mapping[str, object]) -> list[str]:
        """Why the values of a message of this kind do not fit its template (empty when they do)."""
        spec = self.by_kind.get(kind)
        if spec is None:
            return []
        most, used = self.longest_value(spec), spec.parameters()
        return [f"${{{name}}} is {len(str(value))} characters, and {spec.code} takes at most {most}"
                for name, value in values.items() if name in used and len(str(value)) > most]  # fmt: skip


def load_templates(path: Path) -> Templates:
    """Read and check a templates file; TemplateFileError lists every problem with its line."""
    spec, document = load_spec(path, TemplatesSpec, TemplateFileError)
    problems: list[FileProblem] = []
    by_kind: dict[str, TemplateSpec] = {}
    lines: dict[str, int] = {}
    for channel, templates in (("sms", spec.sms), ("voice", spec.voice)):
        for name, template in templates.items():
            kind = f"{channel}.{name}"
            if kind not in KIND_VALUES:
                known = ", ".join(sorted(k.split(".", 1)[1] for k in KIND_VALUES if k.startswith(channel)))
                problems.append(document.problem([channel, name], f"no {channel} message is a '{name}': "
                                                 f"the kinds are {known}"))  # fmt: skip
                continue
            used = template.parameters()
            for unknown in sorted(used - KIND_VALUES[kind]):
                fills = ", ".join(sorted(KIND_VALUES[kind]))
                problems.append(document.problem([channel, name, "text"], f"${{{unknown}}} is not a parameter of "
                                                 f"{kind}; it fills {fills}"))  # fmt: skip
            for missing in sorted(KIND_REQUIRES[kind] - used):
                problems.append(document.problem([channel, name, "text"], f"the {kind} template must use "
                                                 f"${{{missing}}}"))  # fmt: skip
            by_kind[kind] = template
            lines[kind] = document.line_of([channel, name])
        for kind in sorted(k for k in KIND_VALUES if k.startswith(f"{channel}.") and k not in by_kind):
            problems.append(document.problem([channel], f"no template for {kind}: every kind of message needs one"))
    for name, template in spec.menu.items():
        if name not in MENU:
            problems.append(document.problem(["menu", name], f"a keypress outcome is one of {', '.join(MENU)}"))
        elif template.parameters():
            problems.append(document.problem(["menu", name, "text"], "what a call says after a keypress has no "
                                             "parameters"))  # fmt: skip
    for name in MENU:
        if name not in spec.menu:
            problems.append(document.problem(["menu"] if spec.menu else [], f"no menu template for '{name}'"))
    codes: dict[str, str] = {}
    for kind, template in [*by_kind.items(), *((f"menu.{n}", t) for n, t in spec.menu.items())]:
        if template.code in codes and codes[template.code] != template.text:
            problems.append(document.problem(kind.split(".", 1), f"{template.code} is also {codes[template.code]!r}, "
                                             "with other text"))  # fmt: skip
        codes.setdefault(template.code, template.text)
    if problems:
        raise TemplateFileError(problems)
    return Templates(spec.sign_name, spec.show_number, by_kind, dict(spec.menu), str(path),
                     spec.flow_control.limits(), spec.value_length, lines)  # fmt: skip
