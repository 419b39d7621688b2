"""The Python frontend: one parse and one walk per file (stdlib ``ast``; Python 3.12+ syntax is
lowered first when the server runs on an older Python, see ``downlevel``).

Scopes follow the rule catalogue. Durable contexts are found through decorators, annotations,
parameters a caller passes a context to, aliases and destructuring; a ``.step(`` call on anything
else is not a durable operation.
"""
# Node types are tested as `t = type(node)` then `t is ast.Name`, which is fast but which mypy cannot
# narrow on; attribute reads on ast nodes are generic lookups, compiled (mypyc) or not.
# mypy: disable-error-code="attr-defined"

from __future__ import annotations

import ast
import bisect
import builtins
import dataclasses
import io
import os
import re
import sys
import tokenize
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lambda_durable_mcp.analyzer.frontend import (
    DurationFact,
    FunctionSummary,
    ModuleSummary,
    ProjectView,
    context_helper_diagnostic,
    env_invoke_diagnostic,
    module_state_diagnostic,
)
from lambda_durable_mcp.analyzer.model import (
    FUNCTION_ID,
    ID_KEY,
    ONCE_AFTER_LAST_OPERATION,
    RULES,
    SHORT_FIX,
    SUGGESTED_NAME,
    Diagnostic,
    Severity,
    code_message,
    kebab,
    unique_name,
)
from lambda_durable_mcp.analyzer.python import catalog as C
from lambda_durable_mcp.analyzer.python.downlevel import parse_any
from lambda_durable_mcp.analyzer.python.summary import Deferred, PyModuleSummary
from lambda_durable_mcp.analyzer.writes import condition_guards_a_repeat, sql_writes

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_STORING = frozenset({"append", "appendleft", "insert", "extend", "add", "setdefault"})
_FUNC_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)
_RECEIVER = re.compile(r"\b([A-Za-z_]\w*)\s*\.\s*(?:" + "|".join(C.OPERATIONS) + r")\s*\(")
# A durable operation on `context`/`ctx` (ModuleAnalyzer._snippet), searched only in texts that mention one.
_SNIPPET_CALL = re.compile(r"(?<![\w.])(?:context|ctx)\s*\.\s*(?:" + "|".join(C.OPERATIONS) + r")\s*\(")
_GLOBAL_CTX = re.compile(r"\b(?:global|nonlocal)\b[^\n]*\b(?:context|ctx)\b")
ORCH_ROLES = ("orch", "child")
ORCHESTRATION = "orchestration code"  # the `op` of a module-write deferral that is DUR013
STEP_ROLES = ("step", "submitter", "check")


# ---------------------------------------------------------------------------------------------
# Messages

# What is wrong and why it breaks replay; the message adds the short fix and the guide section
# (model.code_message), the diagnostic's `fix` field the full fix.
_WHY = {
    "DUR001": "reads the clock outside a step: every replay gets a different value",
    "DUR002": "is random outside a step: every replay gets a different value",
    "DUR003": "reads external data outside a step: a replay can see different data",
    "DUR004": "is invocation-specific and steers orchestration logic: a replay can take another path",
    "DUR009": "sleeps inside the invocation: it is billed, repeats on every replay and cannot outlive "
              "the Lambda timeout",
    "DUR020": "runs outside a step, so it repeats on every replay",
    "DUR021": "is an external write outside a step: it is repeated on every replay",
}
# A clock or random value that only reaches a log line or a wait's duration does not steer the replay:
# a warning. A wait's identity on replay is its type, name and parent (identifier.validate_checkpoint),
# and the timer it started with stands; only a duration below 1 s fails (ValidationError). A clock value
# in a duration (`deadline - time.time()`) drifts below that as time passes, so it stays an error.
_SOFT_WHY = {
    ("log", "DUR001"): "reads the clock outside a step, but only for a log line: a replay logs another value "
                       "(a duration measured from an earlier invocation is meaningless), and the orchestration "
                       "does not change",
    ("log", "DUR002"): "is random outside a step, but only for a log line: a replay logs another value, and "
                       "the orchestration does not change",
    # the durable context's logger skips its lines while replaying (Logger._should_log)
    ("ctxlog", "DUR001"): "reads the clock outside a step, but only for a context.logger line, which the SDK "
                          "skips while replaying: the orchestration does not change",
    ("ctxlog", "DUR002"): "is random outside a step, but only for a context.logger line, which the SDK skips "
                          "while replaying: the orchestration does not change",
    ("wait", "DUR002"): "is random outside a step, but only sets a wait's duration: the wait keeps the timer it "
                        "started with (its replay identity is its type, name and parent), so a replay's other "
                        "value is harmless while it stays at least 1 second (below that: ValidationError)",
}
# A step's result is checkpointed, and the SDK's limit is 256 KB (CHECKPOINT_SIZE_LIMIT_BYTES)
_LARGE_RESULT = ("; a step result is checkpointed (256 KB at most): for a large object, process it inside the "
                 "step and return only what the orchestration needs")
_WHY_ENV = ("steers orchestration logic: environment variables are fixed for a published version, but on $LATEST "
            "a configuration change between invocations makes a replay take another path")
_FIX = {
    "DUR001": "read it inside a step: {var} = {ctx}.step(lambda _: {expr}, name=\"{name}\")",
    # perf_counter and friends count from a per-process origin: a checkpointed reading means nothing in
    # the next invocation, so the useful fixes are different
    "DUR001-process-clock": "time the work inside one step, or take time.time() in a step for durations that span "
                            "invocations; a duration only logged for this invocation can be suppressed with "
                            "# durable-lint: ignore[DUR001]",
    "DUR002": "generate it inside a step: {var} = {ctx}.step(lambda _: {expr}, name=\"{name}\")",
    "DUR003": "do the read inside a step: data = {ctx}.step(lambda _: {expr}, name=\"{name}\")",
    "DUR004": "read it inside a step and branch on the step's checkpointed result",
    # Environment variables are fixed for a published version; on $LATEST a configuration change between
    # invocations can change them. Read only the one variable in a step, never all of os.environ.
    "DUR004-env-read": "invoke a published version or alias (its environment cannot change), or read only this "
                       "variable in a step and branch on the result: cfg = {ctx}.step(lambda _: {expr}, "
                       "name=\"{name}\")",
    "DUR004-env-name": "invoke a published version or alias (its environment cannot change), or read only the "
                       "variable in a step and branch on the result",
    "DUR009": "use a durable wait: {ctx}.wait(Duration.from_seconds(N), name=\"{name}\") (N >= 1: a durable wait "
               "lasts a second at least; a shorter pause, such as a rate limit, belongs in the step with the work "
               "it paces)",
    "DUR020": "use {ctx}.logger, which is replay-aware, or log inside a step",
    "DUR021": "do the write inside a step: {ctx}.step(lambda _: {expr}, name=\"{name}\")",
}


# What turns a clock reading or random id into the value the code uses (`.isoformat()`, `.hex[:8]`,
# `.strftime("%Y")`, `.timestamp()`): kept in a DUR001/DUR002 step fix, with a str()/int() around it.
_VALUE_TAIL = re.compile(r"(?:\.(?:isoformat|strftime|timestamp|date|time|replace|astimezone|isoweekday|weekday|"
                         r"toordinal|hex|int|urn|bytes|year|month|day|hour|minute|second|microsecond|upper|lower|"
                         r"tm_year|tm_mon|tm_mday|tm_hour|tm_min|tm_sec|tm_wday|tm_yday)"
                         r"(?![\w])(?:\([^()]*\))?|\[[^\[\]()]{1,40}\])+")
_CONVERTER = re.compile(r"\b(str|int|float|repr)\($")
# a word of a clock or random call (`BOOT = time.time()`, `X = uuid4()`): a module constant without one is
# not computed from them (an alias such as `from time import time as t` is missed)
_CLOCK_WORD = re.compile(r"\b(?:time|datetime|date|random|uuid\d?|secrets|urandom|ulid|nanoid|shortuuid|ksuid|"
                         r"numpy|np|monotonic|perf_counter|now|utcnow|today|token_\w+|randint|choice|shuffle|sample)\b")
_BODY_READ = re.compile(r'\["(\w+)"\]\.read\(\)\.decode\(\)$')  # what step_expr adds to a streaming read
# What turns a response into its value (`.json()`, `.text`, `.fetchall()`...): kept in a step fix.
_RESULT_TAIL = re.compile(r"(?:\.(?:json|read|decode|fetchall|fetchone|fetchmany|all|first|one|scalar|to_dict|"
                          r"model_dump|dict|get|items|result)\([^()]*\)|\.(?:text|content|status_code|body|data)\b|"
                          r"\[[^\[\]]{1,40}\])+")


class _Label:
    """A call's display text, rendered only when a message needs it."""

    __slots__ = ("node", "suffix")

    def __init__(self, node: ast.AST, suffix: str) -> None:
        self.node, self.suffix = node, suffix

    def __str__(self) -> str:
        return f"`{_short(self.node, 40)}{self.suffix}`"


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:
        return "..."
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _code(node: ast.AST, limit: int) -> str:
    """Code text for a fix, shortened only on a balanced boundary: a long call keeps its callee and
    drops its arguments (``s3.get_object(...)``), a long subscript its index."""
    text = _short(node, 10_000)
    if len(text) <= limit:
        return text
    if isinstance(node, ast.Call):
        return _code(node.func, limit) + "(...)"
    if isinstance(node, ast.Subscript):
        return _code(node.value, limit) + "[...]"
    if isinstance(node, ast.Attribute):
        return _code(node.value, limit) + "." + node.attr
    return "..."


# boto3 calls whose response holds a StreamingBody (not JSON-serializable) under this key.
_STREAMING_BODY = {"get_object": "Body", "invoke": "Payload"}


# ---------------------------------------------------------------------------------------------
# Summaries


@dataclass(eq=False)
class FuncInfo:
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    qualname: str
    parent: FuncInfo | None
    scope: dict[str, FuncInfo] = field(default_factory=dict)
    decorator: str | None = None       # the SDK decorator, if any
    role: str | None = None
    ctx_params: set[str] = field(default_factory=set)
    inherited: frozenset[str] = frozenset()
    serdes: bool = False
    no_retry: bool = False
    done: bool = False
    is_method: bool = False
    owner: str | None = None              # the class a method belongs to
    result_body: bool = False             # a durable handler or child body: its return value is its result
    handed_ctx: bool = False              # also called directly with a context: its result feeds a caller
    outer_kinds: dict[str, str] = field(default_factory=dict)  # clients etc. of the enclosing function it sees
    _locals: set[str] | None = None
    _params: list[str] | None = None  # computed once: asked for at every call the function makes
    _positional: list[str] | None = None

    @property
    def params(self) -> list[str]:
        names = self._params
        if names is None:
            a = self.node.args
            names = [p.arg for p in (*a.posonlyargs, *a.args)]
            if a.vararg:
                names.append(a.vararg.arg)
            names.extend(p.arg for p in a.kwonlyargs)
            if a.kwarg:
                names.append(a.kwarg.arg)
            self._params = names
        return names

    def positional(self) -> list[str]:
        names = self._positional
        if names is None:
            a = self.node.args
            names = [p.arg for p in (*a.posonlyargs, *a.args)]
            if self.is_method and names and names[0] in ("self", "cls"):
                names = names[1:]
            self._positional = names
        return names

    def locals(self) -> set[str]:
        if self._locals is None:
            names = set(self.params)
            if not isinstance(self.node, ast.Lambda):
                _bound_names(self.node.body, names)
            self._locals = names
        return self._locals


def _target_names(t: ast.AST, out: set[str]) -> None:
    if isinstance(t, ast.Name):
        out.add(t.id)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            _target_names(e, out)
    elif isinstance(t, ast.Starred):
        _target_names(t.value, out)


# Statements that bind no name and hold no statements: passed over first (most of a body)
_BINDS_NOTHING = frozenset({ast.Expr, ast.Return, ast.Pass, ast.Raise, ast.Delete, ast.Assert, ast.Break,
                            ast.Continue})


def _bound_names(body: list[ast.stmt], out: set[str]) -> None:
    """Names a function body binds locally (statements only; nested function bodies excluded)."""
    declared: set[str] = set()
    stack = list(body)
    while stack:
        s = stack.pop()
        if type(s) in _BINDS_NOTHING:
            continue
        if isinstance(s, ast.Assign):
            for t in s.targets:
                _target_names(t, out)
        elif isinstance(s, (ast.AugAssign, ast.AnnAssign)):
            _target_names(s.target, out)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            _target_names(s.target, out)
            stack.extend(s.body)
            stack.extend(s.orelse)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                if item.optional_vars is not None:
                    _target_names(item.optional_vars, out)
            stack.extend(s.body)
        elif isinstance(s, (ast.If, ast.While)):
            stack.extend(s.body)
            stack.extend(s.orelse)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            stack.extend(s.body)  # type: ignore[attr-defined]
            stack.extend(s.orelse)  # type: ignore[attr-defined]
            stack.extend(s.finalbody)  # type: ignore[attr-defined]
            for h in s.handlers:  # type: ignore[attr-defined]
                if h.name:
                    out.add(h.name)
                stack.extend(h.body)
        elif isinstance(s, ast.Match):
            for case in s.cases:
                stack.extend(case.body)
        elif isinstance(s, (*_FUNC_TYPES, ast.ClassDef)):
            out.add(s.name)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            for alias in s.names:
                out.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(s, (ast.Global, ast.Nonlocal)):
            declared.update(s.names)
    out.difference_update(declared)


