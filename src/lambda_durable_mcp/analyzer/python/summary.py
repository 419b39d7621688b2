"""What the Python frontend keeps of a file between its two passes.

Kept apart from the frontend because the frontend may be compiled (mypyc), and a compiled class
cannot extend an interpreted one such as ``ModuleSummary``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lambda_durable_mcp.analyzer.frontend import ModuleSummary
from lambda_durable_mcp.analyzer.model import Diagnostic


@dataclass
class Deferred:
    """A finding that needs the whole project (pass 2): a call to a project function."""

    kind: str                      # "impure" (DUR005) | "binding" (DUR015) | "env-invoke" (DUR032)
    #                                "nonidempotent" (DUR035) | "module-write" (DUR012) | "env-import" (DUR032)
    node: tuple[int, int, int, int]
    candidates: list[tuple[str, str]]
    text: str
    ctx: str = "context"
    op: str = ""
    terminal: bool = False         # the call only feeds a handler's or child's result (see _terminal_value)
    step_fn: str = ""              # the @durable_step function the call is in (DUR035's fix names it)
    in_log: bool = False           # the call is an argument of a logger call (a clock/random value: warning)


@dataclass
class PyModuleSummary(ModuleSummary):
    """The Python frontend's summary, with the diagnostics found while summarizing."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    # function name -> "durable_step" | "durable_with_child_context" | ... | "factory" | "plain"
    bindings: dict[str, str] = field(default_factory=dict)
    # module constant ("NAME", or "NAME[key]" of a dict literal) -> the environment variable it holds
    exported_env: dict[str, str] = field(default_factory=dict)
    # names this module imports from project modules, so that `from pkg import f` reaches pkg/x.py:f
    # through pkg/__init__.py's `from .x import f`: name -> [(file, name there)]
    reexports: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    star_files: list[str] = field(default_factory=list)  # files of `from .x import *`, any name may come from
    # top-level class or function -> (what calling it makes that a step cannot checkpoint, the way out): DUR034
    result_kinds: dict[str, tuple[str, str]] = field(default_factory=dict)
    # literal operation names and the step names of the fixes given: pass 2's fixes name steps apart
    op_names: set[str] = field(default_factory=set)
