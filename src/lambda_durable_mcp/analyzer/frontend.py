"""The contract between the analysis engine and each language frontend.

The engine walks files, asks each frontend that accepts a file for a ``ModuleSummary`` (pass 1),
computes which project functions are impure across files, then asks each frontend to ``check``
its files (pass 2) with a ``ProjectView``: the impurity closure (how DUR005 reports cross-file
chains) and every summary (how the template rule DUR055 sees code wait durations). A ``.ts`` file
may be accepted by two frontends: the TypeScript one and the template one (CDK apps).
Suppression comments, rule selection, ordering and de-duplication are the engine's job.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from lambda_durable_mcp.analyzer.model import Diagnostic


@dataclass
class FunctionSummary:
    name: str
    line: int
    # Why calling this function from orchestration code breaks replay, if it does so directly:
    # e.g. ("DUR001", "Date.now()"). Only DUR001-DUR004 and DUR021 make a function impure.
    impurity: tuple[str, str] | None = None
    # Project functions it calls outside any step: (resolved file path, function name).
    calls: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class DurationFact:
    """A literal wait duration or callback timeout in code, for the template rule DUR055."""

    line: int
    seconds: float
    kind: str  # "wait" | "callback-timeout" | "condition-timeout"


@dataclass
class ModuleSummary:
    path: str
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    durations: list[DurationFact] = field(default_factory=list)
    parse_error: str | None = None  # "line: message" when the file could not be parsed at all


@dataclass
class ProjectView:
    """What pass 2 sees of the whole analysis: every module summary and the impurity closure."""

    root: str                                   # the directory paths are relative to
    summaries: dict[str, ModuleSummary] = field(default_factory=dict)  # by path as given to summarize
    # impure(path, function_name, caller_path) -> the chain text, e.g. "helpers.ts:makeId ->
    # crypto.randomUUID()" (a hop in the caller's own file is named without its file), or None when
    # that function is pure (or unknown). Computed by the engine across files.
    impure: Callable[..., str | None] = lambda path, name, caller=None: None
    # impurity_rule(path, function_name) -> the rule id of the impure call that chain ends at
    impurity_rule: Callable[[str, str], str | None] = lambda path, name: None


class Frontend(Protocol):
    name: str  # "python" | "typescript" (TS and JS) | "template"

    def accepts(self, path: str, source: bytes) -> bool:
        """Whether this frontend analyzes the file (by extension, or content for templates)."""
        ...

    def summarize(self, path: str, source: bytes) -> ModuleSummary: ...

    def check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]: ...