_BUILTINS = frozenset(dir(builtins))
_SIMPLE_STATEMENTS = frozenset({ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Pass, ast.Raise,
                                ast.Delete, ast.Assert, ast.Break, ast.Continue, ast.Import, ast.ImportFrom,
                                ast.Global, ast.Nonlocal, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


def _is_sdk(name: str) -> bool:
    """The SDK package or one of its modules (not ``aws_durable_execution_sdk_python_testing``)."""
    return name == C.SDK or name.startswith(C.SDK_PREFIX)


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


# ---------------------------------------------------------------------------------------------
# Per-module analysis


class ModuleAnalyzer:
    def __init__(self, path: str, tree: ast.Module, text: str = "") -> None:
        self.path = path
        self.tree = tree
        self.dir = os.path.dirname(path)
        self.imports: dict[str, str] = {}
        self.star_modules: list[str] = []  # project modules imported with `from x import *`
        self.kinds: dict[str, str] = {}
        self.attr_kinds: dict[str, str] = {}
        self.consts: dict[str, ast.expr] = {}
        self._env_globals: frozenset[str] | None = None
        self._clock_globals: frozenset[str] | None = None
        self.module_names: set[str] = set()
        self.mutable_globals: set[str] = set()
        self.classes: set[str] = set()
        self.handler_aliases: list[str] = []  # `handler = durable_execution(main)` (see durable_handlers)
        self.class_nodes: dict[str, ast.ClassDef] = {}
        self._plain: set[str] | None = None
        self._helper_results: dict[str, tuple[str, str] | None] = {}
        self.scope: dict[str, FuncInfo] = {}
        self.funcs: list[FuncInfo] = []
        self.diagnostics: list[Diagnostic] = []
        self.deferred: list[Deferred] = []
        self.item_only_fns: set[int] = set()  # map item functions of one parameter (the item; DUR015)
        self.map_items: set[int] = set()  # map item functions (lambdas and this module's functions), by node
        self.example_names: dict[int, str] = {}  # unnamed operation call -> the name its fixes give it
        self.op_names: set[str] = set()  # literal operation names and fix step names: pass 2's fixes avoid them
        # DUR012 for writes to outer state in step or child code: (diagnostic, name, writing function)
        self.outer_writes: list[tuple[Diagnostic, str, ast.AST]] = []
        self.nonidempotent: dict[str, tuple[str, str]] = {}  # plain function -> (write, fix): DUR035 via callers
        self.module_writers: dict[str, str] = {}  # top-level function -> a module variable it writes (DUR012)
        self.sleepers: dict[str, str] = {}  # plain function -> the in-process sleep it does (DUR009 via callers)
        # lambdas not read as code of the function around them: stored parallel branches (analyzed on
        # their own) and callbacks handed to a library together with the context (scope unknown)
        self.own_scope_lambdas: set[int] = set()
        self._branch_lists: dict[int, frozenset[str]] = {}
        self.functions: dict[str, FunctionSummary] = {}
        self.durations: list[DurationFact] = []
        self.bindings: dict[str, str] = {}
        self.imports_sdk = False
        self.worklist: list[FuncInfo] = []
        self.class_contexts: dict[str, set[str]] = {}
        self._qual_cache: dict[int, str | None] = {}
        self._ann_cache: dict[int, bool] = {}
        self.closure_uses: dict[tuple[int, frozenset[str]], bool] = {}  # see FunctionVisitor._may_orchestrate
        self._import_roots: dict[str, list[str]] | None = None
        self._mentions_ctx = "DurableContext" in text
        self.text = text
        self._receivers: set[str] | None = None
        self._returns: dict[str, str | None] = {}
        self._factory_depth = 0
        # Lines that mention "lambda" (few): where a module-level table may keep one.
        self.lambda_lines: list[int] = []
        pos, line = text.find("lambda"), 1
        last = 0
        while pos >= 0:
            line += text.count("\n", last, pos)
            self.lambda_lines.append(line)
            last, pos = pos, text.find("lambda", pos + 6)
        self.stored: list[FuncInfo] = []  # lambdas in module-level tables (see _stored_lambdas)
        self._ignored: set[int] | None = None
        self.lines: list[str] | None = None  # the text's lines, when a terminal result needs them
        # DUR012 through a @durable_step's parameter: its writes, and orchestration call sites passing
        # an orchestration local to it (matched at the end of run, whichever was visited first).
        self.param_writes: dict[int, list[tuple[ast.AST, str]]] = {}
        # id(FuncInfo) -> parameter -> call sites (line, argument name, calling function)
        self.step_args: dict[int, dict[str, list[tuple[int, str, FuncInfo]]]] = {}
        self.step_funcs: dict[int, FuncInfo] = {}
        self._kept: dict[int, set[str]] = {}
        # DUR008 reports: (diagnostic, the function it is in, project functions its call runs)
        self.threaded: list[tuple[Diagnostic, FuncInfo, list[FuncInfo]]] = []

    # -- indexing ------------------------------------------------------------------------------

    def run(self) -> None:
        self._index(self.tree.body, None, self.scope, "", module_level=True)
        for fi in self.funcs:
            self._initial_role(fi)
        for fi in self.funcs:
            if fi.role is not None and fi.parent is None:
                self.worklist.append(fi)
        # Handlers first: the bodies they hand to map/parallel/run_in_child_context become child bodies
        # wherever they are defined.
        self.worklist.sort(key=lambda f: f.decorator not in ("durable_execution", "durable_handler"))
        self._drain()
        # A stored lambda whose untyped parameter receives durable operations is orchestration code,
        # like the same untyped def below; other stored lambdas are left alone.
        if self.imports_sdk:
            for fi in self.stored:
                receivers = self._durable_receivers(fi)
                if receivers:
                    fi.ctx_params = receivers
                    self._analyze(fi, "orch", frozenset())
                    self._drain()
        # Functions nobody gave a role: maybe a context parameter (in modules using the SDK), else plain.
        for fi in self.funcs:
            if fi.done or fi.parent is not None:
                continue
            if self.imports_sdk and fi.role is None:
                receivers = self._durable_receivers(fi)
                if receivers:
                    fi.role, fi.ctx_params = "orch", receivers
                    self.worklist.append(fi)
                    self._drain()
                    continue
            self._analyze(fi, fi.role or "plain", frozenset())
            self._drain()
        self._snippet()
        if self.outer_writes:
            self._unread_outer_writes()
        for fi in self.funcs:
            self.bindings[fi.qualname] = self._binding_kind(fi)
        if self.param_writes and self.step_args:
            self._param_writes()
        if len(self.threaded) > 1:
            self._outermost_threading()

    def _unread_outer_writes(self) -> None:
        """A write to outer state that only the writing step itself reads (an attempt counter of a
        retried step: `global attempts; attempts += 1; if attempts < 3: raise ...`), or only tests read
        (a probe counting how often a body ran), loses nothing anyone depends on: drop its DUR012.
        Read anywhere else (orchestration code, another step, module code), it stays."""
        names = {name for _d, name, _w in self.outer_writes}
        reads: dict[str, list[tuple[int, int]]] = {}
        tests: list[tuple[int, int]] = []  # spans of pytest-style test functions and classes
        for n in ast.walk(self.tree):
            t = type(n)
            if t is ast.Name and n.id in names and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                reads.setdefault(n.id, []).append((n.lineno, n.col_offset))  # type: ignore[attr-defined]
            elif t in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef) and \
                    n.name.startswith(("test_", "Test")):  # type: ignore[attr-defined]
                tests.append((n.lineno, n.end_lineno or n.lineno))  # type: ignore[attr-defined]
        drop = set()
        for diag, name, writer in self.outer_writes:
            lo = (writer.lineno, writer.col_offset)  # type: ignore[attr-defined]
            hi = (writer.end_lineno or writer.lineno, writer.end_col_offset or 0)  # type: ignore[attr-defined]
            outside = [ln for ln, c in reads.get(name, ()) if not lo <= (ln, c) < hi]
            if not any(not any(a <= ln <= b for a, b in tests) for ln in outside):
                drop.add(id(diag))
        if drop:
            self.diagnostics[:] = [d for d in self.diagnostics if id(d) not in drop]

    def _outermost_threading(self) -> None:
        """One DUR008 per construct: ``asyncio.run(fetch_all(ctx))`` whose ``fetch_all`` gathers
        ``fetch_feed(ctx)`` tasks that call ``asyncio.to_thread(ctx.step, ...)`` is reported at
        ``asyncio.run`` only. A function's own DUR008 goes when every reference to it in the module is an
        argument of a reported threading call."""
        covered: dict[int, int] = {}  # id(FuncInfo) -> references inside reported threading calls
        for _diag, _fi, targets in self.threaded:
            for t in targets:
                covered[id(t)] = covered.get(id(t), 0) + 1
        loads: dict[str, int] = {}
        for n in ast.walk(self.tree):
            if type(n) is ast.Name and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                loads[n.id] = loads.get(n.id, 0) + 1  # type: ignore[attr-defined]
        inner = {id(fi) for fi in self.funcs if id(fi) in covered and not isinstance(fi.node, ast.Lambda)
                 and fi.parent is None and loads.get(fi.node.name) == covered[id(fi)]}  # type: ignore[union-attr]
        drop = {id(diag) for diag, fi, _t in self.threaded if id(fi) in inner}
        if drop:
            self.diagnostics[:] = [d for d in self.diagnostics if id(d) not in drop]

    def _snippet(self) -> None:
        """A pasted fragment: ``context.step(...)`` at module level with ``context`` (or ``ctx``) bound
        nowhere. Only when nothing else in the file is orchestration code: the module body then counts
        as orchestration code and the unbound name as its durable context (as in TypeScript)."""
        text = self.text
        if ("context." not in text and "ctx." not in text) or any(fi.role in ORCH_ROLES for fi in self.funcs) \
                or not _SNIPPET_CALL.search(text):
            return
        body = self.tree.body
        if any(isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names) for s in body) \
                or _GLOBAL_CTX.search(self.text):
            return  # `from x import *` or `global context` may bind it
        bound: set[str] = set(self.module_names) | set(self.imports) | set(self.scope)
        _bound_names(body, bound)
        names: set[str] = set()
        stack: list[ast.AST] = list(body)
        while stack:
            n = stack.pop()
            t = type(n)
            if t in _FUNC_TYPES or t is ast.ClassDef or t is ast.Lambda:
                continue  # their own scopes (a class body's decorators and bases are rare in fragments)
            if t is ast.Call:
                f = n.func  # type: ignore[attr-defined]
                if type(f) is ast.Attribute and f.attr in C.OPERATIONS and type(f.value) is ast.Name \
                        and f.value.id in ("context", "ctx") and f.value.id not in bound:
                    names.add(f.value.id)
            stack.extend(ast.iter_child_nodes(n))
        if not names:
            return
        a = ast.arguments(posonlyargs=[], args=[ast.arg(arg=n) for n in sorted(names)], vararg=None,
                          kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
        node = ast.FunctionDef(name="<module>", args=a, body=body, decorator_list=[], returns=None,
                               lineno=1, col_offset=0, end_lineno=len(self.text.split("\n")),
                               end_col_offset=0)
        fi = FuncInfo(node, "<module>", None, ctx_params=names)
        self._analyze(fi, "orch", frozenset())
        self._drain()

    def lambda_within(self, node: ast.AST) -> bool:
        """Whether a lambda starts on one of ``node``'s lines (lambda_lines is in file order: a bisect,
        not a walk of the node)."""
        lines = self.lambda_lines
        if not lines:
            return False
        i = bisect.bisect_left(lines, node.lineno)  # type: ignore[attr-defined]
        return i < len(lines) and lines[i] <= (node.end_lineno or 0)  # type: ignore[attr-defined]

    def kept_params(self, fi: FuncInfo) -> set[str]:
        """Names a step rebinds (it works on a copy) or returns as they are (the caller probably uses the
        checkpointed result): a write through such a parameter is not reported."""
        key = id(fi)
        out = self._kept.get(key)
        if out is None:
            out = set()
            _bound_names(fi.node.body, out)  # type: ignore[arg-type]
            out.update(n.value.id for n in ast.walk(fi.node)
                       if type(n) is ast.Return and type(n.value) is ast.Name)  # type: ignore[attr-defined]
            self._kept[key] = out
        return out

    def source_lines(self) -> list[str]:
        """The source's lines, split once and only when something needs them."""
        if self.lines is None:
            self.lines = self.text.split("\n")
        return self.lines

    def _param_writes(self) -> None:
        """DUR012: a @durable_step (or @durable_with_child_context function) writes through a parameter
        that orchestration code passes one of its own locals to; on replay the body is skipped and the
        caller's object never changes."""
        for key, writes in self.param_writes.items():
            passed = self.step_args.get(key)
            if not passed:
                continue
            fi = self.step_funcs[key]
            for node, name in writes:
                line = next((ln for ln, arg, caller in passed.get(name, ()) if arg in caller.locals()), None)
                if line is None or name in self.kept_params(fi):  # prefer silence (see kept_params)
                    continue
                what = "child context" if fi.decorator == "durable_with_child_context" else "step"
                self.emit("DUR012", node,
                          f"`{_short(node, 40)}` writes the caller's `{name}` (passed to {fi.qualname} at line "
                          f"{line}): on replay the checkpointed result is returned without running the {what}, "
                          "so the write is lost",
                          f"return the new value from the {what} and assign its result in orchestration code")

    def _drain(self) -> None:
        while self.worklist:
            fi = self.worklist.pop(0)
            if not fi.done:
                self._analyze(fi, fi.role or "plain", fi.inherited)

    def _index(self, body: list[ast.stmt], parent: FuncInfo | None, scope: dict[str, FuncInfo], prefix: str,
               module_level: bool = False, in_class: bool = False) -> None:
        for s in body:
            t0 = type(s)
            if t0 in _SKIP_INDEX:
                if module_level and t0 is ast.Expr and type(s.value) is ast.Call:  # type: ignore[attr-defined]
                    self._wrapped_handler(s.value)  # type: ignore[attr-defined]
                continue
            if t0 is ast.Assign and not module_level and type(s.value) is not ast.Lambda \
                    and not any(type(t) is ast.Attribute for t in s.targets):  # type: ignore[attr-defined]
                continue
            if isinstance(s, _FUNC_TYPES):
                fi = FuncInfo(s, prefix + s.name, parent, is_method=in_class,
                              owner=prefix[:-1] if in_class else None)
                self.funcs.append(fi)
                if not in_class:
                    scope[s.name] = fi
                self._index(s.body, fi, fi.scope, fi.qualname + ".")
            elif isinstance(s, ast.ClassDef):
                if module_level:
                    self.classes.add(s.name)
                    self.module_names.add(s.name)
                    self.class_nodes[s.name] = s
                self._index(s.body, parent, scope, prefix + s.name + ".", in_class=True)
                self._context_attributes(s, prefix + s.name)
            elif isinstance(s, ast.Import):
                for a in s.names:
                    if a.asname:
                        self.imports[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        self.imports[root] = root
                    if _is_sdk(a.name):
                        self.imports_sdk = True
            elif isinstance(s, ast.ImportFrom):
                mod = "." * s.level + (s.module or "")
                if _is_sdk(mod):
                    self.imports_sdk = True
                for a in s.names:
                    if a.name == "*":
                        if not _is_sdk(mod) and mod.lstrip(".").split(".")[0] not in _STDLIB:
                            self.star_modules.append(mod)  # names from it resolve at their calls
                        continue
                    base = mod + "." + a.name if mod and not mod.endswith(".") else mod + a.name
                    self.imports[a.asname or a.name] = base
            elif isinstance(s, (ast.Assign, ast.AnnAssign)):
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                value = s.value
                if value is None:
                    continue
                if module_level and type(value) in (ast.Dict, ast.List, ast.Tuple, ast.Call) and \
                        self.lambda_within(value):
                    self._stored_lambdas(value, targets)
                for t in targets:
                    if isinstance(t, ast.Name):
                        if module_level:
                            self.module_names.add(t.id)
                            self.consts[t.id] = value
                            if self._is_mutable(value):
                                self.mutable_globals.add(t.id)
                        if isinstance(value, ast.Lambda):
                            fi = FuncInfo(value, prefix + t.id, parent)
                            self.funcs.append(fi)
                            scope[t.id] = fi
                        if module_level:
                            kind = self.kind_of(value, None)
                            if kind:
                                self.kinds[t.id] = kind
                            elif isinstance(value, ast.Call) and self._wrapped_handler(value):
                                self.handler_aliases.append(t.id)  # handler = durable_execution(main)
                    elif isinstance(t, ast.Attribute) and isinstance(value, ast.Call):
                        kind = self.kind_of(value, None)
                        if kind:
                            self.attr_kinds[t.attr] = kind
            elif isinstance(s, _COMPOUND) or type(s).__name__ == "TryStar":
                for name in ("body", "orelse", "finalbody"):
                    sub = getattr(s, name, None)
                    if sub:
                        self._index(sub, parent, scope, prefix, module_level, in_class)
                for h in getattr(s, "handlers", ()):
                    self._index(h.body, parent, scope, prefix, module_level, in_class)
                if isinstance(s, (ast.With, ast.AsyncWith)) and module_level:
                    for item in s.items:
                        if isinstance(item.optional_vars, ast.Name):
                            kind = self.kind_of(item.context_expr, None)
                            if kind:
                                self.kinds[item.optional_vars.id] = kind
            elif isinstance(s, ast.Match):
                for case in s.cases:
                    self._index(case.body, parent, scope, prefix, module_level, in_class)
            elif isinstance(s, ast.Expr) and module_level and isinstance(s.value, ast.Call):
                self._wrapped_handler(s.value)

    def _stored_lambdas(self, value: ast.expr, targets: Sequence[ast.expr]) -> None:
        """Lambdas kept in a module-level table (``TOOLS = {"a": lambda inp, ctx: ...}``, also as keyword
        arguments of a constructor in a list); lambda bodies are not searched."""
        owner = next((t.id for t in targets if isinstance(t, ast.Name)), "<table>")
        stack: list[ast.AST] = [value]
        while stack:
            n = stack.pop()
            if type(n) is ast.Lambda:
                self.stored.append(FuncInfo(n, f"{owner}.<lambda>", None))  # type: ignore[arg-type]
                continue
            stack.extend(ast.iter_child_nodes(n))

    def _context_attributes(self, cls: ast.ClassDef, qualname: str) -> None:
        """``self.ctx = ctx`` in a method whose ``ctx`` parameter is annotated DurableContext."""
        for item in cls.body:
            if not isinstance(item, _FUNC_TYPES):
                continue
            a = item.args
            typed = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)
                     if p.annotation is not None and self._is_context_annotation(p.annotation)}
            if not typed:
                continue
            for st in ast.walk(item):
                if isinstance(st, ast.Assign) and isinstance(st.value, ast.Name) and st.value.id in typed:
                    for t in st.targets:
                        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                            self.class_contexts.setdefault(qualname, set()).add("self." + t.attr)

    def _wrapped_handler(self, call: ast.Call) -> bool:
        """``handler = durable_execution(main)``: main is the durable body, and handler the durable handler."""
        if self.sdk_name(call.func) not in ("durable_execution", "durable_handler") or not call.args:
            return False
        if isinstance(call.args[0], ast.Name):
            fi = self.scope.get(call.args[0].id)
            if fi is not None:
                fi.decorator = "durable_execution"
        return True

    def env_globals(self) -> frozenset[str]:
        """Module constants whose value reads the environment (`MODE = os.environ.get("MODE", "")`,
        `LIMIT = int(os.getenv("LIMIT", "5"))`)."""
        found = self._env_globals
        if found is None:
            names: set[str] = set()
            if "environ" in self.text or "getenv" in self.text:
                for name, value in self.consts.items():
                    for n in ast.walk(value):
                        if isinstance(n, ast.Subscript):
                            hit = self.qual(n.value) == "os.environ"
                        elif isinstance(n, ast.Call):
                            hit = self.qual(n.func) in ("os.environ.get", "os.getenv")
                        else:
                            continue
                        if hit:
                            names.add(name)
                            break
            found = self._env_globals = frozenset(names)
        return found

    def clock_globals(self) -> frozenset[str]:
        """Module constants computed from the clock or randomness (`BOOT = time.time()`): set once per
        process, so another container replays with another value."""
        found = self._clock_globals
        if found is None:
            names: set[str] = set()
            lines = self.source_lines()
            for name, value in self.consts.items():
                first, last = getattr(value, "lineno", 0), getattr(value, "end_lineno", 0) or 0
                # most constants name no clock or random function: a look at their lines spares the walk
                if not any(_CLOCK_WORD.search(lines[i]) for i in range(max(first - 1, 0), min(last, len(lines)))):
                    continue
                stack: list[ast.AST] = [value]
                while stack:
                    n = stack.pop()
                    if type(n) is ast.Lambda:
                        continue  # runs when called, not when the module loads
                    stack.extend(ast.iter_child_nodes(n))
                    if type(n) is not ast.Call:
                        continue
                    if C.clock_or_random(self.qual(n.func) or "", len(n.args)) is not None:  # type: ignore[attr-defined]
                        names.add(name)
                        stack.clear()
            found = self._clock_globals = frozenset(names)
        return found

    def _is_mutable(self, value: ast.expr) -> bool:
        if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
            return True
        if isinstance(value, ast.Call):
            q = self.qual(value.func)
            return q in C.MUTABLE_FACTORIES or (isinstance(value.func, ast.Name)
                                                and value.func.id in C.MUTABLE_FACTORIES)
        return False

    def _initial_role(self, fi: FuncInfo) -> None:
        node = fi.node
        if isinstance(node, ast.Lambda):
            return
        for dec in node.decorator_list:
            name = self.sdk_name(dec.func if isinstance(dec, ast.Call) else dec)
            if name in C.DECORATOR_ROLES:
                fi.decorator = name
        if fi.decorator is None and fi.role is None:
            pass
        params = fi.positional()
        if fi.decorator is not None:
            fi.result_body = fi.decorator in _RESULT_DECORATORS
            role = C.DECORATOR_ROLES[fi.decorator]
            fi.role = role
            if role == "orch":
                if params:
                    fi.ctx_params = {params[1] if len(params) > 1 else params[-1]}
            elif role == "child" and params:
                fi.ctx_params = {params[0]}
        attrs = self.class_contexts.get(fi.owner or "", set())
        if attrs and fi.role is None:
            used = {f"self.{n.attr}" for n in ast.walk(node) if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name) and n.value.id == "self" and f"self.{n.attr}" in attrs}
            if used:
                fi.role = "orch"
                fi.ctx_params = set(used)
        annotated = {p.arg for p in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
                     if p.annotation is not None and self._is_context_annotation(p.annotation)}
        if annotated and fi.role not in STEP_ROLES:
            fi.ctx_params |= annotated
            fi.role = fi.role or "orch"

    def _is_context_annotation(self, ann: ast.expr) -> bool:
        """Whether an annotation names the SDK's DurableContext (one answer per annotation node:
        each parameter's is asked from several places)."""
        if not self._mentions_ctx:
            return False  # every spelling of it (alias, module attribute, string) has this text
        key = id(ann)
        found = self._ann_cache.get(key)
        if found is None:
            found = self._ann_cache[key] = self._names_context(ann)
        return found

    def _names_context(self, ann: ast.expr) -> bool:
        t = type(ann)
        if t is ast.Name:  # cheap rejections first: most annotations are `str`, `dict`, ...
            if ann.id != "DurableContext" and ann.id not in self.imports:  # type: ignore[attr-defined]
                return False
        elif t is ast.Attribute:
            if ann.attr != "DurableContext":  # type: ignore[attr-defined]
                return False
        elif isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            return ann.value.split(".")[-1] == "DurableContext"
        if isinstance(ann, ast.BinOp):  # DurableContext | None
            return self._names_context(ann.left) or self._names_context(ann.right)
        if isinstance(ann, ast.Subscript):  # Optional[DurableContext]
            return self._names_context(ann.slice)
        return self.sdk_name(ann) == "DurableContext"

    def _durable_receivers(self, fi: FuncInfo) -> set[str]:
        """Unannotated parameters used as the receiver of a well-formed durable operation call."""
        a = fi.node.args
        positional = set(fi.positional())  # not self/cls
        params = {p.arg for p in (*a.posonlyargs, *a.args) if p.annotation is None and p.arg in positional}
        if params:
            if self._receivers is None:
                self._receivers = set(_RECEIVER.findall(self.text))
            params &= self._receivers
        found: set[str] = set()
        if not params:
            return found
        for n in ast.walk(fi.node):
            if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in C.OPERATIONS
                    and isinstance(n.func.value, ast.Name) and n.func.value.id in params
                    and (n.args or n.keywords or n.func.attr in ("create_callback",))):
                if self._looks_durable(n, n.func.attr, fi):
                    found.add(n.func.value.id)
        return found

    def _looks_durable(self, call: ast.Call, method: str, fi: FuncInfo | None = None) -> bool:
        """Whether a call on an unknown receiver has the shape of the SDK operation (not ``pool.map``)."""
        func_idx = C.OPERATIONS[method][0]
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        if method == "wait":
            d = call.args[0] if call.args else kw.get("duration")
            if not isinstance(d, ast.Call):
                return False
            f = d.func
            return self.sdk_name(f) == "Duration" or (isinstance(f, ast.Attribute) and self.sdk_name(f.value) == "Duration")
        if method == "invoke":
            return "function_name" in kw or (len(call.args) >= 2 and "FunctionName" not in kw)
        if method == "create_callback":
            return not call.args or isinstance(call.args[0], (ast.Constant, ast.JoinedStr))
        if "name" in kw or "config" in kw:
            return True
        assert func_idx is not None
        arg = call.args[func_idx] if len(call.args) > func_idx else kw.get(C.FUNC_KEYWORD.get(method, ""))
        need = 2 if method == "map" else 1
        if isinstance(arg, ast.Lambda):
            return len(arg.args.posonlyargs) + len(arg.args.args) >= need or arg.args.vararg is not None
        if method == "parallel":
            return isinstance(arg, (ast.List, ast.Tuple)) and all(
                isinstance(e, (ast.Lambda, ast.Call)) or (isinstance(e, ast.Name) and self.lookup(fi, e.id))
                for e in arg.elts) and bool(arg.elts)
        if isinstance(arg, ast.Name):
            target = self.lookup(fi, arg.id)
            return target is not None and len(target.positional()) >= need
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
            target = self.lookup(fi, arg.func.id)
            return target is not None and target.decorator is not None
        return False

    def _binding_kind(self, fi: FuncInfo) -> str:
        if fi.decorator in ("durable_step", "durable_with_child_context", "durable_wait_for_callback",
                            "durable_parallel_branch"):
            return fi.decorator
        node = fi.node
        if isinstance(node, ast.Lambda):
            return "factory" if isinstance(node.body, ast.Lambda) else "plain"
        r = node.returns
        if isinstance(r, ast.Subscript):
            r = r.value
        if (isinstance(r, ast.Name) and r.id == "Callable") or (isinstance(r, ast.Attribute) and r.attr == "Callable"):
            return "factory"
        stack: list[ast.AST] = list(node.body)  # statements only: cheap
        while stack:
            n = stack.pop()
            t = type(n)
            if t is ast.Return:
                v = n.value  # type: ignore[attr-defined]
                if isinstance(v, ast.Lambda) or (isinstance(v, ast.Name) and v.id in fi.scope):
                    return "factory"
                if isinstance(v, ast.Call) and self.qual(v.func) in ("functools.partial",):
                    return "factory"
            elif t in _SIMPLE_STATEMENTS:
                continue
            elif t in _COMPOUND or t is ast.Match or t.__name__ == "TryStar":
                for name in ("body", "orelse", "finalbody"):
                    stack.extend(getattr(n, name, ()) or ())
                for h in getattr(n, "handlers", ()):
                    stack.extend(h.body)
                for case in getattr(n, "cases", ()):
                    stack.extend(case.body)
        return "plain"

    # -- name resolution -----------------------------------------------------------------------

    def qual(self, node: ast.AST) -> str | None:
        t = type(node)
        if t is ast.Name:
            return self.imports.get(node.id)  # type: ignore[attr-defined]
        if t is ast.Attribute:
            key = id(node)
            cache = self._qual_cache
            if key in cache:
                return cache[key]
            base = self.qual(node.value)  # type: ignore[attr-defined]
            q = f"{base}.{node.attr}" if base else None  # type: ignore[attr-defined]
            cache[key] = q
            return q
        return None

    def sdk_name(self, node: ast.AST) -> str | None:
        """The SDK name an expression refers to (through imports), e.g. ``durable_step``."""
        q = self.qual(node)
        if q is not None:
            return q.rsplit(".", 1)[-1] if _is_sdk(q) else None
        # Snippets often omit imports: a bare SDK name nobody defined is the SDK's.
        if isinstance(node, ast.Name) and node.id not in self.module_names and node.id not in self.scope:
            if node.id in C.DECORATOR_ROLES or node.id in ("DurableContext", "Duration", "StepConfig",
                                                          "CallbackConfig", "WaitForCallbackConfig",
                                                          "StepSemantics"):
                return node.id
        return None

    def kind_of(self, value: ast.expr, local_kinds: dict[str, str] | None) -> str | None:
        """The tracked kind of an expression's value: boto3 client, HTTP session, DB, logger, ..."""
        t = type(value)  # (asked for every assignment and call: type tests, not isinstance)
        if t is ast.Await:
            value = value.value  # type: ignore[attr-defined]
            t = type(value)
        if t is ast.Name:
            name = value.id  # type: ignore[attr-defined]
            if local_kinds and name in local_kinds:
                return local_kinds[name]
            kind = self.kinds.get(name)
            if kind is not None:
                return kind
            q = self.imports.get(name)
            return C.MODULE_OBJECTS.get(q) if q else None
        if t is ast.Attribute:
            q = self.qual(value)
            if q in C.MODULE_OBJECTS:
                return C.MODULE_OBJECTS[q]
            attr = value.attr  # type: ignore[attr-defined]
            if attr in self.attr_kinds and type(value.value) is ast.Name and \
                    value.value.id in ("self", "cls"):  # type: ignore[attr-defined]
                return self.attr_kinds[attr]
            base = self.kind_of(value.value, local_kinds)  # type: ignore[attr-defined]
            if base == "aws" and attr in C.AWS_DERIVED:
                return "aws"
            return None
        if t is ast.Call:
            f = value.func  # type: ignore[attr-defined]
            q = self.qual(f)
            if q in C.CONSTRUCTORS:
                return C.CONSTRUCTORS[q]
            tf = type(f)
            if q is None and tf is ast.Name and f.id in self.scope:
                return self.returned_kind(f.id)
            if tf is ast.Attribute:
                base = self.kind_of(f.value, local_kinds)
                if base is None:
                    return None
                if base == "aws-session" and f.attr in ("client", "resource"):
                    return "aws"
                if base == "aws" and (f.attr in C.AWS_DERIVED or f.attr in ("get_paginator", "get_waiter")):
                    return "aws"  # a paginator's paginate() and a waiter's wait() call the service
                if base == "db" and f.attr in ("cursor", "connect", "pipeline"):
                    return "db"
                if base == "path" and f.attr in ("joinpath", "resolve", "absolute", "with_suffix", "parent"):
                    return "path"
                if base == "logging-module" and f.attr == "getLogger":
                    return "logger"
            return None
        if t is ast.BinOp and type(value.op) is ast.Div:  # type: ignore[attr-defined]
            return "path" if self.kind_of(value.left, local_kinds) == "path" else None  # type: ignore[attr-defined]
        return None

    def returned_kind(self, name: str) -> str | None:
        """The client kind a module-level factory returns: ``def table(): return boto3.resource(...).Table(...)``,
        also the lazy ``global _client; if _client is None: _client = boto3.client(...); return _client``.
        Every non-None return must be the same client kind."""
        if name in self._returns:
            return self._returns[name]
        fi = self.scope[name]
        self._returns[name] = None  # recursion guard (and the answer for most functions)
        # kind_of -> returned_kind -> kind_of follows a chain of factories (`def f2(): return f1()`):
        # compiled (mypyc), that recursion has no limit of its own; interpreted, Python's is hit first
        self._factory_depth += 1
        try:
            if self._factory_depth > sys.getrecursionlimit():
                raise RecursionError("nesting too deep")
            kind = self._factory_kind(fi)
        finally:
            self._factory_depth -= 1
        self._returns[name] = kind
        return kind

    def _factory_kind(self, fi: FuncInfo) -> str | None:
        node = fi.node
        if not isinstance(node, ast.Lambda):
            # A factory ends in `return <client>`: a cheap test before the walk over the body.
            last = node.body[-1]
            if type(last) is not ast.Return or last.value is None:
                return None
            v = last.value
            if type(v) is not ast.Name and self.kind_of(v, None) not in C.FACTORY_KINDS:
                while type(v) in (ast.Call, ast.Attribute, ast.Await):
                    v = v.func if type(v) is ast.Call else v.value  # type: ignore[attr-defined]
                if type(v) is not ast.Name or v.id not in fi.locals():  # type: ignore[attr-defined]
                    return None  # not built from a local either (`r = boto3.resource(...); return r.Table(...)`)
        returns: list[ast.expr] = []
        assigned: dict[str, list[ast.expr | None]] = {}  # local name -> values (None: unknown)
        if isinstance(node, ast.Lambda):
            returns.append(node.body)
        else:
            stack: list[ast.AST] = list(node.body)  # statements only, nested functions excluded
            while stack:
                n = stack.pop()
                t = type(n)
                if t is ast.Return:
                    v = n.value  # type: ignore[attr-defined]
                    if v is not None and not (type(v) is ast.Constant and v.value is None):
                        returns.append(v)
                elif t is ast.Assign or t is ast.AnnAssign:
                    v = n.value  # type: ignore[attr-defined]
                    for tg in (n.targets if t is ast.Assign else [n.target]):  # type: ignore[attr-defined]
                        if type(tg) is ast.Name:
                            assigned.setdefault(tg.id, []).append(v)
                        else:  # a, b = ...: unknown
                            unknown: set[str] = set()
                            _target_names(tg, unknown)
                            for name_ in unknown:
                                assigned.setdefault(name_, []).append(None)
                elif t in (ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith):
                    targets = [i.optional_vars for i in n.items if i.optional_vars is not None] \
                        if t in (ast.With, ast.AsyncWith) else [n.target]  # type: ignore[attr-defined]
                    unknown = set()
                    for tg in targets:
                        _target_names(tg, unknown)
                    for name_ in unknown:
                        assigned.setdefault(name_, []).append(None)
                if t in _COMPOUND or t is ast.Match or t.__name__ == "TryStar":
                    for field_name in ("body", "orelse", "finalbody"):
                        stack.extend(getattr(n, field_name, ()) or ())
                    for h in getattr(n, "handlers", ()):
                        stack.extend(h.body)
                    for case in getattr(n, "cases", ()):
                        stack.extend(case.body)
        local: dict[str, str] = {}  # locals every (non-None) assignment gives one client kind
        for var, values in assigned.items():
            ks = {self.kind_of(v, None) if v is not None else None for v in values
                  if not (type(v) is ast.Constant and v.value is None)}  # type: ignore[union-attr]
            k = ks.pop() if len(ks) == 1 else None
            if k is not None:
                local[var] = k
        kind: str | None = None
        for r in returns:
            if type(r) is ast.Name and r.id in assigned and r.id not in local:  # type: ignore[attr-defined]
                kind = None
                break
            ks = {self.kind_of(r, local)}
            if len(ks) != 1 or (kind is not None and ks != {kind}):
                kind = None
                break
            kind = ks.pop()
            if kind not in C.FACTORY_KINDS:
                kind = None
                break
        return kind

    def import_roots(self) -> dict[str, list[str]]:
        """Top-level module name -> a src/ layout or uv workspace member folder providing it (see layout),
        in the style of this file's path (absolute, or relative to the working directory)."""
        if self._import_roots is None:
            found: dict[str, list[str]] = {}
            if os.path.isfile(self.path):  # inline code has no project around it
                from lambda_durable_mcp.analyzer.python.layout import import_roots

                relative = not os.path.isabs(self.path)
                found = {name: [os.path.relpath(r) if relative else r for r in roots]
                         for name, roots in import_roots(self.dir or ".").items()}
            self._import_roots = found
        return self._import_roots

    def project_candidates(self, q: str) -> list[tuple[str, str]]:
        """Files and function names a qualified name may refer to in the project."""
        level = len(q) - len(q.lstrip("."))
        parts = q.lstrip(".").split(".")
        if level == 0 and (parts[0] in _STDLIB or parts[0] in C.THIRD_PARTY_ROOTS):
            return []
        out: list[tuple[str, str]] = []
        for split in (len(parts) - 1, len(parts) - 2):
            if split < (1 if level == 0 else 0):
                continue
            mod, name = parts[:split], ".".join(parts[split:])
            if level:
                bases = [self.dir]
                for _ in range(level - 1):
                    bases = [os.path.dirname(bases[0])]
            else:
                bases, d = [], self.dir
                for _ in range(6):
                    bases.append(d)
                    parent = os.path.dirname(d)
                    if parent == d:
                        break
                    d = parent
                bases.extend(b for b in self.import_roots().get(parts[0], ()) if b not in bases)
            for b in bases:
                stem = os.path.join(b, *mod) if mod else b
                out.append((stem + ".py", name))
                out.append((os.path.join(stem, "__init__.py"), name))
        return out

    def branch_lists(self, fi: FuncInfo) -> frozenset[str]:
        """Names of lists this function hands to ``X.parallel(...)`` as its branches."""
        found = self._branch_lists.get(id(fi))
        if found is None:
            names: set[str] = set()
            if "parallel" in self.text:
                for n in ast.walk(fi.node):
                    if type(n) is ast.Call and type(n.func) is ast.Attribute and n.func.attr == "parallel":
                        first = next((k.value for k in n.keywords if k.arg == "functions"),
                                     n.args[0] if n.args else None)
                        if type(first) is ast.Name:
                            names.add(first.id)  # type: ignore[attr-defined]
            found = self._branch_lists[id(fi)] = frozenset(names)
        return found

    # -- results a step cannot checkpoint (DUR034) ---------------------------------------------

    def plain_classes(self) -> set[str]:
        """Module-level classes whose instances the SDK's serializer rejects: no base but ``object`` or
        another such class, no metaclass. A subclass of dict, str, tuple (NamedTuple) or an outside base
        may serialize, so it stays silent."""
        if self._plain is None:
            plain: set[str] = set()
            grown = True
            while grown:
                grown = False
                for name, node in self.class_nodes.items():
                    if name not in plain and not node.keywords and all(
                            type(b) is ast.Name and (b.id == "object" or b.id in plain)  # type: ignore[attr-defined]
                            for b in node.bases):
                        plain.add(name)
                        grown = True
            self._plain = plain
        return self._plain

    def class_kind(self, name: str) -> str:
        """"enum" for a plain Enum class (the serializer rejects its members; a str or int mixin, StrEnum
        and IntEnum serialize), else ""."""
        node = self.class_nodes.get(name)
        if node is None:
            return ""
        bases = [self.qual(b) or _short(b, 40) for b in node.bases]
        if len(bases) == 1 and bases[0] in ("enum.Enum", "Enum"):
            return "enum"
        return ""

    def _instance(self, name: str) -> tuple[str, str]:
        node = self.class_nodes[name]
        dc = any(_short(d, 80).split("(")[0].endswith("dataclass") for d in node.decorator_list)
        # the result is then a dict: code that read its attributes reads keys, or rebuilds the object
        return f"a {name} instance", (f"dataclasses.asdict(...), then read it as a dict (x[\"field\"]) or rebuild "
                                      f"it after the step: {name}(**x)" if dc else
                                      "a dict of its fields, then read it as a dict or rebuild it after the step")

    def unserializable(self, value: ast.expr, fi: FuncInfo | None, local_kinds: dict[str, str] | None,
                       later: list[tuple[ast.Call, str]] | None = None, depth: int = 0,
                       wrap: str = "{}") -> tuple[str, str] | None:
        """(what, the way out) when ``value``, returned by a step or child, cannot be checkpointed by the
        SDK's default serializer (serdes.py: JSON types, bytes, UUID, Decimal, datetime, date, list,
        tuple, dict with no tuple keys). Calls to another file's functions or classes go to ``later``
        (call, wrapper text) for pass 2."""
        t = type(value)
        if t is ast.Set or t is ast.SetComp:
            return wrap.format("a set"), "sorted(...) or list(...)"
        if t is ast.GeneratorExp:
            return wrap.format("a generator"), "list(...) around it"
        if t is ast.Attribute and type(value.value) is ast.Name and self.class_kind(value.value.id) == "enum" \
                and (fi is None or value.value.id not in fi.locals()):  # type: ignore[attr-defined]
            member = f"{value.value.id}.{value.attr}"  # type: ignore[attr-defined]
            return (wrap.format(f"{member}, a member of a plain Enum"),
                    f"{member}.value, and {value.value.id}(x) after the step")  # type: ignore[attr-defined]
        if t is ast.Lambda and depth == 0:  # a list of functions may be branches built for later: silent
            return "a function", "its result, not the function"
        if depth > 3:
            return None
        if t is ast.List or t is ast.Tuple:
            inner = "a list that holds {}" if t is ast.List else "a tuple that holds {}"
            for e in value.elts:  # type: ignore[attr-defined]
                found = self.unserializable(e.value if type(e) is ast.Starred else e, fi, local_kinds, later,
                                            depth + 1, wrap.format(inner))
                if found:
                    return found
            return None
        if t is ast.Dict:
            if any(type(k) is ast.Tuple for k in value.keys):  # type: ignore[attr-defined]
                return wrap.format("a dict with tuple keys"), "string keys"
            for k, v in zip(value.keys, value.values, strict=True):  # type: ignore[attr-defined]
                found = self.unserializable(v, fi, local_kinds, later, depth + 1,
                                            wrap.format("a dict that holds {}") if k is not None else wrap)
                if found:
                    return found
            return None
        if t is ast.ListComp or t is ast.DictComp:
            elt = value.elt if t is ast.ListComp else value.value  # type: ignore[attr-defined]
            outer = wrap.format("a list that holds {}" if t is ast.ListComp else "a dict that holds {}")
            gens = value.generators  # type: ignore[attr-defined]
            if type(elt) is ast.Name and len(gens) == 1 and type(gens[0].target) is ast.Name \
                    and gens[0].target.id == elt.id:  # type: ignore[attr-defined]
                # `{q.carrier: q for q in fetch_quotes()}`: the items of a list of instances
                found = self.unserializable(gens[0].iter, fi, local_kinds, None, depth + 1)
                if found and "a list that holds " in found[0]:
                    return outer.format(found[0].rsplit("a list that holds ", 1)[1]), found[1]
                return None
            return self.unserializable(elt, fi, local_kinds, later, depth + 1, outer)
        if t is ast.IfExp:
            return (self.unserializable(value.body, fi, local_kinds, later, depth + 1, wrap)  # type: ignore[attr-defined]
                    or self.unserializable(value.orelse, fi, local_kinds, later, depth + 1, wrap))  # type: ignore[attr-defined]
        if t is ast.Name:
            if depth == 0 and value.id in self.scope and (fi is None or value.id not in fi.locals()) \
                    and self.lookup(fi, value.id) is self.scope[value.id]:  # type: ignore[attr-defined]
                return "a function", "its result, not the function"
            return None
        if t is not ast.Call:
            return None
        func = value.func  # type: ignore[attr-defined]
        if type(func) is ast.Attribute:
            body = _STREAMING_BODY.get(func.attr)
            if body and self.kind_of(func.value, local_kinds) == "aws":
                what = "an S3 get_object response" if body == "Body" else "a Lambda invoke response"
                return (wrap.format(f"{what}, whose {body} is a stream"),
                        f"{_code(value, 50)}[\"{body}\"].read().decode() (read the stream in the step)")
            return None
        if type(func) is not ast.Name:
            return None
        name = func.id
        if name in C.SET_FACTORIES and name not in self.module_names:
            return wrap.format(f"a {name}"), "sorted(...) or list(...)"
        if name in self.class_nodes:
            if fi is not None and name in fi.locals():
                return None
            if name in self.plain_classes() and self.lookup(fi, name) is None:
                what, way = self._instance(name)
                return wrap.format(what), way
            # (a NamedTuple comes back as a plain tuple: fine for code that indexes or unpacks it, not for
            # code that reads its fields by name, which this check cannot tell apart)
            if self.class_kind(name) == "enum" and self.lookup(fi, name) is None:
                return wrap.format(f"a {name} member (a plain Enum)"), f".value, and {name}(x) after the step"
            return None
        target = self.lookup(fi, name)
        if target is not None:
            if target.parent is None and target.decorator is None and not isinstance(target.node, ast.Lambda) \
                    and (fi is None or name not in fi.locals()):
                found = self.helper_result(name, depth + 1)
                if found:
                    return wrap.format(f"what `{name}()` returns, {found[0]}"), found[1]
            return None
        if later is not None and name in self.imports and name not in self.module_names:
            later.append((value, wrap))  # type: ignore[arg-type]
        return None

    def helper_result(self, name: str, depth: int = 0) -> tuple[str, str] | None:
        """What a module-level function returns that cannot be checkpointed: from its return annotation
        (``-> Quote``, ``-> list[Quote]``), its returned expressions, or its yields (a generator)."""
        if name in self._helper_results:
            return self._helper_results[name]
        self._helper_results[name] = None  # recursion guard
        fi = self.scope[name]
        node = fi.node
        found: tuple[str, str] | None = None
        ann = node.returns if isinstance(node, ast.FunctionDef) else None
        if type(ann) is ast.Name and ann.id in _SCALARS or type(ann) is ast.Constant:  # type: ignore[attr-defined]
            pass  # `-> str`, `-> None`: taken at its word
        elif isinstance(node, ast.FunctionDef):
            if "yield" in self.text and _is_generator(node):
                found = ("a generator", "list(...) around it")
            elif node.returns is not None:
                found = self.annotation_result(node.returns)
            if found is None:
                stack: list[Any] = list(node.body)
                while stack and found is None:
                    n = stack.pop()
                    tn = type(n)
                    if tn is ast.Return:
                        if n.value is not None:
                            found = self.unserializable(n.value, None, None, None, depth)
                    elif tn in _BLOCKS:  # statements that hold statements (not nested functions or classes)
                        for f in ("body", "orelse", "finalbody", "handlers", "cases"):
                            stack.extend(getattr(n, f, ()))
        self._helper_results[name] = found
        return found

    def annotation_result(self, ann: ast.expr) -> tuple[str, str] | None:
        """``Quote``, ``list[Quote]``, ``dict[str, Quote]``, ``set[str]``, ``Iterator[int]``, ..."""
        if type(ann) is ast.Name:
            name = ann.id  # type: ignore[attr-defined]
            if name in self.class_nodes and name in self.plain_classes():
                return self._instance(name)
            if name in ("set", "frozenset") and name not in self.module_names:
                return f"a {name}", "sorted(...) or list(...)"
            return None
        if type(ann) is ast.Subscript:
            base = _short(ann.value, 60).rsplit(".", 1)[-1]  # type: ignore[attr-defined]
            if base in ("set", "Set", "frozenset", "FrozenSet", "AbstractSet"):
                return "a set", "sorted(...) or list(...)"
            if base in ("list", "List", "tuple", "Tuple", "dict", "Dict", "Sequence"):
                sl = ann.slice  # type: ignore[attr-defined]
                args = sl.elts if type(sl) is ast.Tuple else [sl]  # type: ignore[attr-defined]
                if base in ("dict", "Dict"):
                    args = args[1:]
                for a in args:
                    found = self.annotation_result(a)
                    if found:
                        kind = "a dict" if base in ("dict", "Dict") else (
                            "a tuple" if base in ("tuple", "Tuple") else "a list")
                        return f"{kind} that holds {found[0]}", found[1]
        return None

    def lookup(self, fi: FuncInfo | None, name: str) -> FuncInfo | None:
        while fi is not None:
            if name in fi.scope:
                return fi.scope[name]
            fi = fi.parent
        return self.scope.get(name)

    # -- diagnostics ---------------------------------------------------------------------------

    def ignored_lines(self) -> set[int]:
        """Lines a `durable-lint: ignore` comment covers (its own, and the next for a comment alone)."""
        if self._ignored is None:
            self._ignored = set()
            if "durable-lint" in self.text:
                for i, line in enumerate(self.text.splitlines(), 1):
                    if "durable-lint" in line:
                        self._ignored.add(i)
                        if line.lstrip().startswith("#"):
                            self._ignored.add(i + 1)
        return self._ignored

    def emit(self, rule: str, node: ast.AST, message: str, fix: str, severity: Severity | None = None,
             short: str | None = None, guide: str | None = None) -> None:
        """``message`` says what and why; the diagnostic's message adds the short fix and the guide
        section, its ``fix`` field is the full fix."""
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + 1
        end_line = getattr(node, "end_lineno", None) or line
        end_col = (getattr(node, "end_col_offset", None) or col) + 1
        self.diagnostics.append(Diagnostic(self.path, line, col, end_line, end_col, rule,
                                           severity or RULES[rule].severity, code_message(rule, message, short, guide),
                                           fix))

    # -- function analysis ---------------------------------------------------------------------

    def _analyze(self, fi: FuncInfo, role: str, inherited: frozenset[str]) -> None:
        if fi.done:
            return
        fi.done = True
        fi.role = role
        v = FunctionVisitor(self, fi, role, inherited)
        v.run()
        nonidempotent = self.nonidempotent.get(fi.qualname) if role == "plain" else None
        written = self.module_writers.get(fi.qualname) if role == "plain" else None
        module_write = (written, "") if written is not None and not _memoizes(
            ast.get_source_segment(self.text, fi.node) or "", written) else None
        slept = self.sleepers.get(fi.qualname) if role == "plain" else None
        sleep = (slept, "") if slept is not None else None
        if role == "plain" and (v.impurity or v.calls or nonidempotent or module_write or sleep):
            self.functions[fi.qualname] = FunctionSummary(fi.qualname, getattr(fi.node, "lineno", 1),
                                                          v.impurity, v.calls, nonidempotent, module_write,
                                                          sleep, generator=_is_generator(fi.node),
                                                          is_async=isinstance(fi.node, ast.AsyncFunctionDef))

    def assign_role(self, fi: FuncInfo, role: str, inherited: frozenset[str], *, ctx_params: set[str] | None = None,
                    serdes: bool = False, no_retry: bool = False, defer: bool) -> None:
        if fi.done:
            return
        if fi.role is None or (fi.decorator is None and fi.role == "orch" and role != "orch"):
            fi.role = role
            if ctx_params is not None:
                fi.ctx_params = ctx_params
            elif role == "child":
                params = fi.positional()
                fi.ctx_params = {params[0]} if params else set()
            fi.serdes = serdes
            fi.no_retry = no_retry
        elif fi.role == role:
            fi.serdes = fi.serdes and serdes
            fi.no_retry = fi.no_retry and no_retry
        fi.inherited = inherited
        if not defer:
            self.worklist.append(fi)


