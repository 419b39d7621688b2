"""The contract between the analysis engine and each language frontend.

The engine walks files, asks each frontend that accepts a file for a ``ModuleSummary`` (pass 1),
computes which project functions are impure across files, then asks each frontend to ``check``
its files (pass 2) with a ``ProjectView``: the impurity closure (how DUR005 reports cross-file
chains) and every summary (how the template rule DUR055 sees code wait durations). A ``.ts`` file
may be accepted by two frontends: the TypeScript one and the template one (CDK apps).
Suppression comments, rule selection, ordering and de-duplication are the engine's job.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from lambda_durable_mcp.analyzer.model import RULES, Diagnostic, code_message


@dataclass
class FunctionSummary:
    name: str
    line: int
    # Why calling this function from orchestration code breaks replay, if it does so directly:
    # e.g. ("DUR001", "Date.now()"). Only DUR001-DUR004 and DUR021 make a function impure.
    impurity: tuple[str, str] | None = None
    # Project functions it calls outside any step: (resolved file path, function name).
    calls: list[tuple[str, str]] = field(default_factory=list)
    # A write that repeats when a retrying step calls this function (DUR035), if it does one directly:
    # (the write as shown, a frontend-specific hint for the fix).
    nonidempotent: tuple[str, str] | None = None
    # Module state it writes, which a step or child that calls it loses on replay (DUR012):
    # (the variable, "" or a frontend-specific note). Not set for caches that check before writing.
    module_write: tuple[str, str] | None = None
    # An in-process sleep it does outside any step (DUR009 where orchestration code calls it):
    # (the sleep as shown, e.g. "time.sleep(...)" or "setTimeout", "").
    sleep: tuple[str, str] | None = None
    # A generator function: a step must collect what it yields, since a generator object cannot be
    # checkpointed (the DUR005 fix says so).
    generator: bool = False
    # An async function (Python): its call makes a coroutine, which a step cannot checkpoint either.
    is_async: bool = False


@dataclass
class DurationFact:
    """A literal wait duration or callback timeout in code, for the template rule DUR055."""

    line: int
    seconds: float
    kind: str  # "wait" | "callback-timeout" | "condition-timeout"


@dataclass
class EnvTarget:
    """An environment variable a template gives a durable function, read as a Lambda function id.

    Code that invokes ``process.env.X`` / ``os.environ["X"]`` gets DUR032 when every template that
    sets X for that code sets it to an unqualified function or to $LATEST.
    """

    var: str
    state: str          # "unqualified" | "latest" | "qualified" | "unknown"
    value: str          # the value as the template writes it, e.g. "!GetAtt Worker.Arn"
    line: int
    fix: str            # how to qualify it in this kind of template
    code_dir: str | None = None  # normalized absolute folder of the function's code; None: unknown
    # whether the target is durable: "yes", "no" (the template shows no durable configuration: an
    # on-demand function needs no qualifier, and a completed invoke is never re-run), "maybe", "unknown"
    durable: str = "unknown"


@dataclass
class ModuleSummary:
    path: str
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    durations: list[DurationFact] = field(default_factory=list)
    env_targets: list[EnvTarget] = field(default_factory=list)  # templates only
    parse_error: str | None = None  # "line: message" when the file could not be parsed at all
    # with a parse_error: the parser recovered and the rest of the file was analyzed (tree-sitter), so
    # the file's diagnostics and summaries still count; without it the file is skipped
    partial: bool = False
    # Project files this module imports (absolute paths; candidates, not all need exist): the engine
    # summarizes those it was not given, so that a check of one file still follows its helpers.
    imports: list[str] = field(default_factory=list)
    # Modules re-exported without naming what they export (`export * from "./x"`, a CommonJS
    # `module.exports = { ...require("./x") }`): (namespace, candidate path), the namespace "" for a
    # plain `export *` and "ns" for `export * as ns`. A name the module lacks is looked up there.
    star_exports: list[tuple[str, str]] = field(default_factory=list)
    # Top-level names bound to a durable handler (`export const handler = withDurableExecution(...)`,
    # `@durable_execution def handler`): a template whose function runs one needs a DurableConfig (DUR050)
    durable_handlers: list[str] = field(default_factory=list)


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
    display: Callable[[str], str] = lambda path: path  # a summary's key -> the path diagnostics show
    # nonidempotent(path, function_name, caller_path) -> (chain text, the write, its fix hint) when calling
    # that function from a retrying step repeats a write (DUR035), like ``impure`` for
    # FunctionSummary.nonidempotent
    nonidempotent: Callable[..., tuple[str, str, str] | None] = lambda path, name, caller=None: None
    # module_write(path, function_name, caller_path) -> (chain text, the variable, note), the same for
    # FunctionSummary.module_write (DUR012 where step or child code calls that function)
    module_write: Callable[..., tuple[str, str, str] | None] = lambda path, name, caller=None: None
    # sleep(path, function_name, caller_path) -> (chain text, the sleep, "") for FunctionSummary.sleep
    # (DUR009 where orchestration code calls that function)
    sleep: Callable[..., tuple[str, str, str] | None] = lambda path, name, caller=None: None
    _env_index: dict[str, list[tuple[str, EnvTarget]]] | None = field(default=None, repr=False)

    def env_target(self, path: str, var: str) -> tuple[str, EnvTarget] | None:
        """(template display path, binding) that makes ``invoke(<env var>)`` in ``path`` unqualified:
        every template that sets ``var`` for the code in ``path`` sets it to an unqualified id or $LATEST."""
        if self._env_index is None:
            index: dict[str, list[tuple[str, EnvTarget]]] = {}
            for key, summary in self.summaries.items():
                for t in summary.env_targets:
                    index.setdefault(t.var, []).append((key, t))
            self._env_index = index
        bound = self._env_index.get(var)
        if not bound:
            return None
        full = os.path.normpath(os.path.abspath(os.path.join(self.root or ".", path)))
        mine = [(k, t) for k, t in bound if t.code_dir is not None and _inside(full, t.code_dir)]
        if not mine:  # no function's code folder holds this file (a bundler may pull it in): by name
            mine = bound
        if all(t.state in ("unqualified", "latest") and t.durable != "no" for _, t in mine):
            key, t = mine[0]
            return self.display(key), t
        return None


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def env_invoke_diagnostic(path: str, start: tuple[int, int], end: tuple[int, int], expr: str,
                          where: str, target: EnvTarget) -> Diagnostic:
    """DUR032 at ``invoke(<env var>)`` whose value a template sets to an unqualified function."""
    # an on-demand target needs no qualifier (a completed invoke is never re-run): say so when unknown
    durable = target.durable == "yes"
    if target.state == "latest":
        kind = "$LATEST of a durable function" if durable else "$LATEST"
        why = ": that runs whatever was deployed last" if durable else \
            ": if the target is durable, that runs whatever was deployed last"
    else:
        kind = "an unqualified durable function" if durable else "an unqualified function"
        why = (": a durable function is invoked only through a version or alias" if durable
               else ": if the target is durable, it is invoked only through a version or alias")
    return Diagnostic(
        path=path, line=start[0], column=start[1], end_line=end[0], end_column=end[1], rule="DUR032",
        severity=RULES["DUR032"].severity,
        message=code_message("DUR032", f"invoke of {expr}: {where}:{target.line} sets {target.var} to "
                                       f"{target.value}, {kind}{why}",
                             f"qualify {target.var} in the template"),
        fix=f"in {where}:{target.line}, {target.fix}",
    )


def context_helper_diagnostic(path: str, start: tuple[int, int], end: tuple[int, int], call: str, name: str,
                              chain: str) -> Diagnostic:
    """DUR005 at a call that hands the durable context to an impure project function: that function
    is orchestration code, so the call must not be wrapped in a step (that would be DUR010)."""
    return Diagnostic(
        path=path, line=start[0], column=start[1], end_line=end[0], end_column=end[1], rule="DUR005",
        severity=RULES["DUR005"].severity,
        message=code_message("DUR005", f"{call} gets the durable context, so it runs again on every replay, and it "
                                       f"is not replay-safe: {chain}", "move that work into a step inside it"),
        fix=f"inside {name}(), wrap the work the chain ends at in a step of the context it gets; do not wrap "
            f"{call} itself in a step: it runs durable operations, which cannot nest in a step",
    )


def module_state_diagnostic(path: str, start: tuple[int, int], end: tuple[int, int], call: str, var: str,
                            chain: str) -> Diagnostic:
    """DUR013 at a call from orchestration code to a project function that writes module state
    (``call`` like ``track()`` and ``var`` quoted the frontend's way)."""
    return Diagnostic(
        path=path, line=start[0], column=start[1], end_line=end[0], end_column=end[1], rule="DUR013",
        severity=RULES["DUR013"].severity,
        message=code_message("DUR013", f"orchestration code calls {call}, which writes module-level {var} "
                                       f"({chain}): every replay calls it again, and the state survives across "
                                       "invocations of a warm Lambda"),
        # not "or call it in a step": the module write inside a step is lost on replay (DUR012)
        fix=f"have {call} return the new value instead of writing {var}, and keep it in a local variable of the "
            "handler",
    )


class Frontend(Protocol):
    name: str  # "python" | "typescript" (TS and JS) | "template"

    def accepts(self, path: str, source: bytes) -> bool:
        """Whether this frontend analyzes the file (by extension, or content for templates)."""
        ...

    def summarize(self, path: str, source: bytes) -> ModuleSummary: ...

    def check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]: ...