def _tail_statements(body: list[ast.stmt], may_run_operations: Any) -> list[ast.stmt]:
    """The statements of a handler's or child body after which no durable operation can run:
    earlier invocations suspend at (or before) an operation, so such code runs once, in the invocation
    that completes the body, and is never replayed. ``may_run_operations(stmt)`` is conservative (any
    call that could start an operation counts). Loops, try/except/finally, return, raise, break and
    continue are followed; anything unknown counts as "an operation may follow"."""
    tail: list[ast.stmt] = []

    def block(stmts: list[ast.stmt], follow: bool, escape: bool, cont: bool, brk: bool) -> bool:
        """Marks a block given whether operations may run after it; returns whether any may run from
        its start. escape: after a return/raise; cont/brk: after continue/break of the nearest loop."""
        for s in reversed(stmts):
            t = type(s)
            if t is ast.Return or t is ast.Raise:
                follow = escape or may_run_operations(s)
            elif t is ast.Continue:
                follow = cont
            elif t is ast.Break:
                follow = brk
            elif t is ast.If:
                follow = block(s.body, follow, escape, cont, brk) | block(s.orelse, follow, escape, cont, brk) \
                    | may_run_operations(s.test)
            elif t is ast.For or t is ast.AsyncFor or t is ast.While:
                loop_ops = may_run_operations(s)
                after = block(s.orelse, follow, escape, cont, brk) or follow
                block(s.body, after or loop_ops, escape, after or loop_ops, after)
                follow = after or loop_ops
            elif t is ast.With or t is ast.AsyncWith:
                follow = block(s.body, follow, escape, cont, brk) or any(
                    may_run_operations(i.context_expr) for i in s.items)
            elif t is ast.Try or t.__name__ == "TryStar":
                fin = block(s.finalbody, follow, escape, cont, brk)  # type: ignore[attr-defined]
                out = follow or fin
                handlers = False
                for h in s.handlers:  # type: ignore[attr-defined]
                    handlers |= block(h.body, out, escape or fin, cont or fin, brk or fin)
                orelse = block(s.orelse, out, escape or fin, cont or fin, brk or fin)  # type: ignore[attr-defined]
                follow = block(s.body, out or orelse or handlers, escape or fin or handlers,  # type: ignore[attr-defined]
                               cont or fin or handlers, brk or fin or handlers) or handlers or fin
            elif t is ast.Match:
                arms = False
                for case in s.cases:  # type: ignore[attr-defined]
                    arms |= block(case.body, follow, escape, cont, brk)
                follow = follow or arms or may_run_operations(s.subject)  # type: ignore[attr-defined]
            elif t is ast.FunctionDef or t is ast.AsyncFunctionDef or t is ast.ClassDef:
                pass  # defining runs nothing (decorators aside, which do not start operations)
            else:
                if not follow and not may_run_operations(s):
                    tail.append(s)
                    continue
                follow = True
            if not follow:
                tail.append(s)
        return follow

    block(body, False, False, True, True)
    return tail


class _TailState:
    """What a handler's or child body's visitor gathers to find its code after the last operation
    (one attribute on the visitor: more instance attributes would slow every attribute access)."""

    __slots__ = ("marks", "exits", "reports", "carriers")

    def __init__(self) -> None:
        self.marks: list[tuple[int, int]] = []  # where an operation may start
        self.exits: list[tuple[int, int]] = []  # return/raise/break/continue
        self.reports: list[tuple[tuple[int, int], Any]] = []  # (position, diagnostic or deferred)
        self.carriers: set[str] = set()  # names holding a value built from the context (`wf = Workflow(ctx)`)


class _Terminal:
    """A handler's or child body's terminal results so far (see FunctionVisitor.result_value)."""

    __slots__ = ("work", "results", "held")

    def __init__(self) -> None:
        self.work = 0  # durable operations and calls handing a context to a helper, so far
        self.results: list[tuple[ast.AST, int]] = []  # terminal results, work count at their end
        self.held: list[tuple[ast.expr, ast.AST, int, list[Any]]] = []  # (target, assignment, work, pending)


def _print_fix(call: ast.Call, ctx: str) -> str | None:
    """DUR020's fix for print(...) as code: the durable logger takes one message (more arguments are
    %-style values for it, so `logger.info(a, b)` fails to format and loses the line)."""
    if call.keywords or not call.args or any(type(a) is ast.Starred for a in call.args):
        return None
    if len(call.args) == 1:
        message = ast.unparse(call.args[0])
    else:
        parts = []
        for a in call.args:
            if type(a) is ast.Constant and isinstance(a.value, str):  # type: ignore[attr-defined]
                parts.append(a.value.replace("{", "{{").replace("}", "}}"))  # type: ignore[attr-defined]
            else:
                parts.append("{" + ast.unparse(a) + "}")
        joined = " ".join(parts)
        if '"' in joined or "\\" in joined or "\n" in joined:
            return None
        message = f'f"{joined}"'
    if len(message) > 80:
        return None
    return f"use {ctx}.logger.info({message}), which is replay-aware (one message: it takes no print-style arguments)"


def _returns_sequence(fn: ast.AST) -> bool:
    """Whether a function returns a list or tuple literal or comprehension (its own returns only)."""
    if isinstance(fn, ast.Lambda):
        return isinstance(fn.body, (ast.List, ast.ListComp, ast.Tuple))
    stack: list[ast.AST] = list(getattr(fn, "body", []))
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Return) and isinstance(n.value, (ast.List, ast.ListComp, ast.Tuple)):
            return True
        if not isinstance(n, (*_FUNC_TYPES, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(n))
    return False


def _set_inside(expr: ast.expr) -> ast.expr:
    """The set in `list(s)` / `tuple(s)`, else expr."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("list", "tuple") \
            and len(expr.args) == 1:
        expr = expr.args[0]
    return expr


def loop_key(loop: ast.For | ast.AsyncFor) -> str:
    """What tells one iteration of a for loop from another in a step name, as f-string fields: what the
    loop's own operations already name their steps with (`{contact_id}`), else an id-like key or field of
    the loop variable (`{record['id']}`: the variable itself may be a whole record), else the variable
    (the first of a tuple: `for i, x in enumerate(...)`), else ""."""
    target = loop.target
    names = [target.id] if type(target) is ast.Name else [  # type: ignore[attr-defined]
        e.id for e in getattr(target, "elts", ()) if type(e) is ast.Name]  # type: ignore[attr-defined]
    if not names:
        return ""
    keyed = ""
    for stmt in loop.body:
        for n in ast.walk(stmt):
            if type(n) is ast.Call:
                for kw in n.keywords:  # type: ignore[attr-defined]
                    if kw.arg == "name" and type(kw.value) is ast.JoinedStr:
                        fields = [ast.unparse(v.value) for v in kw.value.values  # type: ignore[attr-defined]
                                  if type(v) is ast.FormattedValue]
                        if fields and all("\"" not in f for f in fields):
                            return "-".join("{" + f + "}" for f in fields)
            elif not keyed and type(n) is ast.Subscript and type(n.value) is ast.Name \
                    and n.value.id in names and type(n.slice) is ast.Constant \
                    and isinstance(n.slice.value, str) and ID_KEY.search(n.slice.value):  # type: ignore[attr-defined]
                keyed = "{" + f"{n.value.id}['{n.slice.value}']" + "}"  # type: ignore[attr-defined]
            elif not keyed and type(n) is ast.Attribute and type(n.value) is ast.Name \
                    and n.value.id in names and ID_KEY.search(n.attr):  # type: ignore[attr-defined]
                keyed = "{" + f"{n.value.id}.{n.attr}" + "}"  # type: ignore[attr-defined]
    return keyed or "{" + names[0] + "}"


class FunctionVisitor:
    """Walks one function body in one role; nested step/child functions get their own visitor."""

    # `x = <value>` being visited, and the one each DUR001/DUR002 node was found in (its fix names
    # the step after x, so that two applied fixes do not share a name: DUR030). Like the fields below,
    # an empty class-level value until a report needs one (most functions never do).
    assigning: ast.Assign | ast.AnnAssign | None = None
    assigned: Mapping[int, tuple[str, ast.expr]] = MappingProxyType({})
    fix_names: AbstractSet[str] = frozenset()  # step names the fixes given so far proposed (no DUR030)
    # DUR001/DUR002 reported in `x = ...`, and how often a non-deterministic name (DUR030) reads x:
    # when names are x's only uses, DUR030 says it all (one cause, one diagnostic)
    source_diags: Sequence[tuple[str, Diagnostic]] = ()
    name_uses: Mapping[str, int] = MappingProxyType({})
    clock_reads: Sequence[tuple[ast.AST, Diagnostic]] = ()  # DUR001 on monotonic & co
    # Where a clock/random value only matters little (see _SOFT_WHY): "log" inside a logger call's
    # arguments, "wait" inside a wait's duration; the arguments seen, and the kind each read was in
    soft: str | None = None
    soft_args: Sequence[tuple[str, ast.AST]] = ()
    soft_of: Mapping[int, str] = MappingProxyType({})
    tail: _TailState | None = None  # in a handler's or child body's own code (see drop_tail_reports)

    def __init__(self, m: ModuleAnalyzer, fi: FuncInfo, role: str, inherited: frozenset[str]) -> None:
        self.m = m
        self.fi = fi
        self.role = role
        self.orch = role in ORCH_ROLES
        own = set(fi.ctx_params) if role in ORCH_ROLES else set()
        if role in STEP_ROLES:
            own = set()
        self.own_ctx = own
        self.parent_ctx = set(inherited).difference(fi.params) if inherited else set()
        if role in STEP_ROLES and not isinstance(fi.node, ast.Lambda):
            # `def outer(ctx: StepContext, context: DurableContext)` called as `outer(context)`: its
            # durable operations run inside the step (DUR010), like a closure's.
            a = fi.node.args
            for p in (*a.args, *a.kwonlyargs) if a.kwonlyargs else a.args:
                ann = p.annotation
                t = type(ann)
                if ann is None or (t is ast.Name and ann.id not in m.imports and ann.id != "DurableContext") \
                        or (t is ast.Attribute and ann.attr != "DurableContext"):  # type: ignore[union-attr]
                    continue  # cheap: not a DurableContext
                if m._is_context_annotation(ann):
                    self.parent_ctx.add(p.arg)
        self.ctxs: set[str] = own | self.parent_ctx
        # a closure sees the enclosing function's clients (`events = boto3.client(...)` in the handler)
        self.local_kinds: dict[str, str] = {k: v for k, v in fi.outer_kinds.items() if k not in fi.locals()} \
            if fi.outer_kinds else {}
        # names holding a non-deterministic value; module constants from the clock or randomness too
        self.taint: set[str] = set(m.clock_globals()) - set(fi.positional()) if self.orch and m.consts else set()
        # names holding an environment value; module constants (`FAST_PATH = os.environ.get("X")`) too:
        # a condition on one in orchestration code is DUR004 like a direct read
        self.env_taint: set[str] = set(m.env_globals()) - set(fi.positional()) if self.orch else set()
        self.env_reported: set[str] = set()
        self.cond_taint = 0
        # conditions whose clock/random/read value is not reported where it is read (kept with a
        # `durable-lint: ignore` comment): only those get DUR006, one cause giving one diagnostic
        self.cond_hidden = 0
        self.hidden_names: set[str] = set()
        self.in_test = 0
        self.set_loops: list[list[Any]] = []
        self.loop_names: set[str] = set()  # names bound by the loops visited so far (see _may_orchestrate)
        self.loop_vars: list[ast.For | ast.AsyncFor] = []  # the for loops around the code being visited
        self.loop_of: dict[int, str] = {}  # a DUR001/DUR002 node reported later -> its loop's loop_key
        self.returned_lambdas: set[int] = set()  # lambdas a plain function returns: they run where called
        self.ops = 0
        self.source_hit = False
        self.taint_hit = False
        self.env_hit = False
        self.nonlocals: set[str] = set()
        self.impurity: tuple[str, str] | None = None
        self.calls: list[tuple[str, str]] = []
        self.branch: tuple[tuple[int, int], ...] = ()
        self.after_if: tuple[tuple[int, int], ...] = ()
        self.names: dict[str, list[tuple[tuple[tuple[int, int], ...], ast.AST]]] = {}
        self.nested: list[FuncInfo] = []
        self.in_threading = 0
        self.set_names: set[str] = set()
        # Terminal results (see result_value): only in a handler's or child body's own scope.
        # (Few attributes: past 30, CPython 3.11 stops sharing instance dict keys and every access slows.)
        self.term = _Terminal() if fi.result_body and not fi.handed_ctx and role in ORCH_ROLES else None
        self.pending: list[Any] | None = None  # DUR001/DUR002 reports and DUR005 calls held back
        # `x = <value>` being visited, and the one each DUR001/DUR002 node was found in (its fix names
        # the step after x, so that two applied fixes do not share a name: DUR030)

    @property
    def retrying(self) -> bool:
        """Step-wrapped code that the SDK retries (DUR035)."""
        return self.role in ("step", "submitter") and not self.fi.no_retry

    @property
    def ctx(self) -> str:
        for name in sorted(self.own_ctx or self.ctxs):
            return name
        return "context"

    # -- driving -------------------------------------------------------------------------------

    def run(self) -> None:
        node = self.fi.node
        if isinstance(node, ast.Lambda):
            self.result_value(node.body)
            if self.role in ("step", "child") and not self.fi.serdes:
                self.check_result(node.body)
        else:
            if self.term is not None:
                self.tail = _TailState()
            self.body(node.body)  # decorators run at definition time, not in this scope
        if self.term is not None and self.term.held:
            self.release_held(self.term)
        self.finish_nested()
        self.report_duplicate_names()
        if self.names or self.fix_names:
            self.m.op_names.update(self.names, self.fix_names)
        if self.name_uses and self.source_diags:
            self.names_only()
        if len(self.clock_reads) > 1:
            self.timing_pairs()
        if self.soft_args and self.source_diags:
            self.soft_only()
        if self.tail is not None and self.tail.reports:
            self.drop_tail_reports(self.tail)

    def soft_only(self) -> None:
        """``started = time.monotonic()`` read only in logger calls, or ``delay = 60 + random.randint(0, 30)``
        read only in wait durations: a warning, like the same read written inline there."""
        loads: dict[str, int] = {}
        for n in ast.walk(self.fi.node):
            if type(n) is ast.Name and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                loads[n.id] = loads.get(n.id, 0) + 1  # type: ignore[attr-defined]
        inside: dict[tuple[str, str], int] = {}
        for kind, arg in self.soft_args:
            for n in ast.walk(arg):
                if type(n) is ast.Name and type(n.ctx) is ast.Load:  # type: ignore[attr-defined]
                    inside[(kind, n.id)] = inside.get((kind, n.id), 0) + 1  # type: ignore[attr-defined]
        swap: dict[int, Diagnostic] = {}
        for var, diag in self.source_diags:
            if diag.severity != "error" or not loads.get(var):
                continue
            for kind in ("log", "wait"):
                why = _SOFT_WHY.get((kind, diag.rule))
                if why and inside.get((kind, var)) == loads[var] and _WHY[diag.rule] in diag.message:
                    swap[id(diag)] = dataclasses.replace(diag, severity="warning",
                                                         message=diag.message.replace(_WHY[diag.rule], why))
                    break
        if swap:
            self.m.diagnostics[:] = [swap.get(id(d), d) for d in self.m.diagnostics]

    def timing_pairs(self) -> None:
        """One DUR001 per timing pair: ``started = time.monotonic()`` is reported, the
        ``time.monotonic() - started`` that ends it is not (the first one's fix covers both)."""
        starts: dict[str, str] = {}
        for node, _d in self.clock_reads:
            assigned = self.assigned.get(id(node))
            if assigned is not None and assigned[1] is node:
                starts[assigned[0]] = self.m.qual(node.func) or ""  # type: ignore[attr-defined]
        if not starts:
            return
        lines = self.m.source_lines()
        drop: set[int] = set()
        for node, diag in self.clock_reads:
            line, end = getattr(node, "end_lineno", 0), getattr(node, "end_col_offset", 0)
            if not 0 < line <= len(lines) or id(node) in self.assigned and self.assigned[id(node)][1] is node:
                continue
            rest = lines[line - 1].encode()[end:].decode("utf-8", "replace")
            hit = re.match(r"\s*-\s*([A-Za-z_]\w*)\b(?!\s*[.(\[])", rest)
            if hit and starts.get(hit.group(1)) == self.m.qual(node.func):  # type: ignore[attr-defined]
                drop.add(id(diag))
        if drop:
            self.m.diagnostics[:] = [d for d in self.m.diagnostics if id(d) not in drop]

    def names_only(self) -> None:
        """Drops DUR001/DUR002 on ``label = f"snap-{datetime.now()}"`` when ``label`` is assigned once
        and read only in operation names, each already DUR030 (as for a read inside the name)."""
        loads: dict[str, int] = {}
        stores: dict[str, int] = {}
        for n in ast.walk(self.fi.node):
            if type(n) is ast.Name:
                d = loads if type(n.ctx) is ast.Load else stores  # type: ignore[attr-defined]
                d[n.id] = d.get(n.id, 0) + 1  # type: ignore[attr-defined]
        drop = {id(diag) for var, diag in self.source_diags
                if self.name_uses.get(var) and stores.get(var) == 1 and loads.get(var) == self.name_uses[var]}
        if drop:
            self.m.diagnostics[:] = [d for d in self.m.diagnostics if id(d) not in drop]

    def finish_nested(self) -> None:
        for nf in self.nested:
            if nf.done:
                continue
            if nf.role is None:
                if self.ctxs and self.role not in STEP_ROLES and self._references(nf, self.ctxs):
                    nf.role = "orch" if self.role == "orch" else self.role
                else:
                    nf.role = "plain" if self.role not in STEP_ROLES else "step"
            inherited = frozenset(self.ctxs)
            self.m._analyze(nf, nf.role, inherited)

    @staticmethod
    def _references(fi: FuncInfo, names: set[str]) -> bool:
        return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(fi.node))

    def body(self, stmts: list[ast.stmt]) -> tuple[tuple[int, int], ...]:
        """Visits a block; returns the branch arms its end is reached through (see v_if)."""
        saved = self.branch
        visit = self.visit
        for s in stmts:
            visit(s)
            if (type(s) is ast.If or type(s) is ast.Try) and self.after_if:  # v_if/v_try has just set after_if
                self.branch = self.branch + self.after_if
        if self.branch is saved:
            return ()
        tail = self.branch[len(saved):]
        self.branch = saved
        return tail

    def visit(self, node: ast.AST) -> None:
        t = type(node)
        method = _DISPATCH.get(t)
        if method is not None:
            method(self, node)
            return
        fields = _CHILDREN.get(t)
        if fields is None:
            fields = _CHILDREN[t] = tuple(f for f in t._fields if f not in _NOT_CHILDREN)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def generic(self, node: ast.AST) -> None:
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    # -- statements ----------------------------------------------------------------------------

    def v_funcdef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for d in node.decorator_list:  # a nested function's decorators run in this scope
            self.visit(d)
        fi = self.m.lookup(self.fi, node.name)
        if fi is not None and fi.node is node:
            self.nested.append(fi)

    def v_classdef(self, node: ast.ClassDef) -> None:
        for b in node.bases:
            self.visit(b)

    def v_lambda(self, node: ast.Lambda) -> None:
        # A lambda not handed to a durable operation runs in this scope (sorted(key=...), map(...)).
        if id(node) not in self.m.own_scope_lambdas and id(node) not in self.returned_lambdas:
            self.visit(node.body)

    def v_global(self, node: ast.Global | ast.Nonlocal) -> None:
        self.nonlocals.update(node.names)

    def v_assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        value = node.value
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if value is None:
            return
        fi = None
        if isinstance(value, ast.Lambda) and len(targets) == 1 and isinstance(targets[0], ast.Name):
            fi = self.m.lookup(self.fi, targets[0].id)
            if fi is not None and fi.node is value:
                self.nested.append(fi)
        if self.orch and len(targets) == 1 and type(targets[0]) is ast.Name and \
                targets[0].id in self.m.branch_lists(self.fi):
            self.stored_branches(value)
        elif self.orch and type(value) in (ast.Dict, ast.List, ast.Tuple, ast.Set) and self.m.lambda_within(value) or (
                self.orch and type(value) is ast.Lambda and type(targets[0]) in (ast.Subscript, ast.Attribute)):
            key = None
            t0 = targets[0]
            if isinstance(t0, ast.Attribute):
                key = t0.attr
            elif isinstance(t0, ast.Subscript) and isinstance(t0.slice, ast.Constant) and isinstance(t0.slice.value, str):
                key = t0.slice.value
            self.stored_closures(value, key)
        saved = (self.source_hit, self.taint_hit, self.env_hit)
        self.source_hit = self.taint_hit = self.env_hit = False
        assigning = self.assigning
        self.assigning = node
        if fi is None:
            term = self.term
            if term is not None and self.pending is None and len(targets) == 1 and type(targets[0]) is ast.Name:
                self.pending = []  # `x = <expr>`: held back until x's uses are known (release_held)
                self.visit(value)
                held, self.pending = self.pending, None
                if held:
                    term.held.append((targets[0], node, term.work, held))
            else:
                self.visit(value)
        self.assigning = assigning
        tainted, env = self.source_hit or self.taint_hit, self.env_hit
        self.source_hit, self.taint_hit, self.env_hit = saved[0] or self.source_hit, saved[1] or self.taint_hit, \
            saved[2] or self.env_hit
        kind = self.m.kind_of(value, self.local_kinds)
        if self.tail is not None and type(value) is ast.Call and self.ctxs and (
                self._hands_ctx(value) or _creates_callback(value, self.ctxs)):  # type: ignore[arg-type]
            # `wf = Workflow(context)`: calling wf's methods later may run operations; and
            # `cb = context.create_callback(...)`: `cb.result()` suspends until the callback completes
            self.tail.carriers.update(t.id for t in targets if type(t) is ast.Name)  # type: ignore[attr-defined]
        hidden = bool(tainted and self.hidden(value))
        for t in targets:
            self.bind_target(t, value, tainted, env, kind)
            if hidden or self.hidden_names:  # most functions have none: no walk over every target
                for n in (t,) if type(t) is ast.Name else ast.walk(t):
                    if isinstance(n, ast.Name):
                        if hidden:
                            self.hidden_names.add(n.id)
                        else:
                            self.hidden_names.discard(n.id)
            if isinstance(node, ast.AnnAssign) and isinstance(t, ast.Name) and node.annotation is not None \
                    and self.m._is_context_annotation(node.annotation):
                self.ctxs.add(t.id)

    def bind_target(self, t: ast.AST, value: ast.AST | None, tainted: bool, env: bool, kind: str | None) -> None:
        if isinstance(t, ast.Name):
            name = t.id
            if isinstance(value, ast.Name) and value.id in self.ctxs:
                self.ctxs.add(name)
                if value.id in self.own_ctx:
                    self.own_ctx.add(name)
                elif value.id in self.parent_ctx:
                    self.parent_ctx.add(name)
            elif name in self.ctxs:  # rebinding ends the name's context role
                self.ctxs.discard(name)
                self.own_ctx.discard(name)
                self.parent_ctx.discard(name)
            if tainted:
                self.taint.add(name)
            else:
                self.taint.discard(name)
            if env:
                self.env_taint.add(name)
            else:
                self.env_taint.discard(name)  # rebound to something else (a module constant shadowed)
            if kind:
                self.local_kinds[name] = kind
            if value is not None and self.orch and self.is_set(value):  # type: ignore[arg-type]
                self.set_names.add(name)
            else:
                self.set_names.discard(name)
            if name in self.nonlocals:
                self.outer_write(t, name)
        elif isinstance(t, (ast.Tuple, ast.List)):
            values: Sequence[ast.expr | None] = value.elts if isinstance(value, (ast.Tuple, ast.List)) and \
                len(value.elts) == len(t.elts) else [None] * len(t.elts)  # type: ignore[list-item]
            for sub, val in zip(t.elts, values, strict=False):
                self.bind_target(sub, val, tainted, env, self.m.kind_of(val, self.local_kinds) if val else None)
        elif isinstance(t, ast.Starred):
            self.bind_target(t.value, None, tainted, env, None)
        elif isinstance(t, (ast.Subscript, ast.Attribute)):
            self.visit(t.value)
            if isinstance(t, ast.Subscript):
                self.visit(t.slice)
            base = t.value
            while isinstance(base, (ast.Subscript, ast.Attribute)):
                base = base.value
            if isinstance(base, ast.Name):
                self.outer_write(t, base.id)

    def v_augassign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        t = node.target
        if isinstance(t, ast.Name):
            if t.id in self.nonlocals:
                counts = type(node.op) in (ast.Add, ast.Sub) and type(node.value) is ast.Constant \
                    and node.value.value == 1
                self.outer_write(t, t.id, counter=counts)
        else:
            self.bind_target(t, None, False, False, None)

    def v_delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            if isinstance(t, (ast.Subscript, ast.Attribute)):
                self.bind_target(t, None, False, False, None)

    def outer_write(self, node: ast.AST, name: str, counter: bool = False) -> None:
        """A write through ``name``: DUR012 in step/child code, DUR013 for module state from orchestration."""
        if self.role == "plain":
            # module state a top-level function writes: DUR012 where step or child code calls it
            if self.fi.parent is None and self.fi.qualname not in self.m.module_writers and (
                    name in self.nonlocals and name in self.m.module_names or
                    name in self.m.mutable_globals and name not in self.fi.locals()):
                self.m.module_writers[self.fi.qualname] = name
            return
        is_local = name in self.fi.locals() and name not in self.nonlocals
        if is_local and (self.role, self.fi.decorator) in (("step", "durable_step"), ("child", "durable_with_child_context")) \
                and node is not None and not isinstance(node, ast.Name) and name in self.fi.params[1:]:
            self.m.param_writes.setdefault(id(self.fi), []).append((node, name))
            self.m.step_funcs[id(self.fi)] = self.fi
            return
        if is_local or name in self.ctxs:
            return
        if name in self.m.imports or name in self.m.kinds or name in self.local_kinds:
            return
        if self.role in STEP_ROLES or self.role == "child":
            if name in self.m.module_names and name not in self.m.mutable_globals and name not in self.nonlocals:
                return
            written = f"this assigns `{name}`" if isinstance(node, ast.Name) else f"`{_short(node, 40)}` writes `{name}`"
            fix = "return the value from the step or child and assign its result in orchestration code"
            if self.role == "child" and id(self.fi.node) in self.m.map_items:
                # one item's body: the map's BatchResult has every item's value, and counts
                fix = ("return the item's value from the item function and derive it from the map's result in "
                       "orchestration code: batch = context.map(...), then batch.get_results() (values), "
                       "batch.success_count (a count)")
            if counter and self.role == "step":  # `attempts += 1`: the SDK counts a step's attempts itself
                fix = ("to count the step's attempts, read the attempt number the SDK passes in (the step "
                       "context's `attempt`, 1 on the first run); else " + fix)
            self.m.emit("DUR012", node,
                        f"{written}, which lives outside this "
                        f"{'step' if self.role in STEP_ROLES else 'child context'}: on replay the "
                        "checkpointed result is returned without running the body, so the write is lost", fix)
            # kept only if code outside this function reads it (see _unread_outer_writes)
            self.m.outer_writes.append((self.m.diagnostics[-1], name, self.fi.node))
            return
        if self.role in ORCH_ROLES and (name in self.m.mutable_globals or
                                        (name in self.nonlocals and name in self.m.module_names)):
            written = f"this assigns `{name}`, module-level state," if isinstance(node, ast.Name) else \
                f"`{_short(node, 40)}` writes module-level state `{name}`"
            self.m.emit("DUR013", node,
                        f"{written} from orchestration code: it "
                        "survives between invocations of a warm container, so replays see different values",
                        "keep the state in local variables or in step results")

    def v_if(self, node: ast.If | ast.While) -> None:
        tainted = self.test(node.test)
        hidden = self.hidden(node.test) if tainted else 0
        self.cond_taint += tainted
        self.cond_hidden += hidden
        key = id(node)
        saved = self.branch
        self.branch = saved + ((key, 0),)
        tails = [self.body(node.body)]
        self.branch = saved + ((key, 1),)
        tails.append(self.body(node.orelse))
        self.branch = saved
        self.cond_taint -= tainted
        self.cond_hidden -= hidden
        # `if c: ...; return` - what follows the `if` runs only through the arm that does not exit,
        # so for duplicate names it sits in that arm (an `elif` chain included).
        exits = _exits(node.body), _exits(node.orelse)
        self.after_if = ()
        if type(node) is ast.If and exits[0] != exits[1]:
            arm = 1 if exits[0] else 0
            self.after_if = ((key, arm), *tails[arm])

    def test(self, expr: ast.expr) -> int:
        saved = (self.source_hit, self.taint_hit)
        self.source_hit = self.taint_hit = False
        self.in_test += 1
        self.visit(expr)
        self.in_test -= 1
        hit = self.source_hit or self.taint_hit
        self.source_hit, self.taint_hit = saved[0] or self.source_hit, saved[1] or self.taint_hit
        return 1 if hit and self.orch else 0

    def v_ifexp(self, node: ast.IfExp) -> None:
        tainted = self.test(node.test)
        hidden = self.hidden(node.test) if tainted else 0
        self.cond_taint += tainted
        self.cond_hidden += hidden
        self.visit(node.body)
        self.visit(node.orelse)
        self.cond_taint -= tainted
        self.cond_hidden -= hidden

    def v_for(self, node: ast.For | ast.AsyncFor) -> None:
        saved = (self.source_hit, self.taint_hit)
        self.source_hit = self.taint_hit = False
        self.in_test += 1  # what a loop iterates over decides how often its body runs, as a condition does
        self.visit(node.iter)
        self.in_test -= 1
        tainted = 1 if (self.source_hit or self.taint_hit) and self.orch else 0
        self.source_hit, self.taint_hit = saved[0] or self.source_hit, saved[1] or self.taint_hit
        self.bind_target(node.target, None, bool(tainted), False, None)
        _target_names(node.target, self.loop_names)
        hidden = self.hidden(node.iter) if tainted else 0
        if hidden:
            self.hidden_names.update(n.id for n in ast.walk(node.target) if isinstance(n, ast.Name))
        is_set = self.orch and self.is_set(node.iter)
        if is_set:
            self.set_loops.append([node.iter, False])
        self.cond_taint += tainted
        self.cond_hidden += hidden
        self.loop_vars.append(node)
        self.body(node.body)
        self.loop_vars.pop()
        self.cond_taint -= tainted
        self.cond_hidden -= hidden
        if is_set:
            self.set_loops.pop()
        self.body(node.orelse)

    def is_set(self, expr: ast.expr) -> bool:
        if isinstance(expr, (ast.Set, ast.SetComp)):
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in C.SET_FACTORIES:
            return True
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("list", "tuple") \
                and len(expr.args) == 1 and not expr.keywords:
            return self.is_set(expr.args[0])  # `list(a_set)` keeps the set's order
        if isinstance(expr, ast.Name):
            v = self.m.consts.get(expr.id)
            if expr.id in self.set_names:
                return True
            return v is not None and expr.id not in self.fi.locals() and self.is_set(v)
        return False

    def v_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        pushed = 0
        tainted = hidden = 0
        for gen in node.generators:
            saved = (self.source_hit, self.taint_hit)
            self.source_hit = self.taint_hit = False
            self.visit(gen.iter)
            if (self.source_hit or self.taint_hit) and self.orch:
                tainted += 1
                hidden += self.hidden(gen.iter)
            self.source_hit, self.taint_hit = saved[0] or self.source_hit, saved[1] or self.taint_hit
            if self.orch and self.is_set(gen.iter):
                self.set_loops.append([gen.iter, False])
                pushed += 1
            _target_names(gen.target, self.loop_names)
            for cond in gen.ifs:
                self.visit(cond)
        self.cond_taint += tainted
        self.cond_hidden += hidden
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.cond_taint -= tainted
        self.cond_hidden -= hidden
        for _ in range(pushed):
            self.set_loops.pop()

    def v_with(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                kind = self.m.kind_of(item.context_expr, self.local_kinds)
                self.bind_target(item.optional_vars, None, False, False, kind)
        before = self.ops
        self.body(node.body)
        if self.orch and self.ops > before:
            # `with suppress(BaseException):` swallows the SDK's suspension like a bare except does
            for item in node.items:
                ce = item.context_expr
                if type(ce) is ast.Call and (self.m.qual(ce.func) or "") in ("contextlib.suppress", "suppress") \
                        and any((type(a) is ast.Name and a.id == "BaseException")  # type: ignore[attr-defined]
                                or self.m.qual(a) == "builtins.BaseException" for a in ce.args):  # type: ignore[attr-defined]
                    self.m.emit("DUR016", ce,
                                "`suppress(BaseException)` around durable operations swallows the SDK's "
                                "SuspendExecution signal (a BaseException), so the function cannot suspend and "
                                "replays go wrong",
                                "suppress Exception (or the specific errors) instead")
                    break

    def v_try(self, node: ast.Try) -> None:
        before = self.ops
        self.body(node.body)
        had_ops = self.ops > before
        for h in node.handlers:
            if had_ops and self.orch and self.catches_suspension(h) and not self.reraises(h):
                kind = "bare `except:`" if h.type is None else f"`except {_short(h.type, 30)}`"
                self.m.emit("DUR016", h,
                            f"{kind} around durable operations swallows the SDK's SuspendExecution signal "
                            "(a BaseException), so the function cannot suspend and replays go wrong",
                            "catch Exception (or the specific errors) instead, or re-raise with a bare `raise`")
            if h.type is not None:
                self.visit(h.type)
            saved_branch = self.branch
            if _exits(h.body):  # for duplicate names: this arm and what follows the try never both run
                self.branch = saved_branch + ((id(h), 1),)
            if self.final_handler(node, h):
                # runs once, when the execution (or the child) fails: what it does is not repeated
                n_diags, n_deferred, ops = len(self.m.diagnostics), len(self.m.deferred), self.ops
                self.body(h.body)
                if self.ops == ops:
                    self.m.diagnostics[n_diags:] = [d for d in self.m.diagnostics[n_diags:]
                                                    if d.rule not in _ONCE_RULES]
                    self.m.deferred[n_deferred:] = [d for d in self.m.deferred[n_deferred:] if d.kind != "impure"]
            else:
                self.body(h.body)
            self.branch = saved_branch
        exiting = tuple((id(h), 0) for h in node.handlers if _exits(h.body))
        saved_branch = self.branch
        self.branch = saved_branch + exiting
        self.body(node.orelse)
        self.branch = saved_branch
        self.after_if = exiting  # read by body() once this statement is done
        if not (had_ops and self.orch and node.finalbody):
            self.body(node.finalbody)
            self.after_if = exiting
            return
        # SuspendExecution (a BaseException) passes through `finally`: a durable operation there runs
        # whenever the try body suspends (a wait, a callback), before the operations that follow it
        ops = self.ops
        self.body(node.finalbody)
        self.after_if = exiting
        if self.ops == ops:
            return
        first = next((stmt for stmt in node.finalbody if any(
            type(n) is ast.Call and type(n.func) is ast.Attribute and n.func.attr in C.OPERATIONS
            and type(n.func.value) is ast.Name and n.func.value.id in self.ctxs  # type: ignore[attr-defined]
            for n in ast.walk(stmt))), node.finalbody[0])
        self.m.emit("DUR016", first,
                    "this `finally` runs a durable operation, and `finally` also runs when the SDK suspends "
                    "the function inside the `try` (a wait or callback raises SuspendExecution through "
                    "it): the operation then runs at suspension, out of order",
                    "run the cleanup after the try block, and in `except Exception: <cleanup>; raise` for "
                    "failures, not in `finally`",
                    short="move it out of finally")

    def final_handler(self, node: ast.Try, h: ast.ExceptHandler) -> bool:
        """``except Exception: ...; raise`` at the top level of the handler or a child body: it cannot see
        the SDK's suspension (a BaseException) and always re-raises, so it runs once."""
        if not (self.fi.decorator in ("durable_execution", "durable_handler") or self.role == "child"):
            return False
        if h.type is None or self.catches_suspension(h) or not h.body or not isinstance(h.body[-1], ast.Raise):
            return False
        body = getattr(self.fi.node, "body", None)
        return isinstance(body, list) and any(stmt is node for stmt in body) and \
            not any(isinstance(n, ast.Return) for stmt in h.body for n in ast.walk(stmt))

    def catches_suspension(self, h: ast.ExceptHandler) -> bool:
        t = h.type
        if t is None:
            return True
        types = t.elts if isinstance(t, ast.Tuple) else [t]
        for e in types:
            if isinstance(e, ast.Name) and e.id == "BaseException":
                return True
            if self.m.qual(e) in ("builtins.BaseException",):
                return True
        return False

    @staticmethod
    def reraises(h: ast.ExceptHandler) -> bool:
        stack: list[ast.AST] = list(h.body)
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Raise):
                if n.exc is None:
                    return True
                if h.name and isinstance(n.exc, ast.Name) and n.exc.id == h.name:
                    return True
            if isinstance(n, (*_FUNC_TYPES, ast.Lambda, ast.ClassDef)):
                continue
            stack.extend(ast.iter_child_nodes(n))
        return False

    def v_exit(self, node: ast.Raise | ast.Break | ast.Continue) -> None:
        if self.tail is not None:
            self.tail.exits.append((node.lineno, node.col_offset))
        if type(node) is ast.Raise:
            for child in (node.exc, node.cause):  # type: ignore[union-attr]
                if child is not None:
                    self.visit(child)

    def v_return(self, node: ast.Return) -> None:
        if self.tail is not None:
            self.tail.exits.append((node.lineno, node.col_offset))
        if node.value is not None:
            if self.role == "plain":
                # `return {"lookup": lambda oid: slow_lookup(oid)}`: a factory's caller gets the lambda, and
                # what it does happens where it is called, not in this function (its summary)
                value = node.value
                parts = value.values if type(value) is ast.Dict else \
                    value.elts if type(value) in (ast.List, ast.Tuple, ast.Set) else [value]  # type: ignore[attr-defined]
                self.returned_lambdas.update(id(p) for p in parts if type(p) is ast.Lambda)
            self.result_value(node.value)
            if self.role in ("step", "child") and not self.fi.serdes and self.fi.decorator != "durable_parallel_branch":
                self.check_result(node.value)

    def result_value(self, value: ast.expr) -> None:
        """A handler's or child body's result: a clock read or random id in it (directly or through a
        project helper) is computed in the invocation that completes, and the result is checkpointed
        once, so it is not reported; unless the expression also runs a durable operation or hands the
        context to a helper."""
        term = self.term
        if term is None or self.pending is not None:
            self.visit(value)
            return
        w0 = term.work
        self.pending = []
        self.visit(value)
        held, self.pending = self.pending, None
        if term.work == w0:
            term.results.append((value, w0))
            _drop(held)
        else:
            self.flush(held)

    def flush(self, held: list[Any]) -> None:
        for item in held:
            if type(item) is tuple:
                self.report_source(*item)

    def release_held(self, term: _Terminal) -> None:
        """``x = <expr>`` whose every use is in a terminal result (result_value) after it, with no
        durable operation or context hand-off in between, is terminal too; anything else is reported.
        Uses are found in the function's text (nested functions, strings and comments included: a
        stray mention only keeps the finding), which is cheaper than another walk of its tree."""
        m = self.m
        node = self.fi.node
        lines: list[str] = []
        for target, assign, work, held in term.held:
            name = target.id  # type: ignore[attr-defined]
            results = [r for r, w in term.results if w == work]
            if not results or name in self.nonlocals:
                self.flush(held)
                continue
            if not lines:
                if m.lines is None:
                    m.lines = m.text.split("\n")
                lines = m.lines[node.lineno - 1: node.end_lineno or node.lineno]
            end = (assign.end_lineno or assign.lineno, assign.end_col_offset or 0)
            tpos = (target.lineno, target.col_offset)
            word = re.compile(r"(?<![\w.])" + re.escape(name) + r"(?!\w)")
            uses = 0
            ok = True
            for i, line in enumerate(lines):
                if not ok:
                    break
                if name not in line:
                    continue
                ln = node.lineno + i
                for hit in word.finditer(line):
                    col = hit.start() if line.isascii() else len(line[: hit.start()].encode())
                    pos = (ln, col)
                    if pos == tpos:
                        continue
                    if pos < end or not any(_within(r, pos, col + len(name)) for r in results):
                        ok = False
                        break
                    uses += 1
            if ok and uses:
                _drop(held)
            else:
                self.flush(held)
        term.held = []

    def check_result(self, value: ast.expr) -> None:
        """DUR034: results the default serializer cannot round-trip."""
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            name = value.func.id
            target = self.m.lookup(self.fi, name)
            if target is not None and target.decorator == "durable_step" and self.role == "step" \
                    and isinstance(self.fi.node, ast.Lambda):
                # `context.step(lambda _: charge(x))`: the step returns the callable, and charge never runs
                outer = min(self.parent_ctx) if self.parent_ctx else "context"
                self.m.emit("DUR034", value,
                            f"this step returns `{name}(...)`, which is not the step's result but the callable "
                            "@durable_step builds: it never runs and a function cannot be checkpointed",
                            f"pass the decorated call to the step itself: {outer}.step({_short(value, 40)})",
                            short=f"pass it to {outer}.step(...)")
                return
            if target is not None and target.decorator in _OPERATION_DECORATORS and self.role == "child":
                # calling a decorated function only builds the operation's callable; nothing runs it
                op = _OPERATION_DECORATORS[target.decorator]
                ctx, first = self.ctx, ""
                node = self.fi.node
                if isinstance(node, ast.Lambda) and node.args.args and \
                        len(node.args.defaults) == len(node.args.posonlyargs) + len(node.args.args):
                    # `lambda p=item: encode(p)`: the child context lands in p (DUR015), so p is no context
                    ctx, first = "ctx", "take the child context first (lambda ctx, ...: ...), then "
                elif id(node) in self.m.item_only_fns:
                    # `map(items, lambda p: encode(p))`: p is meant as the item; DUR015 adds the context
                    ctx, first = "ctx", f"with the context DUR015's fix adds (lambda ctx, {self.fi.params[0]}, *_: ...), "
                self.m.emit("DUR034", value,
                            f"this child context returns `{name}(...)`, "
                            f"which is not the {op}'s result but the callable @{target.decorator} builds: "
                            f"the {op} never runs and a function cannot be checkpointed",
                            f"{first}run it and return its result: {ctx}.{op}({_short(value, 40)})",
                            short=f"run it with {ctx}.{op}(...)")
                return
        later: list[tuple[ast.Call, str]] = []
        found = self.m.unserializable(value, self.fi, self.local_kinds, later)
        where = "step" if self.role == "step" else "child context"
        if found:
            self.m.emit("DUR034", value, unserializable_message(where, found[0]), unserializable_fix(found[1]))
            return
        for call, wrap in later:
            q = self.m.qual(call.func)
            cands = self.m.project_candidates(q) if q else []
            if cands:
                self.m.deferred.append(Deferred("result", _loc(value), cands, call.func.id,  # type: ignore[attr-defined]
                                                 self.ctx, op=where + "\n" + wrap))

    def v_match(self, node: ast.Match) -> None:
        tainted = self.test(node.subject)
        hidden = self.hidden(node.subject) if tainted else 0
        self.cond_taint += tainted
        self.cond_hidden += hidden
        for case in node.cases:
            if case.guard is not None:
                self.visit(case.guard)
            self.body(case.body)
        self.cond_taint -= tainted
        self.cond_hidden -= hidden

    def hidden(self, expr: ast.AST) -> int:
        """1 when a tainted expression's clock/random/read value comes from a source that is not
        reported where it is read (a line with a `durable-lint: ignore` comment)."""
        lines = self.m.ignored_lines()
        if not lines and not self.hidden_names:
            return 0
        for n in ast.walk(expr):
            if (isinstance(n, ast.Name) and n.id in self.hidden_names) or getattr(n, "lineno", 0) in lines:
                return 1
        return 0

    # -- expressions ---------------------------------------------------------------------------

    def v_name(self, node: ast.Name) -> None:
        if self.tail is not None and (node.id in self.ctxs or node.id in self.tail.carriers):
            self.mark_operation(node)  # the context (or what holds it) used here may start an operation
        if isinstance(node.ctx, ast.Load):
            name = node.id
            if name in self.taint:
                self.taint_hit = True
            if name in self.env_taint:
                if self.in_test and self.orch and name not in self.env_reported:
                    self.env_reported.add(name)
                    self.report_source("DUR004", node, f"`{name}` (from the environment)", env="name")

    def v_attribute(self, node: ast.Attribute) -> None:
        if node.attr == "aws_request_id" and isinstance(node.ctx, ast.Load):
            self.source_or_impure("DUR004", node, _Label(node, ""))
            self.visit(node.value)
            return
        self.visit(node.value)

    def v_subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load) and self.m.qual(node.value) == "os.environ":
            self.env_read(node)
            self.visit(node.slice)
            return
        self.visit(node.value)
        self.visit(node.slice)

    def env_read(self, node: ast.AST) -> None:
        self.env_hit = True
        if self.in_test and self.orch:
            self.report_source("DUR004", node, _Label(node, ""), env="read")

    def v_call(self, node: ast.Call) -> None:
        func = node.func
        if type(func) is ast.Attribute:  # one test of the callee's shape, then by method name
            attr = func.attr
            if attr in C.OPERATIONS and self.ctxs:
                recv = func.value
                if isinstance(recv, ast.Name) and recv.id in self.ctxs:
                    self.operation(node, attr, recv.id)
                    return
                if isinstance(recv, ast.Attribute) and isinstance(recv.value, ast.Name) and \
                        f"{recv.value.id}.{recv.attr}" in self.ctxs:
                    self.operation(node, attr, f"{recv.value.id}.{recv.attr}")
                    return
            elif self.orch and attr in _STORING:
                if attr in ("append", "insert", "extend") and isinstance(func.value, ast.Name) and \
                        func.value.id in self.m.branch_lists(self.fi):
                    for a in node.args:
                        self.stored_branches(a)
                elif self.m.lambda_within(node):
                    for a in node.args:
                        self.stored_closures(a, None)
            elif self.orch and attr in C.LOGGING_FUNCS and self.is_logger(func.value):
                base = func.value
                durable = type(base) is ast.Attribute and base.attr == "logger" and type(base.value) is ast.Name \
                    and base.value.id in self.ctxs  # type: ignore[attr-defined]
                saved, self.soft = self.soft, "ctxlog" if durable else "log"
                self.plain_call(node)
                self.soft = saved
                self.soft_args = [*self.soft_args, ("log", node)]
                return
        self.plain_call(node)

    def is_logger(self, base: ast.expr) -> bool:
        """``context.logger`` or a logger object (logging.getLogger, powertools, structlog)."""
        if type(base) is ast.Attribute and base.attr == "logger" and type(base.value) is ast.Name \
                and base.value.id in self.ctxs:  # type: ignore[attr-defined]
            return True
        return self.m.kind_of(base, self.local_kinds) == "logger"

    def stored_closures(self, value: ast.expr, key: str | None) -> None:
        """Lambdas orchestration code only keeps (``compensations.append({"name": n, "undo": lambda:
        cancel(ref)})``, ``undo = {"refund": lambda: refund(ref)}``): creating one runs nothing, it runs
        where it is called, typically inside a step (a saga's compensation). Not read as this
        function's code unless this function calls it itself by its key (``c["undo"]()``, ``c.undo()``)."""
        t = type(value)
        if t is ast.Lambda:
            if id(value) not in self.m.own_scope_lambdas and not self._calls_key(key):
                self.m.own_scope_lambdas.add(id(value))
        elif t is ast.Dict:
            for k, v in zip(value.keys, value.values, strict=False):
                kk = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
                self.stored_closures(v, kk)
        elif t in (ast.List, ast.Tuple, ast.Set):
            for e in value.elts:  # type: ignore[attr-defined]
                self.stored_closures(e, None)
        elif t is ast.Call and isinstance(value.func, ast.Name) and value.func.id == "dict":  # type: ignore[attr-defined]
            for kw in value.keywords:  # type: ignore[attr-defined]
                self.stored_closures(kw.value, kw.arg)

    def _calls_key(self, key: str | None) -> bool:
        """Whether this function's own code (not a nested lambda or def) calls ``x[key]()`` or ``x.key()``."""
        if key is None:
            return False
        todo: list[ast.AST] = list(ast.iter_child_nodes(self.fi.node))
        while todo:
            n = todo.pop()
            if isinstance(n, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(n, ast.Call):
                f = n.func
                if (isinstance(f, ast.Attribute) and f.attr == key) or (
                        isinstance(f, ast.Subscript) and isinstance(f.slice, ast.Constant) and f.slice.value == key):
                    return True
            todo.extend(ast.iter_child_nodes(n))
        return False

    def stored_branches(self, value: ast.expr) -> None:
        """Lambdas that go into a list later given to parallel (``branches = [lambda c, i=i: ... for i in
        items]``, ``branches.append(lambda c: ...)``): child bodies like inline branches."""
        if isinstance(value, (ast.ListComp, ast.GeneratorExp)):
            elts = [value.elt]
        elif isinstance(value, (ast.List, ast.Tuple)):
            elts = value.elts
        else:
            elts = [value]
        for e in elts:
            if isinstance(e, ast.Lambda) and id(e) not in self.m.own_scope_lambdas:
                self.m.own_scope_lambdas.add(id(e))
                self.check_branch_arity(e, self.ctx)
                self.function_argument(e, "parallel", self.ctx, False, False)

    def check_branch_arity(self, fn: ast.expr, receiver: str) -> None:
        """DUR015: parallel calls each branch with one argument, the branch's child context. A lambda
        whose first parameter has a default (`lambda p=payload: work(p)`, the usual loop capture) gets
        the context in that parameter instead, and one with no parameter fails with a TypeError."""
        if not isinstance(fn, ast.Lambda) or fn.args.vararg is not None:
            return
        a = fn.args
        positional = [*a.posonlyargs, *a.args]
        if not positional:
            problem = "takes no parameter, so the branch fails with a TypeError"
            fix = "take the child context first: lambda ctx: ..."
        elif len(a.defaults) == len(positional):
            first = positional[0].arg
            problem = (f"gives `{first}` a default, but the child context is passed in its place, so `{first}` "
                       "is the context, not the value captured for it")
            rest = ", ".join(ast.unparse(p) + "=" + ast.unparse(d) for p, d in zip(positional, a.defaults, strict=True))
            fix = f"take the child context first and keep the captured value after it: lambda ctx, {rest}: ..."
        else:
            return
        self.m.emit("DUR015", fn,
                    f"`{receiver}.parallel` calls each branch with its child context as the only argument; this "
                    f"lambda {problem}",
                    fix, short="take the child context first", guide="concurrent-operations#parallel")

    # -- durable operations ----------------------------------------------------------------------

    def operation(self, node: ast.Call, method: str, receiver: str) -> None:
        self.mark_operation(node)
        if self.role == "submitter":
            if method in ("step", "run_in_child_context"):
                fix = (f"call the work as a plain function inside the submitter (no {receiver}.{method}, no "
                       "@durable_step): the SDK already runs the submitter as a step")
            else:
                fix = "move it into orchestration code before or after the wait_for_callback"
            self.m.emit("DUR010", node,
                        f"`{receiver}.{method}(...)` is a durable operation inside a wait_for_callback submitter, "
                        "which the SDK runs as a step: it runs outside the orchestration's checkpoint sequence "
                        "and breaks replay", fix)
            self.generic_args(node)
            return
        if self.role in STEP_ROLES:
            self.m.emit("DUR010", node,
                        f"`{receiver}.{method}(...)` is a durable operation inside step-wrapped code: it runs "
                        "outside the orchestration's checkpoint sequence and breaks replay",
                        "move it out of the step into orchestration code, or group the operations with "
                        f"{receiver}.run_in_child_context(...)")
            self.generic_args(node)
            return
        self.ops += 1
        if self.term is not None:
            self.term.work += 1
        if self.role == "child" and receiver in self.parent_ctx and receiver not in self.own_ctx:
            own = sorted(self.own_ctx)
            self.m.emit("DUR011", node,
                        f"`{receiver}.{method}(...)` uses the parent context inside a child body: its operations "
                        "get the parent's ids and replay out of order",
                        f"use the body's own context{' `' + own[0] + '`' if own else ''} instead")
        if self.cond_hidden and self.orch:
            self.m.emit("DUR006", node,
                        f"whether `{receiver}.{method}(...)` runs depends on a non-deterministic value: on "
                        "replay the operation sequence no longer matches the checkpoints",
                        "compute the value inside a step and branch on the step's checkpointed result")
        if self.set_loops and not self.set_loops[-1][1]:
            self.set_loops[-1][1] = True
            it = self.set_loops[-1][0]
            self.m.emit("DUR007", it,
                        f"durable operations are issued while iterating the set `{_short(it, 40)}`: set order "
                        "changes between processes (hash seeds), so a replay issues them in another order",
                        f"iterate in a fixed order: sorted({_short(_set_inside(it), 40)}) (list(...) of a set keeps "
                        "its order)")
        func_idx, name_idx, config_idx = C.OPERATIONS[method]
        args = node.args
        kw = {k.arg: k.value for k in node.keywords if k.arg}

        def arg(i: int | None, key: str) -> ast.expr | None:
            if key in kw:
                return kw[key]
            if i is not None and i < len(args) and not any(isinstance(a, ast.Starred) for a in args[: i + 1]):
                return args[i]
            return None

        fn_arg = arg(func_idx, C.FUNC_KEYWORD.get(method, "")) if func_idx is not None else None
        name_arg = arg(name_idx, "name")
        config_arg = arg(config_idx, "config")
        handled: set[int] = set()
        # parallel(f1, f2): branches given one by one (the SDK wants a list, so this fails at run time);
        # read them as branches rather than as a name and a config
        spread = method == "parallel" and len(args) > 1 and set(kw) <= {"name", "config"} and \
            all(self.is_function(a) for a in args)
        if spread:
            name_arg, config_arg = kw.get("name"), kw.get("config")
        if method in ("parallel", "map"):
            swapped = self.check_shape(node, method, receiver, args, kw, spread)
            if swapped is not None:
                fn_arg = swapped
        if method == "map" and fn_arg is not None:
            self.check_map_arity(fn_arg, receiver)
        if method == "wait_for_condition" and isinstance(config_arg, ast.Call):
            # the state is checkpointed at every poll: the same serializer as a step's result
            state = next((k.value for k in config_arg.keywords if k.arg == "initial_state"), None)
            found = self.m.unserializable(state, self.fi, self.local_kinds) if state is not None else None
            if found is not None and state is not None and not self.config_flags(config_arg)[0]:
                self.m.emit("DUR034", state,
                            f"the initial state of this wait_for_condition is {found[0]}, which the default "
                            "serializer cannot checkpoint (it handles JSON types, datetime, Decimal, UUID, bytes and "
                            "tuples), so the wait fails when it checkpoints the state",
                            f"start from a value it can checkpoint: {found[1]}, and return the same kind from the "
                            "check; or pass a serdes in the config")
        if fn_arg is not None:
            handled.add(id(fn_arg))
            serdes, no_retry = self.config_flags(config_arg)
            if method == "parallel" and isinstance(fn_arg, (ast.List, ast.Tuple)):
                for elt in fn_arg.elts:
                    self.check_branch_arity(elt, receiver)
                    self.function_argument(elt, method, receiver, serdes, no_retry)
            elif method == "parallel" and isinstance(fn_arg, (ast.ListComp, ast.GeneratorExp)) \
                    and isinstance(fn_arg.elt, ast.Lambda):
                # `parallel([lambda c, i=i: ... for i in items])`: one branch per item, each a child body;
                # what the comprehension iterates runs here, in orchestration code
                for gen in fn_arg.generators:
                    self.visit(gen.iter)
                    for cond in gen.ifs:
                        self.visit(cond)
                self.check_branch_arity(fn_arg.elt, receiver)
                self.function_argument(fn_arg.elt, method, receiver, serdes, no_retry)
            elif spread:
                for a in args:
                    handled.add(id(a))
                    self.function_argument(a, method, receiver, serdes, no_retry)
            else:
                self.function_argument(fn_arg, method, receiver, serdes, no_retry)
        if not (spread and name_arg is None) and self.check_name(node, method, name_arg, fn_arg):
            # (branches given one by one with no name: DUR015's fix names the operation)
            handled.add(id(name_arg))  # DUR030 says it all: no DUR001/DUR002 for the same name (as in TypeScript)
        duration = arg(0, "duration") if method == "wait" and self.orch else None
        if duration is not None:
            handled.add(id(duration))
            saved_soft, self.soft = self.soft, "wait"
            self.visit(duration)
            self.soft = saved_soft
            self.soft_args = [*self.soft_args, ("wait", duration)]
        for a in args:
            if id(a) not in handled:
                self.visit(a)
        for k in node.keywords:
            if id(k.value) not in handled:
                self.visit(k.value)
        if method == "wait":
            self.check_wait(node, arg(0, "duration"))
        elif method in ("wait_for_callback", "create_callback"):
            self.check_callback(node, method, config_arg)
        elif method == "invoke":
            self.check_invoke(node, arg(0, "function_name"))

    def is_function(self, expr: ast.expr) -> bool:
        """A lambda or the name of a function defined in this module (not shadowed by a local variable)."""
        if isinstance(expr, ast.Lambda):
            return True
        if not isinstance(expr, ast.Name) or self.m.lookup(self.fi, expr.id) is None:
            return False
        return expr.id not in self.fi.locals() or expr.id in self.fi.scope

    def check_shape(self, node: ast.Call, method: str, receiver: str, args: list[ast.expr],
                    kw: dict[str, ast.expr], spread: bool) -> ast.expr | None:
        """DUR015 for arguments in the wrong place, which fail at run time: ``parallel(f1, f2)`` or
        ``parallel(f)`` instead of a list, ``map(func, inputs)`` swapped. Returns the function of a
        swapped map, so that its body is read as the item function."""
        if any(isinstance(a, ast.Starred) for a in args):
            return None
        call = f"{receiver}.{method}"
        if method == "parallel":
            first = kw.get("functions", args[0] if args else None)
            if first is None or not self.is_function(first):
                return None
            if spread:
                names = [_short(a, 30) if not isinstance(a, ast.Lambda) else "lambda" for a in args]
                rest = ", ".join(f"{k}={_short(v, 30)}" for k, v in kw.items()) or \
                    f'name="{self.example_name(node, method)}"'
                self.m.emit("DUR015", node,
                            f"`{call}(...)` is given its {len(args)} branches one by one, but parallel takes "
                            f"one list of branches: the first is read as that list and the second as the "
                            "name, so the call fails at run time",
                            f"pass a list: {call}([{', '.join(names)}], {rest})",
                            short="pass the branches as one list", guide="concurrent-operations#parallel")
            else:
                name = "lambda" if isinstance(first, ast.Lambda) else _short(first, 30)
                self.m.emit("DUR015", first,
                            f"`{call}` is given one function where it expects a list of branches, so the "
                            "call fails at run time",
                            f"pass a list: {call}([{name}], name=\"{self.example_name(node, method)}\"), or run one "
                            f"body with {receiver}.run_in_child_context({name}, name=\"{self.example_name(node, method)}\")",
                            short="pass the branches as one list", guide="concurrent-operations#parallel")
            return None
        inputs = kw.get("inputs", args[0] if args else None)
        func = kw.get("func", args[1] if len(args) > 1 else None)
        if inputs is None or not self.is_function(inputs) or (func is not None and self.is_function(func)):
            return None
        fn = "lambda ..." if isinstance(inputs, ast.Lambda) else _short(inputs, 30)
        items = _short(func, 30) if func is not None else "items"
        self.m.emit("DUR015", node,
                    f"`{call}(...)` has its arguments swapped: map takes the inputs first and the item "
                    "function second, so the call fails at run time",
                    f"{call}({items}, {fn}, name="
                    + (_short(kw["name"], 30) if "name" in kw else f"\"{self.example_name(node, method)}\"") + ")",
                    short="pass the inputs, then the function", guide="concurrent-operations#map")
        return inputs

    def check_map_arity(self, fn: ast.expr, receiver: str) -> None:
        """DUR015: map calls its item function with four arguments (context, item, index, items);
        a function that cannot take them fails on every item."""
        target: ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | None = None
        if isinstance(fn, ast.Lambda):
            target = fn
        elif isinstance(fn, ast.Name):
            fi = self.m.lookup(self.fi, fn.id)
            if fi is not None and not fi.is_method and isinstance(fi.node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and not fi.node.decorator_list:
                target = fi.node
        if target is None:
            return
        a = target.args
        if a.vararg is not None:
            return
        positional = [p.arg for p in (*a.posonlyargs, *a.args)]
        required = len(positional) - len(a.defaults)
        kw_required = [k.arg for k, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is None]
        if required <= 4 <= len(positional) and not kw_required:
            self.m.map_items.add(id(target))
            return
        params = ", ".join(positional) or "no parameters"
        took = f"`{params}`" if positional else params
        label = "the lambda" if isinstance(target, ast.Lambda) else f"`{target.name}`"
        self.m.map_items.add(id(target))
        if len(positional) == 1 and not a.defaults:
            # one parameter is meant as the item: the context goes before it, and operations run on it
            self.m.item_only_fns.add(id(target))
            fix = (f"add the context before the item: ({'lambda ' if isinstance(target, ast.Lambda) else ''}ctx, "
                   f"{positional[0]}, *_) (map passes context, item, index, items), and run operations on ctx")
        elif len(positional) in (2, 3):
            fix = f"end the parameters with *_: ({', '.join(positional)}, *_), or take (ctx, item, index, items)"
        else:
            fix = "take all four: (ctx, item, index, items), or end the parameters with *_"
        self.m.emit("DUR015", fn,
                    f"`{receiver}.map` calls its item function with four arguments (context, item, index, "
                    f"items), but {label} takes {took}, so every item fails with a TypeError",
                    fix,
                    short="take (ctx, item, index, items)", guide="concurrent-operations#map")

    def generic_args(self, node: ast.Call) -> None:
        for a in node.args:
            self.visit(a)
        for k in node.keywords:
            self.visit(k.value)

    def config_flags(self, config: ast.expr | None) -> tuple[bool, bool]:
        if not isinstance(config, ast.Call):
            return (config is not None, False)  # an opaque config may carry a serdes
        serdes = any(k.arg in ("serdes", "item_serdes") for k in config.keywords)
        # DUR035 is for steps that retry: AT_MOST_ONCE_PER_RETRY alone still retries (an interrupted attempt
        # fails with StepInterruptedError and goes to the retry strategy, the default one retries it)
        retry = next((k.value for k in config.keywords if k.arg == "retry_strategy"), None)
        no_retry = retry is not None and _NO_RETRY.search(_short(retry, 300)) is not None
        return serdes, no_retry

    def function_argument(self, expr: ast.expr, method: str, receiver: str, serdes: bool, no_retry: bool) -> None:
        role = C.ARG_ROLE[method]
        inherited = frozenset(self.ctxs)
        if isinstance(expr, ast.Lambda):
            fi = FuncInfo(expr, f"{self.fi.qualname}.<lambda>", self.fi, outer_kinds=dict(self.local_kinds))
            params = fi.positional()
            if role == "child":
                fi.ctx_params = {params[0]} if params else set()
                fi.result_body = True
            fi.serdes, fi.no_retry = serdes, no_retry
            self.m._analyze(fi, role, inherited)
            return
        if isinstance(expr, ast.Name):
            target = self.m.lookup(self.fi, expr.id)
            if target is not None:
                nested = target.parent is not None and target in self.nested
                if target.parent is self.fi and not target.done:
                    target.outer_kinds = dict(self.local_kinds)
                self.m.assign_role(target, role, inherited, serdes=serdes, no_retry=no_retry,
                                   defer=nested)
                if role == "child" and target.role == "child" and not target.done:
                    target.result_body = True
            self.visit(expr)
            return
        if isinstance(expr, ast.Call):
            callee = expr.func
            q = self.m.qual(callee)
            if q == "functools.partial" and expr.args:
                self.function_argument(expr.args[0], method, receiver, serdes, no_retry)
                for a in expr.args[1:]:
                    self.visit(a)
                for k in expr.keywords:
                    self.visit(k.value)
                return
            if isinstance(callee, ast.Name):
                target = self.m.lookup(self.fi, callee.id)
                if target is not None:
                    if target.decorator in ("durable_step", "durable_with_child_context"):
                        if self.decorated_arity(target, expr, method, receiver):
                            for a in expr.args:
                                self.visit(a)
                            for k in expr.keywords:
                                self.visit(k.value)
                            return
                        if self.orch:
                            self.step_call_site(target, expr)
                    kind = self.m._binding_kind(target)
                    if target.decorator is not None and role in STEP_ROLES and \
                            target.role in STEP_ROLES and not target.done:
                        target.serdes = target.serdes and serdes
                        target.no_retry = target.no_retry and no_retry
                    self.binding_problem(expr, method, callee.id, kind, receiver, target)
                elif q is not None:
                    cands = self.m.project_candidates(q)
                    if cands and method in C.BINDING_DECORATOR:
                        self.m.deferred.append(Deferred("binding", _loc(expr), cands, callee.id, receiver, method))
            for a in expr.args:
                self.visit(a)
            for k in expr.keywords:
                self.visit(k.value)
            return
        self.visit(expr)

    def step_call_site(self, target: FuncInfo, call: ast.Call) -> None:
        """``context.step(record(item, seen))``: which of the step's parameters get a local of this
        orchestration function (see ModuleAnalyzer._param_writes)."""
        if isinstance(target.node, ast.Lambda):
            return
        params = target.positional()[1:]  # after the StepContext
        got: list[tuple[str, str]] = []  # (parameter, argument name); whether it is a local: see _param_writes
        for i, a in enumerate(call.args):
            if type(a) is ast.Starred:
                break
            if i < len(params) and type(a) is ast.Name and a.id not in self.ctxs:  # type: ignore[attr-defined]
                got.append((params[i], a.id))  # type: ignore[attr-defined]
        for k in call.keywords:
            if k.arg in params and type(k.value) is ast.Name and k.value.id not in self.ctxs:  # type: ignore[attr-defined]
                got.append((k.arg, k.value.id))  # type: ignore[arg-type, attr-defined]
        if got:
            sites = self.m.step_args.setdefault(id(target), {})
            for p, arg in got:
                sites.setdefault(p, []).append((call.lineno, arg, self.fi))

    def decorated_arity(self, target: FuncInfo, call: ast.Call, method: str, receiver: str) -> bool:
        """DUR015 for ``context.step(fraud_check(None, customer))`` where ``fraud_check`` is a
        @durable_step (or @durable_with_child_context) function: the SDK's wrapper calls it as
        ``func(context, *args, **kwargs)``, so a context the caller passes too is one argument too many
        (TypeError when the step runs). True when reported."""
        node = target.node
        if isinstance(node, ast.Lambda) or node.args.vararg is not None or target.is_method:
            return False
        params = target.positional()
        if not params or any(type(a) is ast.Starred for a in call.args) or len(call.args) < len(params):
            return False
        kind = "step" if target.decorator == "durable_step" else "child"
        name = target.node.name  # type: ignore[union-attr]
        fixed = ""
        first = call.args[0]
        if len(call.args) == len(params) and (
                (type(first) is ast.Constant and first.value is None)  # type: ignore[attr-defined]
                or (type(first) is ast.Name and first.id in self.ctxs)):  # type: ignore[attr-defined]
            fixed = _without_first_argument(self.m, call)
        given, takes = len(call.args), len(params) - 1
        self.m.emit("DUR015", call,
                    f"`{name}` is decorated with @{target.decorator}, whose wrapper passes the {kind} context as "
                    f"its first argument (`{params[0]}`): this call passes {given} argument{'s' if given != 1 else ''} "
                    f"and `{name}` takes {takes} after the context, so the {method.replace('_', ' ')} fails with "
                    "TypeError",
                    f"drop the {kind}-context argument: {fixed}" if fixed else
                    f"pass only the arguments after `{params[0]}`: the SDK supplies the {kind} context",
                    short=f"do not pass the {kind} context to `{name}(...)`")
        return True

    def binding_problem(self, expr: ast.Call, method: str, name: str, kind: str, receiver: str,
                        target: FuncInfo | None = None) -> None:
        if kind == "factory" or kind.startswith("durable_"):
            if method == "parallel" and kind == "durable_step":
                pass
            else:
                return
        need = C.BINDING_DECORATOR.get(method)
        if need is None:
            return
        if method == "parallel" and target is not None and _returns_sequence(target.node):
            return  # `parallel(make_branches(...))`: a helper that builds the list of branches
        emit_binding(self.m, expr, method, name, need, receiver, target=target, ctxs=self.ctxs)

    def check_name(self, node: ast.Call, method: str, name_arg: ast.expr | None, fn_arg: ast.expr | None) -> bool:
        """DUR030; True when the name is not deterministic (reported here)."""
        if name_arg is None or (isinstance(name_arg, ast.Constant) and name_arg.value is None):
            if fn_arg is not None and isinstance(fn_arg, ast.Call) and isinstance(fn_arg.func, ast.Name):
                target = self.m.lookup(self.fi, fn_arg.func.id)
                if target is not None and target.decorator is not None:
                    return False  # the SDK names the operation after the decorated function
                if target is None and self.m.project_candidates(self.m.qual(fn_arg.func) or "") == [] \
                        and self.m.qual(fn_arg.func) is not None:
                    return False
            if isinstance(fn_arg, ast.Call):
                return False
            example = self.example_name(node, method)
            self.m.emit("DUR030", node,
                        f"this {method} has no name: history and tests refer to operations by name, and an "
                        "unnamed one is hard to find",
                        f"pass a fixed, descriptive name, e.g. name=\"{example}\"", "info")
            return False
        saved = (self.source_hit, self.taint_hit)
        self.source_hit = self.taint_hit = False
        self.probe(name_arg)
        bad = self.source_hit or self.taint_hit
        direct = self.source_hit
        self.source_hit, self.taint_hit = saved
        if bad:
            if not direct:  # through variables only: which ones (see names_only)
                for n in ast.walk(name_arg):
                    if type(n) is ast.Name and n.id in self.taint:  # type: ignore[attr-defined]
                        uses = self.name_uses
                        if not isinstance(uses, dict):
                            uses = self.name_uses = {}
                        uses[n.id] = uses.get(n.id, 0) + 1  # type: ignore[attr-defined]
            self.m.emit("DUR030", name_arg,
                        f"the {method} name `{_short(name_arg, 40)}` is not deterministic: replay looks the "
                        "operation up by a name that no longer matches",
                        "build names from the input or a loop index only, e.g. name=f\"charge-{i}\"", "error")
            return True
        literal = _const_str(name_arg)
        if literal is not None:
            self.names.setdefault(literal, []).append((self.branch, name_arg))
        return False

    def probe(self, expr: ast.expr) -> None:
        """Sets source_hit/taint_hit for an expression without reporting anything."""
        if isinstance(expr, ast.Constant):
            return
        for n in ast.walk(expr):
            if isinstance(n, ast.Name) and n.id in self.taint:
                self.taint_hit = True
            elif isinstance(n, ast.Call):
                r = self.classify(n)
                if r and r[0] in ("DUR001", "DUR002", "DUR003") or (r and r[0] == "DUR004" and not r[2]):
                    self.source_hit = True
            elif isinstance(n, ast.Attribute) and n.attr == "aws_request_id":
                self.source_hit = True

    def report_duplicate_names(self) -> None:
        for literal, uses in self.names.items():
            if len(uses) < 2:
                continue
            for i in range(1, len(uses)):
                branch, node = uses[i]
                if any(_compatible(branch, uses[j][0]) for j in range(i)):
                    self.m.emit("DUR030", node,
                                f"the name \"{literal}\" is used by another operation in this function: "
                                "duplicate names make history and tests ambiguous",
                                "give every operation its own name", "warning")

    def check_wait(self, node: ast.Call, duration: ast.expr | None) -> None:
        seconds, text = self.m_duration(duration)
        if seconds is None:
            return
        self.m.durations.append(DurationFact(node.lineno, seconds, "wait"))
        if seconds < 1:
            self.m.emit("DUR031", duration or node,
                        f"the wait duration {text} is {seconds:g} s: waits must be at least 1 second "
                        "(the SDK raises ValidationError)", "wait at least Duration.from_seconds(1)")
        elif seconds > C.MAX_WAIT_SECONDS:
            self.m.emit("DUR031", duration or node,
                        f"the wait duration {text} is {seconds:g} s, over the 31,622,400 s (366 days) maximum",
                        "wait at most Duration.from_days(366)")

    def m_duration(self, expr: ast.expr | None) -> tuple[float | None, Any]:
        if not isinstance(expr, ast.Call):
            return None, ""
        name = self.m.sdk_name(expr.func)
        text = _Label(expr, "")
        if name == "Duration":
            if not expr.args and not expr.keywords:
                return 0.0, text
            val = expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "seconds"), None)  # type: ignore[arg-type]
            v = self.m_eval(val)
            return (None if v is None else float(v)), text
        factors = {"from_seconds": 1, "from_minutes": 60, "from_hours": 3600, "from_days": 86400}
        f = expr.func
        name = f.attr if isinstance(f, ast.Attribute) and self.m.sdk_name(f.value) == "Duration" else None
        if name in factors and (expr.args or expr.keywords):
            val = expr.args[0] if expr.args else expr.keywords[0].value
            v = self.m_eval(val)
            return (None if v is None else float(int(v * factors[name]))), text
        return None, ""

    def m_eval(self, expr: ast.expr | None, depth: int = 0) -> float | None:
        if expr is None or depth > 20:
            return None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
            return float(expr.value)
        if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
            v = self.m_eval(expr.operand, depth + 1)
            return None if v is None else -v
        if isinstance(expr, ast.BinOp):
            a, b = self.m_eval(expr.left, depth + 1), self.m_eval(expr.right, depth + 1)
            if a is None or b is None:
                return None
            op = type(expr.op)
            try:
                if op is ast.Add:
                    return a + b
                if op is ast.Sub:
                    return a - b
                if op is ast.Mult:
                    return a * b
                if op is ast.Div:
                    return a / b
                if op is ast.FloorDiv:
                    return a // b
            except (ZeroDivisionError, OverflowError):
                return None
            return None
        if isinstance(expr, ast.Name) and expr.id not in self.fi.locals():
            return self.m_eval(self.m.consts.get(expr.id), depth + 1)
        return None

    def check_callback(self, node: ast.Call, method: str, config: ast.expr | None) -> None:
        if isinstance(config, ast.Name) and config.id in self.m.consts and config.id not in self.fi.locals():
            config = self.m.consts[config.id]
        if config is not None and not isinstance(config, ast.Call):
            return  # built elsewhere: cannot tell
        timeout = None
        if isinstance(config, ast.Call):
            if any(k.arg is None for k in config.keywords):
                return
            timeout = next((k.value for k in config.keywords if k.arg == "timeout"), None)
            if timeout is None and config.args:
                timeout = config.args[0]
        seconds = None
        if timeout is not None:
            seconds, _ = self.m_duration(timeout)
            if seconds is None:
                return
            if seconds > 0:
                self.m.durations.append(DurationFact(node.lineno, seconds, "callback-timeout"))
                return
        kind = 'WaitForCallbackConfig' if method == 'wait_for_callback' else 'CallbackConfig'
        if isinstance(config, ast.Call):  # a config is there already: add to it, keep what it sets
            fix = f"add timeout=Duration.from_hours(1) to the existing {_short(config.func, 30)}(...)"
            needed = ["Duration"]
        else:
            fix = f"pass config={kind}(timeout=Duration.from_hours(1))"
            needed = [kind, "Duration"]
        missing = [n for n in needed if n not in self.m.imports and n not in self.m.module_names]
        if missing:  # the fix's names, when the file does not import them yet
            fix += f" (from aws_durable_execution_sdk_python.config import {', '.join(missing)})"
        self.m.emit("DUR033", node,
                    f"this {method} has no timeout: if the callback never arrives the execution waits until its "
                    "ExecutionTimeout", fix)

    def check_invoke(self, node: ast.Call, fn: ast.expr | None) -> None:
        where = fn
        if fn is not None:
            var = self.env_var(fn)
            if var is not None:  # the templates decide: check() looks the variable up
                self.m.deferred.append(Deferred("env-invoke", _loc(fn), [], _short(fn), op=var))
                return
            imported = self.imported_value(fn)
            cands = self.m.project_candidates(imported[0]) if imported is not None else []
            if cands and imported is not None:  # maybe an environment variable in another module: pass 2
                self.m.deferred.append(Deferred("env-import", _loc(fn), cands, _short(fn), op=imported[1]))
                return
        if isinstance(fn, ast.Name) and fn.id in self.m.consts and fn.id not in self.fi.locals():
            fn = self.m.consts[fn.id]
        text = _const_str(fn)
        if text is None:
            return
        # A name, a partial ARN (ACCOUNT:function:NAME) or a full ARN, each with an optional qualifier;
        # only the ARN forms have a "function:" part (a plain "payment-function:live" is alias-qualified).
        m = FUNCTION_ID.fullmatch(text)
        if m is None:
            return  # not a function identifier we can read: prefer silence
        qualifier = m.group("qualifier")
        if qualifier == "$LATEST":
            why = f"invokes `{text}`, the unpublished $LATEST version"
        elif qualifier is None:
            why = f"invokes `{text}` without a version or alias"
        else:
            return
        self.m.emit("DUR032", where or node,
                    f"{why}: durable invocations need a qualified function, and replays could run other code",
                    "invoke a version or alias, e.g. \"my-function:prod\" or a qualified ARN")

    def env_var(self, node: ast.expr, depth: int = 0) -> str | None:
        """X of ``os.environ["X"]``, ``os.environ.get("X")`` or ``os.getenv("X")`` (``or ""`` allowed),
        directly, through a module constant or through one local assignment; None otherwise."""
        if depth > 3:
            return None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return self.env_var(node.values[0], depth + 1)
        if isinstance(node, ast.Name):
            if node.id in self.fi.locals():
                values = [a.value for a in ast.walk(self.fi.node) if isinstance(a, ast.Assign)
                          and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) and a.targets[0].id == node.id]
                return self.env_var(values[0], depth + 1) if len(values) == 1 else None
            value = self.m.consts.get(node.id)
            return self.env_var(value, depth + 1) if value is not None else None
        if isinstance(node, ast.Subscript) and self.m.qual(node.value) == "os.environ":
            return _const_str(node.slice)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            # TARGETS["worker"] with TARGETS = {"worker": os.environ["WORKER_ARN"]} in this module
            table = self.m.consts.get(node.value.id) if node.value.id not in self.fi.locals() else None
            value = _dict_value(table, _const_str(node.slice))
            return self.env_var(value, depth + 1) if value is not None else None
        if isinstance(node, ast.Call) and node.args and self.m.qual(node.func) in ("os.environ.get", "os.getenv"):
            return _const_str(node.args[0])
        return None

    def imported_value(self, node: ast.expr) -> tuple[str, str] | None:
        """(qualified name, key suffix) of a value another project module defines: ``WORKER_ARN`` or
        ``TARGETS["worker"]`` imported from it, or ``config.WORKER_ARN`` on an imported module."""
        suffix = ""
        if isinstance(node, ast.Subscript):
            key = _const_str(node.slice)
            if key is None:
                return None
            suffix, node = f"[{key}]", node.value
        if isinstance(node, ast.Name):
            if node.id in self.fi.locals():
                return None
            q = self.m.imports.get(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id in self.m.imports and node.value.id not in self.fi.locals():
            q = self.m.qual(node)
        else:
            return None
        return (q, suffix) if q else None

    # -- other calls ---------------------------------------------------------------------------

    def classify(self, node: ast.Call) -> tuple[str, Any, bool] | None:
        """(rule, label, is_env) for a call that is non-deterministic or has a side effect, else None."""
        func = node.func
        m = self.m
        q = m.qual(func)
        if q is None and isinstance(func, ast.Name):
            name = func.id
            if name not in m.module_names and name not in m.scope and name not in self.fi.locals():
                if name == "open":
                    return self.open_call(node)
                if name == "print":
                    return ("DUR020", "`print(...)`", False)
                if name == "hash" and node.args and not (type(node.args[0]) is ast.Constant
                                                         and isinstance(node.args[0].value, int | float)):  # type: ignore[attr-defined]
                    return ("DUR002", "`hash(...)`", False)  # a str's hash is salted per process (PYTHONHASHSEED)
        if q is not None:
            kind = C.clock_or_random(q, len(node.args))
            if kind is not None:
                return (kind, _Label(func, "()"), False)
            if q in C.RANDOM_SEEDED and node.args:
                return None  # seeded: deterministic
            if q in C.ENV_CALLS:
                return ("DUR004", _Label(func, "(...)"), True)
            if q in C.INVOCATION_CALLS:
                return ("DUR004", _Label(func, "()"), False)
            if q in C.SLEEP_CALLS:
                return ("DUR009", _Label(func, "(...)"), False)
            if q in C.PRINT_CALLS:
                return ("DUR020", _Label(func, "(...)"), False)
            if q in C.READ_CALLS:
                return ("DUR003", _Label(func, "(...)"), False)
            if q in C.WRITE_CALLS:
                return ("DUR021", _Label(func, "(...)"), False)
            if q in ("io.open", "builtins.open"):
                return self.open_call(node)
            root, _, rest = q.partition(".")
            if root in C.HTTP_MODULES and rest:
                verb = rest.rsplit(".", 1)[-1]
                if verb in C.HTTP_READ or verb in ("request", "stream", "urlopen"):
                    if verb in ("request", "stream") and node.args and \
                            (_const_str(node.args[0]) or "").lower() in C.HTTP_WRITE:
                        return ("DUR021", _Label(func, "(...)"), False)
                    return ("DUR003", _Label(func, "(...)"), False)
                if verb in C.HTTP_WRITE:
                    return ("DUR021", _Label(func, "(...)"), False)
            if root == "logging" and rest in C.LOGGING_FUNCS:
                return ("DUR020", _Label(func, "(...)"), False)
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr == "get_remaining_time_in_millis":
                return ("DUR004", _Label(func, "()"), False)
            kind = m.kind_of(func.value, self.local_kinds)
            if kind is None:
                return None
            label = _Label(func, "(...)")
            if kind == "aws":
                if attr in C.AWS_NEUTRAL or attr in C.AWS_DERIVED:
                    return None
                if attr.startswith(C.AWS_WRITE_PREFIXES):
                    return ("DUR021", label, False)
                return ("DUR003", label, False)
            if kind == "http":
                if attr in C.HTTP_WRITE:
                    return ("DUR021", label, False)
                if attr in C.HTTP_READ or attr in ("request", "stream", "send"):
                    return ("DUR003", label, False)
                return None
            if kind == "db":
                if attr in C.DB_NEUTRAL:
                    return None
                if attr in ("execute", "executemany", "executescript"):
                    sql = (_const_str(node.args[0]) if node.args else None) or ""
                    if sql_writes(sql):
                        return ("DUR021", label, False)
                    return ("DUR003", label, False)
                if attr in C.DB_WRITE_METHODS:
                    return ("DUR021", label, False)
                return ("DUR003", label, False)
            if kind in ("logger", "logging-module") and attr in C.LOGGING_FUNCS:
                return ("DUR020", label, False)
            if kind == "metrics" and attr in C.METRIC_METHODS:
                return ("DUR021", label, False)
            if kind == "path":
                if attr in C.PATH_READ:
                    return ("DUR003", label, False)
                if attr in C.PATH_WRITE:
                    return ("DUR021", label, False)
        return None

    def open_call(self, node: ast.Call) -> tuple[str, Any, bool] | None:
        mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)  # type: ignore[arg-type]
        text = _const_str(mode) or "r"
        if any(c in text for c in "wax+"):
            return ("DUR021", f"`open(..., \"{text}\")`", False)
        path = _const_str(node.args[0]) if node.args else None
        if path is not None and (not path.startswith("/") or path.startswith("/var/task/")):
            return None  # a file of the deployment package (Lambda runs in /var/task): fixed per version
        return ("DUR003", "`open(...)`", False)

    def _may_orchestrate(self, node: ast.Call) -> bool:
        """A call that may run durable operations without being given the context: a nested function
        (it may close over the context) or one with an orchestration role, or a method of a value built
        from the context."""
        f = node.func
        if type(f) is ast.Name:
            callee = self.m.lookup(self.fi, f.id)  # type: ignore[attr-defined]
            if callee is None or callee is self.fi:
                return False
            if callee.role in ORCH_ROLES or callee.ctx_params:
                return True
            if callee.parent is None:
                return False
            carriers = self.tail.carriers if self.tail is not None else set()
            key = (id(callee), frozenset(self.ctxs | carriers))
            found = self.m.closure_uses.get(key)
            if found is None:  # a nested function that reads the context runs operations with it
                found = self.m.closure_uses[key] = self._references(callee, set(key[1])) or any(
                    type(n) is ast.Attribute and n.attr in C.OPERATIONS for n in ast.walk(callee.node))
            return found
        if type(f) is ast.Attribute and f.attr in C.OPERATIONS:  # type: ignore[attr-defined]
            return True  # an operation on a receiver not known to be a context: maybe one
        if type(f) is ast.Subscript or (type(f) is ast.Attribute and type(f.value) is ast.Subscript):  # type: ignore[attr-defined]
            return True  # `comp["undo"]()`: a function kept in a container may run operations
        if type(f) is ast.Attribute and type(f.value) is ast.Name and f.value.id in self.loop_names:  # type: ignore[attr-defined]
            return True  # `for comp in compensations: comp.undo()`
        if type(f) is ast.Attribute and self.tail is not None and self.tail.carriers:
            base = f.value  # type: ignore[attr-defined]
            while type(base) is ast.Attribute:
                base = base.value  # type: ignore[attr-defined]
            return type(base) is ast.Name and base.id in self.tail.carriers  # type: ignore[attr-defined]
        return False

    def mark_operation(self, node: ast.AST) -> None:
        """Something at node may start a durable operation (see drop_tail_reports)."""
        if self.tail is not None:
            self.tail.marks.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))

    def drop_tail_reports(self, ts: _TailState) -> None:
        """A handler's or child body's code after its last durable operation runs once, in the invocation
        that completes the body (earlier invocations suspend at an operation before it): drop what this
        body reported there as repeating on replay. The operations were marked while visiting (calls of
        operations, of the context or of values built from it, of nested functions, every read of a
        context name), so no second walk is needed; anything unknown keeps the finding."""
        marks = sorted(ts.marks)
        if marks:
            last = marks[-1]
            if all(pos < last for pos, _r in ts.reports) and all(e >= last for e in ts.exits):
                return  # every report comes before the last operation, with no way out before it

        def may_run(node: ast.AST) -> bool:
            start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
            end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
            i = bisect.bisect_left(marks, start)
            return i < len(marks) and marks[i] < end

        body: list[ast.stmt] = self.fi.node.body  # type: ignore[assignment]  # a def: only defs keep a tail
        ranges = sorted(((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset))  # type: ignore[attr-defined]
                        for n in _tail_statements(body, may_run))
        if not ranges:
            return

        def in_tail(pos: tuple[int, int]) -> bool:
            i = bisect.bisect_right(ranges, (pos, (1 << 30, 0))) - 1
            return i >= 0 and ranges[i][0] <= pos < ranges[i][1]

        drop_diags = {id(d) for pos, d in ts.reports if isinstance(d, Diagnostic) and in_tail(pos)}
        drop_deferred = {id(d) for pos, d in ts.reports if not isinstance(d, Diagnostic) and in_tail(pos)}
        if drop_diags:
            self.m.diagnostics[:] = [d for d in self.m.diagnostics if id(d) not in drop_diags]
        if drop_deferred:
            self.m.deferred[:] = [d for d in self.m.deferred if id(d) not in drop_deferred]

    def report_source(self, rule: str, node: ast.AST, label: Any, env: str = "") -> None:
        if rule == "DUR004" and not env and self.soft == "ctxlog":
            return  # the request id in a context.logger line: the logger skips its lines while replaying
        if self.soft is not None and rule in ("DUR001", "DUR002") and id(node) not in self.soft_of:
            soft_of = self.soft_of
            if not isinstance(soft_of, dict):
                soft_of = self.soft_of = {}
            soft_of[id(node)] = self.soft
        a = self.assigning
        if a is not None and rule in ("DUR001", "DUR002") and id(node) not in self.assigned:
            targets = a.targets if type(a) is ast.Assign else [a.target]  # type: ignore[union-attr]
            t0 = targets[0] if len(targets) == 1 else None
            # `x = ...` or `self.started = ...`: the fix assigns the same target
            shown = t0.id if type(t0) is ast.Name else (  # type: ignore[attr-defined]
                ast.unparse(t0) if type(t0) is ast.Attribute and type(t0.value) is ast.Name else "")  # type: ignore[attr-defined]
            if shown and a.value is not None:
                assigned = self.assigned
                if not isinstance(assigned, dict):
                    assigned = self.assigned = {}
                assigned[id(node)] = (shown, a.value)
        if self.pending is not None and rule in ("DUR001", "DUR002"):
            if self.loop_vars:
                self.loop_of[id(node)] = loop_key(self.loop_vars[-1])
            self.pending.append((rule, node, label))  # maybe a terminal result: see result_value
            return
        expr = self.step_expr(node, rule) if rule in ("DUR003", "DUR021") else _code(node, 50)
        key = f"{rule}-env-{env}" if env else rule
        var = name = ""
        span = None
        if rule == "DUR001" and isinstance(node, ast.Call) and self.m.qual(node.func) in C.PROCESS_CLOCKS:
            key = "DUR001-process-clock"
        elif rule in ("DUR001", "DUR002"):
            expr, var, name, span = self.value_fix(rule, node, expr)
        elif key in ("DUR003", "DUR021", "DUR009", "DUR004-env-read"):
            name = {"DUR003": "fetch", "DUR021": "write", "DUR009": "pause"}.get(key, "read-config")
        loop_var = self.loop_of.get(id(node), loop_key(self.loop_vars[-1]) if self.loop_vars else "")
        if name and not loop_var:
            name = self.unique_fix_name(name)
        fix = _FIX.get(key, "").format(ctx=self.ctx, expr=expr, var=var, name=name)
        if rule == "DUR020" and type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "print":
            fix = _print_fix(node, self.ctx) or fix
        elif rule == "DUR002" and expr.startswith("hash("):
            fix = (f"use a hash that is the same in every process: int(hashlib.sha256(str(...).encode()).hexdigest(), "
                   f"16) instead of hash() (a str's hash is salted per process), or {fix[0].lower()}{fix[1:]}")
        elif rule == "DUR001" and expr in ("time.localtime()", "time.gmtime()"):
            # a struct_time comes back from the checkpoint as a plain list: checkpoint the seconds instead
            fix = (f"read the time inside a step and convert it after: {var} = {expr[:-1]}{self.ctx}.step(lambda _: "
                   f"time.time(), name=\"{name}\")) (a struct_time comes back from the checkpoint as a plain list)")
        elif key == "DUR004-env-read" and self.role == "orch" and not self.fi.result_body:
            # a helper handed the context: a step in it runs once per call, each with the same name
            called = self.fi.qualname.rsplit(".", 1)[-1]
            fix = fix.replace("read only this variable in a step and branch on the result",
                              f"read only this variable in a step once, in the handler before it calls {called}(), "
                              "and pass the result in (a step here runs once per call)")
        if name and loop_var:
            # one step per iteration: a name per iteration, as loops name their steps (f"store-{cid}")
            fix = fix.replace(f'name="{name}"', f'name=f"{name}-{loop_var}"')
        body = _BODY_READ.search(expr) if rule == "DUR003" else None
        if body is not None:  # the step returns the text: code that read the response's stream must change
            fix += f'; data is then the decoded text: use it where the code read ["{body.group(1)}"]'
        if rule == "DUR003" and (".read()" in expr or "open(" in expr):
            fix += _LARGE_RESULT  # an object or file read: its content may not fit in a checkpoint
        why = _WHY_ENV if env else _WHY[rule]
        soft = _SOFT_WHY.get((self.soft_of.get(id(node), ""), rule))
        self.m.emit(rule, node, f"{label} {soft or why}", fix, "warning" if soft else None,
                    short=SHORT_FIX["DUR004-env"] if env else None)
        if span is not None:  # the range is what the fix replaces: `datetime.now().isoformat()`, `str(uuid4())`
            d = self.m.diagnostics[-1]
            self.m.diagnostics[-1] = dataclasses.replace(d, column=span[0] + 1, end_column=span[1] + 1)
        if self.tail is not None and rule in ONCE_AFTER_LAST_OPERATION:
            self.tail.reports.append(((getattr(node, "lineno", 0), getattr(node, "col_offset", 0)),
                                      self.m.diagnostics[-1]))
        if rule in ("DUR001", "DUR002") and id(node) in self.assigned:
            self.source_diags = [*self.source_diags, (self.assigned[id(node)][0], self.m.diagnostics[-1])]
        if key == "DUR001-process-clock":
            self.clock_reads = [*self.clock_reads, (node, self.m.diagnostics[-1])]

    def value_fix(self, rule: str, node: ast.AST, expr: str) -> tuple[str, str, str, tuple[int, int] | None]:
        """DUR001/DUR002's fix: the expression to move into the step with what turns the reading into a
        value (``datetime.now(tz).isoformat()``, ``uuid4().hex``, ``str(uuid4())``), the variable and
        the step name. In ``x = <that expression>`` the step replaces the value and is named after x; in
        a larger value it gets a variable of its own, its name still derived from x. Last, the columns
        (UTF-8 offsets) of that expression when they are more than node's, else None."""
        var, name = ("now", "now") if rule == "DUR001" else ("value", "make-id")
        line, end_line = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0)
        lines = self.m.source_lines()
        if line != end_line or not 0 < line <= len(lines) or expr.endswith("(...)"):
            return expr, var, name, None
        raw = lines[line - 1].encode()
        start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        expr = raw[start:end].decode("utf-8", "replace")  # as written (ast.unparse changes quotes)
        tail = _VALUE_TAIL.match(raw[end:].decode("utf-8", "replace"))
        if tail:
            expr += tail.group(0)
            end += len(tail.group(0).encode())
        head = _CONVERTER.search(raw[:start].decode("utf-8", "replace"))
        if head and raw[end:end + 1] == b")":
            expr = f"{head.group(1)}({expr})"
            start -= len(head.group(0).encode())
            end += 1
        assigned = self.assigned.get(id(node))
        if assigned is not None:
            target, value = assigned
            stem = re.sub(r"[^a-z0-9]+", "-", target.rsplit(".", 1)[-1].lower()).strip("-")
            if stem:
                whole = (value.lineno, value.col_offset, value.end_lineno, value.end_col_offset) == (line, start, line, end)
                if whole:
                    var, name = target, stem
                else:
                    name = f"{stem}-{'now' if rule == 'DUR001' else 'random'}"
        span = (start, end) if (start, end) != (node.col_offset, node.end_col_offset) else None  # type: ignore[attr-defined]
        return expr, var, name, span

    def example_name(self, node: ast.Call, method: str) -> str:
        """A name a fix gives an unnamed operation: after what takes its result (`batch = context.map(...)`
        -> "batch"), else one for its kind; unique in the function, and the same for every fix of node."""
        known = self.m.example_names.get(id(node))
        if known is not None:
            return known
        a = self.assigning
        targets: list[ast.expr] = []
        if isinstance(a, ast.Assign) and a.value is node:
            targets = a.targets
        elif isinstance(a, ast.AnnAssign) and a.value is node:
            targets = [a.target]
        first = targets[0] if len(targets) == 1 else None
        stem = kebab(first.id) if isinstance(first, ast.Name) else ""
        name = self.m.example_names[id(node)] = self.unique_fix_name(
            stem or SUGGESTED_NAME.get(method, kebab(method)))
        return name

    def unique_fix_name(self, name: str) -> str:
        """name, or name-2, name-3...: the first one that neither this function's operations seen so
        far nor the fixes given before use, so that applying every fix adds no DUR030."""
        taken = self.fix_names
        if not isinstance(taken, set):
            # the function's literal operation names, also those after this point (visited later)
            taken = self.fix_names = {kw.value.value for n in ast.walk(self.fi.node) if type(n) is ast.Call
                                      for kw in n.keywords if kw.arg == "name" and type(kw.value) is ast.Constant
                                      and isinstance(kw.value.value, str)}  # type: ignore[attr-defined]
        taken.update(self.names)
        return unique_name(name, taken)

    def step_expr(self, node: ast.AST, rule: str = "DUR003") -> str:
        """The expression a fix wraps in a step, ending in a value the step can checkpoint: a boto3
        response's StreamingBody (S3 get_object, Lambda invoke) is read inside the step."""
        text = _code(node, 50)
        func = getattr(node, "func", None)
        if isinstance(func, ast.Attribute) and self.m.kind_of(func.value, self.local_kinds) == "aws":
            body = _STREAMING_BODY.get(func.attr)
            if body:
                text += f"[\"{body}\"].read().decode()"
                return text
        if isinstance(func, ast.Attribute) and func.attr == "paginate":
            return f"list({text})"  # a PageIterator is not a value: collect the pages in the step
        if isinstance(func, ast.Name) and func.id == "open":
            return f"{text}.read()"  # a file object is not a value: read it in the step
        # `requests.get(url).json()`: the step must return the decoded value, not the response object
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_line is not None and end_col is not None:
            lines = self.m.source_lines()
            # ast offsets count UTF-8 bytes
            rest = lines[end_line - 1].encode()[end_col:].decode("utf-8", "replace") if end_line <= len(lines) else ""
            tail = _RESULT_TAIL.match(rest)
            if tail:
                return text + tail.group(0)
        # a bare requests/httpx Response is no value either (the SDK's serdes rejects it): keep the body
        q = self.m.qual(func) if func is not None else None
        if q and q.split(".", 1)[0] in ("requests", "httpx"):
            text += ".status_code" if rule == "DUR021" else ".json()"
        return text

    def source_or_impure(self, rule: str, node: ast.AST, label: Any) -> None:
        if rule in ("DUR001", "DUR002", "DUR003") or rule == "DUR004":
            self.source_hit = True
        if self.orch:
            self.report_source(rule, node, label)
        elif self.role == "plain" and rule in _IMPURITY_RANK and \
                (self.impurity is None or _IMPURITY_RANK[rule] > _IMPURITY_RANK[self.impurity[0]]):
            self.impurity = (rule, str(label).strip("`"))  # DUR005 names the most serious one

    def plain_call(self, node: ast.Call) -> None:
        _calls_mutating(self, node)
        role = self.role
        in_step = role in STEP_ROLES
        hands_ctx = self._hands_ctx(node) if self.ctxs else False
        if self.tail is not None and (hands_ctx or self._may_orchestrate(node)):
            self.mark_operation(node)
        if hands_ctx:
            if self.term is not None:
                self.term.work += 1  # hands the context to a helper, which may run durable operations
            if self.orch:
                self.library_callbacks(node)
                self.retry_block(node)
        if hands_ctx and in_step and self._runs_operations(node):
            where = "wait_for_callback submitter" if self.role == "submitter" else "step-wrapped code"
            self.m.emit("DUR010", node,
                        f"`{_short(node.func, 40)}(...)` gets a durable context inside {where}: any durable operation "
                        "it runs nests in the step, which breaks replay",
                        f"call `{_short(node.func, 40)}(...)` from orchestration code, before or after the step, and "
                        "give the step only plain values")
        elif in_step and self.parent_ctx and type(node.func) is ast.Name:
            self._closure_in_step(node)
        r = self.classify(node)
        if r is not None:
            rule, label, is_env = r
            if is_env:
                self.env_read(node)
            elif rule in ("DUR009", "DUR020"):
                if self.orch:
                    self.report_source(rule, node, label)
                elif rule == "DUR009" and self.role == "plain":  # reported where orchestration calls it
                    self.m.sleepers.setdefault(self.fi.qualname, str(label).strip("`"))
            else:
                self.source_or_impure(rule, node, label)
                if rule == "DUR021" and self.role in ("step", "submitter") and not self.fi.no_retry:
                    self.check_idempotent(node, label)
                elif rule == "DUR021" and self.role == "plain" and self.fi.qualname not in self.m.nonidempotent:
                    how = self.idempotency_fix(node)
                    if how is not None:  # reported where a retrying step calls this function
                        self.m.nonidempotent[self.fi.qualname] = (str(label).strip("`"), how)
        func = node.func
        func_type = type(func)
        threaded = self.orch and not self.in_threading and self.threading(node)
        callee: FuncInfo | None = None
        if func_type is ast.Name:
            callee = self.m.lookup(self.fi, func.id)
            if callee is not None and callee.decorator in _OPERATION_DECORATORS and self.orch \
                    and self.assigning is not None and self.assigning.value is node:
                # `receipt = charge(order)`: a decorated function called directly only builds the operation
                op = _OPERATION_DECORATORS[callee.decorator]
                self.m.emit("DUR015", node,
                            f"`{func.id}(...)` only builds the {op.replace('_', ' ')} that @{callee.decorator} makes: "
                            f"nothing runs it, and the variable holds a function, not the result",
                            f"run it: {self.ctx}.{op}({_short(node, 40)})", short=f"run it with {self.ctx}.{op}(...)")
            if callee is None and r is None:
                q = self.m.imports.get(func.id)
                if q is not None:
                    self.project_call(node, q, func.id)
                elif self.m.star_modules and func.id not in self.fi.locals() and func.id not in _BUILTINS:
                    # `from .clock import *`: the name may come from any of those project modules
                    self.project_call(node, None, func.id, star=True)
        elif func_type is ast.Attribute and r is None:
            q = self.m.qual(func)
            if q is not None and isinstance(func.value, ast.Name) and \
                    self.m.imports.get(func.value.id, "").split(".")[0] not in C.THIRD_PARTY_ROOTS:
                self.project_call(node, q, func)
        if callee is not None and callee is not self.fi:
            passed = self.context_params(callee, node)
            if passed:
                callee.handed_ctx = True
                if callee.role is None or (callee.role == "orch" and not callee.done):
                    nested = callee.parent is not None and callee in self.nested
                    self.m.assign_role(callee, "orch", frozenset(self.ctxs), ctx_params=passed | callee.ctx_params,
                                       defer=nested)
            elif self.orch or role == "plain" or in_step:
                if callee.role in (None, "plain") and not callee.decorator:
                    self.project_call(node, None, func.id if isinstance(func, ast.Name) else "", callee)
        self.in_threading += threaded
        self.visit(func) if func_type is not ast.Name else self.v_name(func)  # type: ignore[arg-type]
        # In a helper that may receive a context from another file, `param.step(lambda ...)` may be
        # a step: its function argument does not count against the helper's purity.
        maybe_step = role == "plain" and func_type is ast.Attribute and func.attr in C.OPERATIONS \
            and type(func.value) is ast.Name and func.value.id in self.fi.params  # type: ignore[attr-defined]
        visit = self.visit
        for a in node.args:
            if not (maybe_step and type(a) is ast.Lambda):
                visit(a)
        for k in node.keywords:
            if not (maybe_step and type(k.value) is ast.Lambda):
                visit(k.value)
        self.in_threading -= threaded

    def library_callbacks(self, node: ast.Call) -> None:
        """Lambdas handed to a third-party function together with the durable context
        (``run_agent(context, on_pause=lambda p: save(p))``): the library decides where they run, often
        inside a step of its own, so they are not read as this function's code."""
        func = node.func
        base = func
        while isinstance(base, ast.Attribute):
            base = base.value
        if not isinstance(base, ast.Name) or base.id in self.fi.locals():
            return
        q = self.m.imports.get(base.id)
        if q is None or q.startswith(".") or _is_sdk(q) or q.split(".")[0] in _STDLIB:
            return
        if any(os.path.isfile(p) for p, _ in self.m.project_candidates(q)):
            return  # a project module: its functions are analyzed like this one
        for a in (*node.args, *(k.value for k in node.keywords)):
            if isinstance(a, ast.Lambda):
                self.m.own_scope_lambdas.add(id(a))

    def retry_block(self, node: ast.Call) -> None:
        """The SDK's `with_retry(context, func, config)`: func(ctx, attempt) runs in a child context
        (by default) and re-runs on failure, so it is orchestration code with its own context."""
        q = self.m.qual(node.func)
        if not q or not _is_sdk(q) or q.rsplit(".", 1)[-1] != "with_retry":
            return
        func = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "func"), None)  # type: ignore[arg-type]
        if func is not None:
            self.m.own_scope_lambdas.add(id(func))  # not an unknown library callback: read it as a child body
            self.function_argument(func, "run_in_child_context", self.ctx, False, False)

    def _closure_in_step(self, node: ast.Call) -> None:
        """DUR010 for ``notify = lambda: context.step(...)`` (or a nested def) called inside a step: the
        closure runs durable operations on a context from outside the step."""
        name = node.func.id  # type: ignore[attr-defined]
        callee = self.m.lookup(self.fi, name)
        if callee is None or callee.parent is None or callee is self.fi:
            return
        p: FuncInfo | None = self.fi
        while p is not None and p is not callee:
            p = p.parent
        if p is callee:
            return  # a recursive call of an enclosing function
        own = set(callee.params)
        for n in ast.walk(callee.node):
            if type(n) is ast.Call and type(n.func) is ast.Attribute and n.func.attr in C.OPERATIONS \
                    and type(n.func.value) is ast.Name and n.func.value.id in self.parent_ctx \
                    and n.func.value.id not in own:  # type: ignore[attr-defined]
                where = "wait_for_callback submitter" if self.role == "submitter" else "step-wrapped code"
                self.m.emit("DUR010", node,
                            f"`{name}()` runs `{n.func.value.id}.{n.func.attr}(...)` inside {where}: the "  # type: ignore[attr-defined]
                            "durable operation nests in the step, which breaks replay",
                            f"call `{name}()` from orchestration code, before or after the step, not inside it")
                return

    def _runs_operations(self, node: ast.Call) -> bool:
        """Whether the called function is one of this file's that runs durable operations on a parameter
        (a helper that only reads `context.execution_arn`, or one in another file, is not judged)."""
        if not isinstance(node.func, ast.Name):
            return False
        callee = self.m.lookup(self.fi, node.func.id)
        if callee is None or isinstance(callee.node, ast.Lambda):
            return False
        params = set(callee.params)
        return any(type(n) is ast.Call and type(n.func) is ast.Attribute and n.func.attr in C.OPERATIONS
                   and type(n.func.value) is ast.Name and n.func.value.id in params  # type: ignore[attr-defined]
                   for n in ast.walk(callee.node))

    def _ctx_in_literal(self, node: ast.Call) -> bool:
        """A durable context inside a dict/list/tuple argument (`reserve({"ctx": context}, id)`): the
        function gets it and may run durable operations, so its call must not go in a step."""
        ctxs = self.ctxs
        for a in (*node.args, *(k.value for k in node.keywords)):
            if type(a) in (ast.Dict, ast.List, ast.Tuple, ast.Set):
                if any(type(n) is ast.Name and n.id in ctxs for n in ast.walk(a)):  # type: ignore[attr-defined]
                    return True
        return False

    def _hands_ctx(self, node: ast.Call) -> bool:
        ctxs = self.ctxs
        for a in (*node.args, *(k.value for k in node.keywords)) if node.keywords else node.args:
            t = type(a)
            if t is ast.Name:
                if a.id in ctxs:  # type: ignore[attr-defined]
                    return True
            elif t is ast.Attribute and type(a.value) is ast.Name and \
                    f"{a.value.id}.{a.attr}" in ctxs:  # type: ignore[attr-defined]
                return True
        return False

    def context_params(self, callee: FuncInfo, node: ast.Call) -> set[str]:
        if not self.ctxs:
            return set()
        params = callee.positional()
        out: set[str] = set()
        for i, a in enumerate(node.args):
            if isinstance(a, ast.Starred):
                break
            if isinstance(a, ast.Name) and a.id in self.ctxs and i < len(params):
                out.add(params[i])
        for k in node.keywords:
            if k.arg and isinstance(k.value, ast.Name) and k.value.id in self.ctxs and k.arg in callee.params:
                out.add(k.arg)
        return out

    def project_call(self, node: ast.Call, q: str | None, text: Any, local: FuncInfo | None = None,
                     star: bool = False) -> None:
        if local is not None:
            cands = [(self.m.path, local.qualname)]
        elif star:
            cands = [c for mod in self.m.star_modules for c in self.m.project_candidates(f"{mod}.{text}")]
        else:
            cands = self.m.project_candidates(q or "")
        if not cands:
            return
        if self.role == "plain":
            for c in cands:
                if c not in self.calls:
                    self.calls.append(c)
            return
        if self.role in STEP_ROLES or self.role in ORCH_ROLES:  # when the function writes module state:
            # DUR012 in step or child code (the write is lost), DUR013 in other orchestration code
            where = "step" if self.role in STEP_ROLES else "child context" if self.role == "child" else ORCHESTRATION
            self.m.deferred.append(Deferred("module-write", _loc(node), cands,
                                             text if isinstance(text, str) else _short(text, 40), self.ctx, op=where))
        if self.retrying:  # DUR035 when the function does a write that a retry repeats
            if isinstance(text, ast.AST):
                text = _short(text, 40)
            self.m.deferred.append(Deferred("nonidempotent", _loc(node), cands, text, self.ctx, op=self.role,
                                             step_fn=self._step_fn()))
        elif self.orch:
            if isinstance(text, ast.AST):
                text = _short(text, 40)
            # a function that gets the context runs durable operations: it cannot go in a step
            hands = self._hands_ctx(node) or self._ctx_in_literal(node)
            d = Deferred("impure", _loc(node), cands, text, self.ctx, op="hands-ctx" if hands else "",
                          in_log=self.soft in ("log", "ctxlog"))
            self.m.deferred.append(d)
            if not hands:  # a helper that sleeps (a helper given the context is orchestration code itself)
                self.m.deferred.append(Deferred("sleep", _loc(node), cands, text, self.ctx))
            if hands:
                self.mark_operation(node)
            elif self.tail is not None:  # dropped if it turns out to be after the last operation
                self.tail.reports.append(((node.lineno, node.col_offset), d))
            if self.pending is not None:
                self.pending.append(d)

    def threading(self, node: ast.Call) -> bool:
        q = self.m.qual(node.func)
        func = node.func
        hit = q in C.THREADING_CALLS and q not in ("concurrent.futures.ThreadPoolExecutor",
                                                   "concurrent.futures.ProcessPoolExecutor")
        if not hit and isinstance(func, ast.Attribute) and func.attr in C.EXECUTOR_METHODS:
            hit = self.m.kind_of(func.value, self.local_kinds) == "executor"
        if not hit:
            return False
        for a in [*node.args, *(k.value for k in node.keywords)]:
            for n in ast.walk(a):
                uses = isinstance(n, ast.Name) and (n.id in self.ctxs or self._orch_function(n.id))
                if uses:
                    self.m.emit("DUR008", node,
                                f"`{_short(node.func, 40)}(...)` runs durable work on threads or tasks: "
                                "operations then start in a non-deterministic order and replay diverges",
                                f"use {self.ctx}.parallel(...) or {self.ctx}.map(...), which run branches durably")
                    targets = [t for t in (self.m.lookup(self.fi, x.id) for x in ast.walk(node)
                                           if type(x) is ast.Name) if t is not None]  # type: ignore[attr-defined]
                    self.m.threaded.append((self.m.diagnostics[-1], self.fi, targets))
                    return True
        return False

    def _orch_function(self, name: str) -> bool:
        fi = self.m.lookup(self.fi, name)
        if fi is None:
            return False
        if fi.role in ORCH_ROLES or fi.ctx_params:
            return True
        return bool(self.ctxs) and self._references(fi, self.ctxs)

    def idempotency_fix(self, node: ast.Call) -> str | None:
        """How to make this write safe to repeat, or None when it already is (or is no such write)."""
        func = node.func
        verb = func.attr if isinstance(func, ast.Attribute) else (self.m.qual(func) or "").rsplit(".", 1)[-1]
        if verb == "update_item":
            # A counter update (ADD, or SET x = x + :v) repeats on retry; a condition makes it safe.
            expr = next((_const_str(k.value) for k in node.keywords if k.arg == "UpdateExpression"), None) or ""
            cond = next((k.value for k in node.keywords if k.arg == "ConditionExpression"), None)
            if not re.search(r"\bADD\b|[+-]\s*:", expr, re.IGNORECASE) or (cond is not None and _guards_a_repeat(cond)):
                return None
        elif verb not in C.NON_IDEMPOTENT:
            return None
        if any(k.arg in C.IDEMPOTENCY_KEYWORDS for k in node.keywords) or _nested_idempotency_key(node):
            return None
        kind = self.m.kind_of(func.value, self.local_kinds) if isinstance(func, ast.Attribute) else None
        http = kind == "http" or (kind is None and (self.m.qual(func) or "").split(".")[0] in C.HTTP_MODULES)
        if http and _idempotency_header(node):
            return None
        if http:
            return "send an idempotency key header the service honours, e.g. headers={\"Idempotency-Key\": " \
                   "<an id from the input>}"
        if verb == "update_item":
            return "add a ConditionExpression (e.g. on a version attribute) so a retried update applies once"
        if kind != "db" and verb in C.IDEMPOTENCY_FIX:
            return C.IDEMPOTENCY_FIX[verb].format(ctx=self.ctx if self.ctxs else "context")
        return "pass an idempotency key the API accepts, built from the input"

    def _step_fn(self) -> str:
        """The @durable_step function this code is (its calls carry the step's config), else ""."""
        fi = self.fi
        return fi.qualname.rsplit(".", 1)[-1] if fi.decorator == "durable_step" and self.role == "step" else ""

    def check_idempotent(self, node: ast.Call, label: Any) -> None:
        how = self.idempotency_fix(node)
        if how is None:
            return
        where, tail = _retrying(self.role, self._step_fn())
        verb = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        if verb in ("invoke", "invoke_async") and (self.role == "submitter" or "callback" in _short(node, 400).lower()):
            # the target reports back with this callback id, which only the submitter has: an invoke
            # from orchestration code cannot send it, and would wait for a result the target never returns
            fix = f"{tail}; or have the target ignore a callback id it has already answered"
        else:
            fix = f"{how}, or {tail}"
        self.m.emit("DUR035", node,
                    f"{label} is not idempotent and {where}: a retry after a timeout or crash repeats it",
                    fix, "info")


def _guards_a_repeat(cond: ast.expr) -> bool:
    """Whether a ConditionExpression can make a second application of an update fail."""
    return condition_guards_a_repeat(_const_str(cond))


_NO_RETRY = re.compile(r"RetryPresets\.none\(\)|max_attempts\s*=\s*1\b|should_retry\s*=\s*False")


def _retrying(role: str, step_fn: str = "") -> tuple[str, str]:
    """DUR035's "where" and its way out, for a step or a wait_for_callback submitter. In a @durable_step
    function the config goes where the step runs, not in the function: the fix says so."""
    if role == "submitter":
        return ("this wait_for_callback submitter runs as a step with retries (at least once per attempt)",
                "pass config=WaitForCallbackConfig(retry_strategy=RetryPresets.none(), ...) so a failed "
                "submitter is not retried (a submitter has no step_semantics)")
    # at most once per attempt and no retry: an interrupted attempt is not run again, a failed one not retried
    config = ("StepConfig(step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY, retry_strategy=RetryPresets.none()) "
              "(from aws_durable_execution_sdk_python.config import StepConfig, StepSemantics; from "
              "aws_durable_execution_sdk_python.retries import RetryPresets)")
    if step_fn:
        return ("this step retries failed and interrupted attempts",
                f"pass config={config} where the step runs: context.step({step_fn}(...), config=...)")
    return ("this step retries failed and interrupted attempts", f"use config={config}")


def _nested_idempotency_key(call: ast.Call) -> bool:
    """A token inside literal arguments: ``InvalidationBatch={"CallerReference": ...}``, or
    ``Entries=[{"MessageDeduplicationId": ...}, ...]`` (every entry)."""
    for k in call.keywords:
        v = k.value
        if isinstance(v, ast.Dict):
            if any(_const_str(key) in C.NESTED_IDEMPOTENCY_KEYS for key in v.keys):
                return True
        elif isinstance(v, (ast.List, ast.Tuple)) and v.elts and all(
                isinstance(e, ast.Dict) and any(_const_str(key) in C.NESTED_IDEMPOTENCY_KEYS for key in e.keys)
                for e in v.elts):
            return True
    return False


def _idempotency_header(call: ast.Call) -> bool:
    """``headers={"Idempotency-Key": ...}`` (any header naming idempotency) on an HTTP call."""
    for k in call.keywords:
        if k.arg == "headers" and isinstance(k.value, ast.Dict):
            return any("idempotency" in (_const_str(key) or "").lower() for key in k.value.keys)
    return False


def _drop(held: list[Any]) -> None:
    """Held-back findings of a terminal result: DUR001/DUR002 go, DUR005 calls are marked terminal."""
    for item in held:
        if type(item) is Deferred:
            item.terminal = True


def _within(outer: ast.AST, pos: tuple[int, int], end_col: int) -> bool:
    """Whether the text from pos to end_col on its line lies inside outer."""
    return (outer.lineno, outer.col_offset) <= pos and \
        (pos[0], end_col) <= (outer.end_lineno, outer.end_col_offset)  # type: ignore[operator]


def _exits(stmts: list[ast.stmt]) -> bool:
    """Whether a block always ends in ``return`` or ``raise`` (an ``if`` whose arms both do)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _exits(last.body) and _exits(last.orelse)
    return False


def _compatible(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """Two operations can both run unless they sit in different arms of the same ``if``."""
    arms_a = dict(a)
    return all(arms_a.get(k, arm) == arm for k, arm in b)


def _loc(node: ast.AST) -> tuple[int, int, int, int]:
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    return (line, col + 1, getattr(node, "end_lineno", None) or line, (getattr(node, "end_col_offset", None) or col) + 1)


def emit_binding(m: ModuleAnalyzer | None, expr: Any, method: str, name: str, need: str, receiver: str,
                 path: str = "", loc: tuple[int, int, int, int] | None = None, target: FuncInfo | None = None,
                 ctxs: set[str] | None = None) -> Diagnostic | None:
    r = RULES["DUR015"]
    msg = (f"`{receiver}.{method}({name}(...))` calls `{name}` now, outside the {method.replace('_', ' ')}, "
           f"and hands over its result, and `{name}` is not decorated with @{need}")
    lam = f"{receiver}.{method}(lambda {'_' if method == 'step' else 'c'}: {name}(...), name=\"{kebab(name)}\")"
    # @durable_step and @durable_with_child_context pass the context as the first argument themselves
    # (func(context, *args)); other decorators have other shapes: name the decorator only
    kind = {"step": "step", "run_in_child_context": "child"}.get(method)
    decorate = f"decorate `{name}` with @{need}"
    if kind is not None:
        decorate += f" (it passes the {kind} context as the first argument"
        call = expr if isinstance(expr, ast.Call) else None
        params = target.positional() if target is not None and not isinstance(target.node, ast.Lambda) else None
        if call is not None and params and len(call.args) == len(params) and call.args \
                and not any(type(a) is ast.Starred for a in call.args) and (
                    (type(call.args[0]) is ast.Constant and call.args[0].value is None)  # type: ignore[attr-defined]
                    or (type(call.args[0]) is ast.Name and call.args[0].id in (ctxs or ()))):  # type: ignore[attr-defined]
            decorate += f", so drop it at the call site: {_without_first_argument(m, call)})"
        elif call is not None and params and len(call.args) == len(params) - 1:
            decorate += ")"
        else:
            decorate += "; do not pass one at the call site)"
    fix = f"{decorate}, or pass a function: {lam}"
    if m is not None:
        m.emit("DUR015", expr, msg, fix)
        return None
    assert loc is not None
    return Diagnostic(path, loc[0], loc[1], loc[2], loc[3], "DUR015", r.severity,
                      code_message("DUR015", msg), fix)


def _without_first_argument(m: ModuleAnalyzer | None, call: ast.Call) -> str:
    """``f(None, a, k=1)`` as ``f(a, k=1)``, in the source's own spelling where it can be read."""
    def text(node: ast.AST) -> str:
        seg = ast.get_source_segment(m.text, node) if m is not None and m.text else None
        return seg if seg is not None and "\n" not in seg else _short(node, 10_000)
    parts = [text(a) for a in call.args[1:]]
    parts += [f"{k.arg}={text(k.value)}" if k.arg else f"**{text(k.value)}" for k in call.keywords]
    return f"{text(call.func)}({', '.join(parts)})"


# Which impurity a DUR005 chain names when a helper has several: a write, then an external read,
# then randomness or the clock, then invocation-specific state.
# Decorators whose function's return value is a durable result (the handler's, a child's or a branch's).
_RESULT_DECORATORS = frozenset({"durable_execution", "durable_handler", "durable_with_child_context",
                                "durable_parallel_branch"})
# What a final ``except ...: raise`` may do without a finding: it runs once (FunctionVisitor.final_handler).
_ONCE_RULES = frozenset({"DUR001", "DUR002", "DUR003", "DUR020", "DUR021"})
# Decorators whose function, when called, returns a callable for this operation instead of running it.
_OPERATION_DECORATORS = {"durable_step": "step", "durable_with_child_context": "run_in_child_context",
                         "durable_wait_for_callback": "wait_for_callback"}
_IMPURITY_RANK = {"DUR021": 4, "DUR003": 3, "DUR002": 2, "DUR001": 2, "DUR004": 1}
_SCALARS = frozenset({"str", "int", "float", "bool", "bytes", "None", "Decimal", "datetime", "date", "UUID"})
_BLOCKS = frozenset({ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match,
                     ast.ExceptHandler, ast.match_case, *([ast.TryStar] if hasattr(ast, "TryStar") else [])})
_SKIP_INDEX = frozenset({ast.Expr, ast.Return, ast.AugAssign, ast.Pass, ast.Raise, ast.Delete, ast.Assert,
                         ast.Break, ast.Continue, ast.Global, ast.Nonlocal})
_NOT_CHILDREN = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "level", "is_async",
                           "type_ignores"})
_CHILDREN: dict[type, tuple[str, ...]] = {}
_DISPATCH: dict[type, Any] = {
    ast.FunctionDef: FunctionVisitor.v_funcdef,
    ast.AsyncFunctionDef: FunctionVisitor.v_funcdef,
    ast.ClassDef: FunctionVisitor.v_classdef,
    ast.Lambda: FunctionVisitor.v_lambda,
    ast.Global: FunctionVisitor.v_global,
    ast.Nonlocal: FunctionVisitor.v_global,
    ast.Assign: FunctionVisitor.v_assign,
    ast.AnnAssign: FunctionVisitor.v_assign,
    ast.AugAssign: FunctionVisitor.v_augassign,
    ast.Delete: FunctionVisitor.v_delete,
    ast.If: FunctionVisitor.v_if,
    ast.While: FunctionVisitor.v_if,
    ast.IfExp: FunctionVisitor.v_ifexp,
    ast.For: FunctionVisitor.v_for,
    ast.AsyncFor: FunctionVisitor.v_for,
    ast.ListComp: FunctionVisitor.v_comprehension,
    ast.SetComp: FunctionVisitor.v_comprehension,
    ast.GeneratorExp: FunctionVisitor.v_comprehension,
    ast.DictComp: FunctionVisitor.v_comprehension,
    ast.With: FunctionVisitor.v_with,
    ast.AsyncWith: FunctionVisitor.v_with,
    ast.Try: FunctionVisitor.v_try,
    ast.Return: FunctionVisitor.v_return,
    ast.Raise: FunctionVisitor.v_exit,
    ast.Break: FunctionVisitor.v_exit,
    ast.Continue: FunctionVisitor.v_exit,
    ast.Match: FunctionVisitor.v_match,
    ast.Name: FunctionVisitor.v_name,
    ast.Attribute: FunctionVisitor.v_attribute,
    ast.Subscript: FunctionVisitor.v_subscript,
    ast.Call: FunctionVisitor.v_call,
    ast.Constant: lambda self, node: None,
    ast.Pass: lambda self, node: None,
    ast.Import: lambda self, node: None,
    ast.ImportFrom: lambda self, node: None,
}
if hasattr(ast, "TryStar"):
    _DISPATCH[ast.TryStar] = FunctionVisitor.v_try


def unserializable_message(where: str, what: str) -> str:
    return (f"this {where} returns {what}, which the default serializer cannot checkpoint (it handles JSON "
            "types, datetime, Decimal, UUID, bytes and tuples), so the operation fails")


def unserializable_fix(way: str) -> str:
    return f"return a value it can checkpoint: {way}; or pass a serdes in the config"


def _calls_mutating(v: FunctionVisitor, node: ast.Call) -> None:
    """``outer.append(x)`` and friends: writes through a name."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in C.MUTATING_METHODS:
        base = func.value
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
        if isinstance(base, ast.Name):
            v.outer_write(node, base.id)


def _reached(closure: Any, d: Deferred, path: str) -> tuple[str, str, str] | None:
    """What a pass-2 closure (ProjectView.nonidempotent / module_write) finds for the first candidate
    of a deferred call that it knows."""
    for cand_path, name in d.candidates:
        found = closure(cand_path, name, path)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return None


def _deferred_diagnostic(path: str, d: Deferred, rule: str, what: str, fix: str) -> Diagnostic:
    return Diagnostic(path, *d.node, rule, RULES[rule].severity, code_message(rule, what), fix)


def _dict_value(table: ast.expr | None, key: str | None) -> ast.expr | None:
    """The value of a constant key in a dict literal, or None."""
    if not isinstance(table, ast.Dict) or key is None:
        return None
    for k, v in zip(table.keys, table.values, strict=True):
        if k is not None and _const_str(k) == key:
            return v
    return None


def _module_env(m: ModuleAnalyzer) -> dict[str, str]:
    """Module constants that hold an environment variable (``WORKER_ARN = os.environ["WORKER_ARN"]``,
    ``TARGETS = {"worker": os.getenv("WORKER_ARN")}``), for invoke targets other modules import."""
    if "environ" not in m.text and "getenv" not in m.text:
        return {}

    def var_of(node: ast.expr | None, depth: int = 0) -> str | None:
        if node is None or depth > 3:
            return None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return var_of(node.values[0], depth + 1)
        if isinstance(node, ast.Name):
            return var_of(m.consts.get(node.id), depth + 1)
        if isinstance(node, ast.Subscript) and m.qual(node.value) == "os.environ":
            return _const_str(node.slice)
        if isinstance(node, ast.Call) and node.args and m.qual(node.func) in ("os.environ.get", "os.getenv"):
            return _const_str(node.args[0])
        return None

    out: dict[str, str] = {}
    for name, value in m.consts.items():
        if isinstance(value, ast.Dict):
            for k, v in zip(value.keys, value.values, strict=True):
                key = _const_str(k) if k is not None else None
                var = var_of(v) if key is not None else None
                if var is not None:
                    out[f"{name}[{key}]"] = var
        else:
            var = var_of(value)
            if var is not None:
                out[name] = var
    return out


def _reexports(m: ModuleAnalyzer) -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """What this module passes on from other project modules (see PyModuleSummary.reexports)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for local, q in m.imports.items():
        if not q.startswith("."):
            root = q.split(".")[0]
            # `import x` (a module, not a name), the SDK, the standard library and installed packages
            # pass nothing on from this project: skip them without touching the file system
            if "." not in q or _is_sdk(q) or root in _STDLIB or root in C.THIRD_PARTY_ROOTS \
                    or not _local_root(m.dir, root):
                continue
        found = [c for c in m.project_candidates(q) if os.path.isfile(c[0])]
        if found:
            out[local] = found
    # the files a star-imported module may be: its candidates for any name ("_" stands for one)
    stars = [f for mod in m.star_modules for f, _ in m.project_candidates(f"{mod}._") if os.path.isfile(f)]
    return out, stars


def _local_root(directory: str, root: str) -> bool:
    """Whether a package or module named root sits in directory or up to three folders above it."""
    for _ in range(4):
        if os.path.isdir(os.path.join(directory, root)) or os.path.isfile(os.path.join(directory, root + ".py")):
            return True
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return False


def _through_reexports(d: Deferred, project: ProjectView) -> Deferred:
    """The deferred call with candidates that a package passes on added (`pkg/__init__.py`:
    `from .clock import now_ms` or `from .clock import *`), up to three hops."""
    cands = list(d.candidates)
    seen = set(cands)
    i = 0
    while i < len(cands) and len(cands) < 40:
        path, name = cands[i]
        i += 1
        other = project.summaries.get(path)
        if not isinstance(other, PyModuleSummary) or name in other.functions:
            continue
        more = other.reexports.get(name.split(".")[0], []) if "." not in name else []
        more = more + [(f, name) for f in other.star_files]
        for c in more:
            if c not in seen and len(seen) < 40:
                seen.add(c)
                cands.append(c)
    return d if len(cands) == len(d.candidates) else dataclasses.replace(d, candidates=cands)


def _result_kinds(m: ModuleAnalyzer) -> dict[str, tuple[str, str]]:
    """Top-level classes and functions whose call makes a value a step cannot checkpoint (DUR034)."""
    out = {name: m._instance(name) for name in m.plain_classes()}
    for name, fi in m.scope.items():
        if fi.decorator is None and fi.role in ("plain", None) and isinstance(fi.node, ast.FunctionDef):
            found = m.helper_result(name)
            if found:
                out[name] = found
    return out


def _durable_handlers(m: ModuleAnalyzer) -> list[str]:
    """Module-level names a Lambda handler setting can point at that run a durable handler."""
    names = [fi.qualname for fi in m.funcs if fi.parent is None and not fi.is_method and fi.owner is None
             and fi.decorator in ("durable_execution", "durable_handler") and fi.qualname in m.scope
             and isinstance(fi.node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                 m.sdk_name(d.func if isinstance(d, ast.Call) else d) in ("durable_execution", "durable_handler")
                 for d in fi.node.decorator_list)]
    return names + [n for n in m.handler_aliases if n not in names]


def _creates_callback(call: ast.Call, ctxs: set[str]) -> bool:
    f = call.func
    return type(f) is ast.Attribute and f.attr == "create_callback" and type(f.value) is ast.Name \
        and f.value.id in ctxs  # type: ignore[attr-defined]


def _is_generator(node: ast.AST) -> bool:
    """A `def` whose own body yields (not a nested function's)."""
    if not isinstance(node, ast.FunctionDef):
        return False  # an async generator cannot run in a step's plain lambda anyway
    stack: list[ast.AST] = list(node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(n))
    return False


def _memoizes(source: str, name: str) -> bool:
    """A function that writes ``name`` only after reading it to decide: a cache or a lazy client."""
    n = re.escape(name)
    return re.search(rf"\bin\s+{n}\b|\b{n}\s+is\s+(?:not\s+)?None|\bif\s+(?:not\s+)?{n}\b|\b{n}\.(?:get|setdefault)\(",
                     source) is not None


# ---------------------------------------------------------------------------------------------
# The frontend object


_NOT_PROJECT = frozenset(_STDLIB) | frozenset(C.THIRD_PARTY_ROOTS)


def _imported_files(m: ModuleAnalyzer) -> list[str]:
    """Candidate files of the project modules this module imports (the engine keeps those that exist)."""
    out: dict[str, None] = {}
    seen: set[str] = set()
    # q + "._": `from . import helpers` imports a module named like the name it binds
    for q in [*m.imports.values(), *(mod + "._" for mod in m.star_modules)]:
        if q in seen or (q[0] != "." and q.partition(".")[0] in _NOT_PROJECT):  # the stdlib, the SDK, boto3...
            continue
        seen.add(q)
        for file, _name in [*m.project_candidates(q), *m.project_candidates(q + "._")]:
            if file not in out and os.path.isfile(file):  # only what exists: a summary stays small
                out[file] = None
    return list(out)


class PythonFrontend:
    name = "python"

    def accepts(self, path: str, source: bytes) -> bool:
        return path.endswith((".py", ".pyw"))

    def summarize(self, path: str, source: bytes) -> ModuleSummary:
        return self._summarize(path, source)

    def _summarize(self, path: str, source: bytes) -> PyModuleSummary:
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:  # a PEP 263 coding cookie (# -*- coding: latin-1 -*-)
                encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
                text = source.decode(encoding)
            except (SyntaxError, LookupError, UnicodeDecodeError):
                line = source[: exc.start].count(b"\n") + 1
                return PyModuleSummary(path, parse_error=f"{line}: not UTF-8 text ({exc.reason}); cannot analyze")
        tree, error = parse_any(text, path)
        if tree is None:
            return PyModuleSummary(path, parse_error=error)
        m = ModuleAnalyzer(path, tree, text)
        try:
            m.run()
        except RecursionError:
            return PyModuleSummary(path, parse_error="1: code nested too deeply to analyze")
        reexports, star_files = _reexports(m)
        return PyModuleSummary(path, functions=m.functions, durations=m.durations, diagnostics=m.diagnostics,
                               deferred=m.deferred, bindings=m.bindings, exported_env=_module_env(m),
                               reexports=reexports, star_files=star_files, imports=_imported_files(m),
                               result_kinds=_result_kinds(m), durable_handlers=_durable_handlers(m),
                               op_names=m.op_names)

    def check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]:
        summary = project.summaries.get(path)
        if not isinstance(summary, PyModuleSummary):
            s = self.summarize(path, source)
            assert isinstance(s, PyModuleSummary)
            summary = s
        out = list(summary.diagnostics)
        state_writes: list[Diagnostic] = []
        taken = set(summary.op_names)
        for d in summary.deferred:
            d = _through_reexports(d, project)
            if d.kind == "impure":
                for cand_path, name in d.candidates:
                    chain = project.impure(cand_path, name, path)
                    if chain and d.terminal and project.impurity_rule(cand_path, name) in ("DUR001", "DUR002"):
                        break  # a timestamp or id for the result only: computed once, in the completing invocation
                    if chain and d.op == "hands-ctx":
                        out.append(context_helper_diagnostic(path, d.node[:2], d.node[2:], f"`{d.text}()`",
                                                             name.rsplit(".", 1)[-1], chain))
                        break
                    if chain and d.in_log and project.impurity_rule(cand_path, name) in ("DUR001", "DUR002"):
                        # as for the same read written inline in the logger call: a warning
                        out.append(Diagnostic(
                            path, *d.node, "DUR005", "warning",
                            code_message("DUR005", f"`{d.text}(...)` is not replay-safe outside a step, but only "
                                                   f"feeds a log line ({chain}): the orchestration does not change"),
                            f"call it inside a step: {d.ctx}.step(lambda _: {d.text}(...), "
                            f"name=\"{unique_name(kebab(d.text), taken)}\")"))
                        break
                    if chain:
                        r = RULES["DUR005"]
                        other = project.summaries.get(cand_path)
                        called = other.functions.get(name) if other is not None else None
                        step = unique_name(kebab(d.text), taken)
                        if called is not None and called.generator:  # a generator cannot be checkpointed
                            fix = f"collect what it yields in a step: {d.ctx}.step(lambda _: list({d.text}(...)), name=\"{step}\")"
                        elif called is not None and called.is_async:  # nor can a coroutine: run it to its end
                            fix = (f"run it to completion inside a step: {d.ctx}.step(lambda _: "
                                   f"asyncio.run({d.text}(...)), name=\"{step}\")")
                        else:
                            fix = f"call it inside a step: {d.ctx}.step(lambda _: {d.text}(...), name=\"{step}\")"
                        wrote = _reached(project.module_write, d, path)
                        if wrote is not None:  # in a step, that write would be lost on replay (DUR012)
                            fix = (f"have `{d.text}()` return its value instead of writing module-level `{wrote[1]}`, "
                                   f"then {fix[0].lower()}{fix[1:]}, and keep the result in a local variable")
                        out.append(Diagnostic(
                            path, *d.node, "DUR005", r.severity,
                            code_message("DUR005", f"`{d.text}(...)` is not replay-safe outside a step, and every "
                                                   f"replay repeats it: {chain}"), fix))
                        break
            elif d.kind == "sleep":
                found = _reached(project.sleep, d, path)
                if found is not None:
                    out.append(_deferred_diagnostic(path, d, "DUR009", f"`{d.text}()` {_WHY['DUR009']} ({found[0]})",
                                                    _FIX["DUR009"].format(ctx=d.ctx, name=unique_name("pause", taken))))
            elif d.kind == "module-write":
                found = _reached(project.module_write, d, path)
                if found is not None and d.op == ORCHESTRATION:
                    state_writes.append(module_state_diagnostic(path, d.node[:2], d.node[2:], f"`{d.text}()`",
                                                                f"`{found[1]}`", found[0]))
                elif found is not None:
                    chain, var, _note = found
                    out.append(_deferred_diagnostic(
                        path, d, "DUR012",
                        f"the {d.op} calls `{d.text}()`, which writes module-level `{var}` ({chain}): on replay the "
                        "checkpointed result is returned without running the body, so the write is lost (and a "
                        "cold start resets it)",
                        f"return the new value from `{d.text}()` and from the {d.op}, and keep it in a local "
                        "variable of the orchestration code instead of module state"))
            elif d.kind == "nonidempotent":
                found = _reached(project.nonidempotent, d, path)
                if found is not None:
                    chain, _write, how = found
                    where, tail = _retrying(d.op, d.step_fn)
                    out.append(_deferred_diagnostic(
                        path, d, "DUR035", f"`{d.text}(...)` does a write that is not idempotent ({chain}) and "
                                           f"{where}: a retry after a timeout or crash repeats it",
                        f"{how}, or {tail}"))
            elif d.kind == "env-invoke":
                target = project.env_target(path, d.op)
                if target is not None:
                    out.append(env_invoke_diagnostic(path, d.node[:2], d.node[2:], d.text, *target))
            elif d.kind == "env-import":
                for cand_path, name in d.candidates:
                    other = project.summaries.get(cand_path)
                    if isinstance(other, PyModuleSummary):
                        env_var = other.exported_env.get(name + d.op)
                        target = project.env_target(path, env_var) if env_var is not None else None
                        if target is not None:
                            out.append(env_invoke_diagnostic(path, d.node[:2], d.node[2:],
                                                             f"{d.text} (os.environ[\"{env_var}\"])", *target))
                        break
            elif d.kind == "result":
                where, wrap = d.op.split("\n", 1)
                for cand_path, name in d.candidates:
                    other = project.summaries.get(cand_path)
                    if isinstance(other, PyModuleSummary) and name in other.result_kinds:
                        what, way = other.result_kinds[name]
                        if what != f"a {name.rsplit('.', 1)[-1]} instance":
                            what = f"what `{d.text}()` returns, {what}"
                        out.append(_deferred_diagnostic(path, d, "DUR034", unserializable_message(where, wrap.format(what)),
                                                        unserializable_fix(way)))
                        break
            elif d.kind == "binding":
                for cand_path, name in d.candidates:
                    other = project.summaries.get(cand_path)
                    if isinstance(other, PyModuleSummary) and name in other.bindings:
                        kind = other.bindings[name]
                        if kind == "plain":
                            diag = emit_binding(None, None, d.op, d.text, C.BINDING_DECORATOR[d.op], d.ctx,
                                                path, d.node)
                            if diag:
                                out.append(diag)
                        break
        impure = {(d.line, d.column) for d in out if d.rule == "DUR005"}  # one diagnostic per call: DUR005 first
        out.extend(d for d in state_writes if (d.line, d.column) not in impure)
        return out


FRONTEND = PythonFrontend()
