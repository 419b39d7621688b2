"""Pass B: resolve durable contexts and scopes over the collected records, then apply the rules.

Scope model (function granularity, documented in docs/analyzer-typescript.md):
- orchestration: the handler given to `withDurableExecution` (imported from the SDK, aliases and
  namespace imports included; an unresolved global `withDurableExecution` in a snippet counts too),
  any function with a parameter typed `DurableContext`, any same-file function called with a
  durable context as an argument, and child bodies (runInChildContext bodies, map item functions,
  parallel branches). Nested plain functions inherit the scope of the function they are written in.
- step-wrapped: the function given to `step`, the `waitForCallback` submitter, the
  `waitForCondition` check.
- config: functions inside an operation's config object (retryStrategy, itemNamer, ...): no rules.
- plain: everything else (module code, helpers): summarized for DUR005, not reported directly.
A durable context is a binding: the handler's second parameter, a child body's first parameter, a
typed parameter, an alias (`const ctx = context`), or a method destructured from one
(`const { step } = context`, treated as that operation even though the SDK's methods need `this`).
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import sys
from typing import Any

from lambda_durable_mcp.analyzer.frontend import DurationFact, FunctionSummary
from lambda_durable_mcp.analyzer.model import (
    FUNCTION_ID,
    ID_KEY,
    ONCE_AFTER_LAST_OPERATION,
    RULES,
    SHORT_FIX,
    SUGGESTED_NAME,
    Diagnostic,
    kebab,
    unique_name,
)
from lambda_durable_mcp.analyzer.typescript import _tables as T
from lambda_durable_mcp.analyzer.typescript._collect import (
    FUNC_TYPES,
    Binding,
    Call,
    Collected,
    _enclosing,
    awaited_import,
    chain_of,
    load_params,
    loaded_module,
    module_of,
    text,
    unwrap,
)
from lambda_durable_mcp.analyzer.writes import sql_writes

# `import("./x")`: a dynamic import with a literal specifier (a static import has no parenthesis); no
# leading \b, which would defeat the regex engine's literal search (a false hit only costs a look)
_DYNAMIC_IMPORT_RE = re.compile(rb"import\s*\(\s*[\"']")
# A step's result is checkpointed, and the SDK's limit is 256 KB
_LARGE_RESULT = ("; a step result is checkpointed (256 KB at most): for a large object, process it inside the "
                 "step and return only what the orchestration needs")
_STRINGISH = frozenset({"string", "template_string", "binary_expression"})
_FUNCLIKE = frozenset({"arrow_function", "function_expression", "generator_function"})
_COND_FIELDS = {
    "if_statement": "condition", "while_statement": "condition", "do_statement": "condition",
    "for_statement": "condition", "switch_statement": "value", "ternary_expression": "condition",
    "for_in_statement": "right",
}
_STATEMENT_STOP = frozenset({
    "expression_statement", "lexical_declaration", "variable_declaration", "return_statement",
    "statement_block", "program", "arrow_function", "function_declaration", "function_expression",
    "method_definition", "class_body",
})
_ORCH_ROLES = frozenset({"handler", "orch", "child"})
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_HOLDS_FUNCTION_RE = re.compile(rb"=>|\bfunction\b")
# values whose methods are not functions a handler stored: built objects, literals
_BUILT_VALUES = frozenset({"new_expression", "call_expression", "string", "number", "template_string", "array",
                           "object"})
_AWAIT_RE = re.compile(rb"\bawait\b")
_JUMP_RE = re.compile(rb"\b(?:continue|break)\b")
# after a name: an assignment to it (`x = 1`, `x += 1`, `x++`), not a comparison
_WRITE_AFTER_RE = re.compile(rb"\s*(?:=(?!=)|\+\+|--|(?:[-+*/%&|^]|\*\*|<<|>>>?|\?\?|&&|\|\|)=)")
_JSDOC_CTX = re.compile(rb"@param\s*\{[^}\n]*\bDurableContext\b[^}\n]*\}\s*\[?([A-Za-z_$][\w$]*)")
_DO_RE = re.compile(rb"\bdo\s*\{")
_AWAITED_BEFORE = re.compile(rb"(?:\bawait|\breturn|=>)\s*\Z")
_NON_JSON_HINT = re.compile(rb"\bnew\s|=>|\bfunction\b|\bBigInt\b|\d+n\b|\bget\s|\bset\s")
# a step body that may return a fetch() Response: an expression body or `return` of a fetch call, or
# `return res` of a bare variable (DUR034 then looks at what the variable holds)
_FETCH_BODY = re.compile(rb"\s*(?:await\s+)?[\w$.]*fetch\s*\(", re.IGNORECASE)
_FETCH_RETURN = re.compile(rb"\breturn\s+(?:(?:await\s+)?[\w$.]*fetch\s*\(|[\w$]+\s*(?:;|\}|\n))", re.IGNORECASE)
_RESPONSE = "a fetch() Response"
_NAME_PROP = re.compile(r"(?i)(?:name|label|id|key|title)$")
_STEP_ROLES = frozenset({"step", "submitter", "check"})
_TRANSPARENT_WRAP = frozenset({"parenthesized_expression", "non_null_expression", "as_expression",
                               "satisfies_expression", "type_assertion"})
_STORING_METHODS = frozenset({"push", "unshift", "splice", "set", "add"})
_CALLED_AFTER = re.compile(rb"\s*(?:\?\.\s*)?(?:\(|\.\s*(?:call|apply)\s*\()")
_HANDED_AROUND = re.compile(rb"\s*[,)]")
_HANDED_BEFORE = re.compile(rb"[(,]\s*\Z")


class Fact:
    __slots__ = ("rule", "node", "fi", "what", "detail", "start", "sev")

    def __init__(self, rule: str, node: Any, fi: int, what: str, detail: str = "") -> None:
        self.rule = rule
        self.node = node
        self.fi = fi
        self.what = what
        self.detail = detail
        self.start = node.start_byte
        self.sev: str | None = None


class FileAnalysis:
    """Everything about one file that does not depend on other files."""

    def __init__(self, path: str, col: Collected, resolver: Any = None, bare_resolver: Any = None) -> None:
        self.path = path
        self.resolver = resolver or (lambda p, spec: resolve_candidates(p, spec))
        # (importer, spec) -> the project file a package name or tsconfig alias names, else None
        self.bare_resolver = bare_resolver
        self.bare_targets: dict[str, str | None] = {}  # what each non-relative specifier resolved to
        self._required: list[Binding] = []  # bindings that _requires_and_instances made imports
        self.col = col
        self.src = col.source
        self.funcs = col.funcs
        self.diags: list[Diagnostic] = []
        # (call, candidate paths, name, terminal) in orchestration; terminal: see _terminal
        # ..., terminal (True, or "log" for an argument of a context.logger call), hands the context
        self.project_calls: list[tuple[Call, list[str], str, Any, bool]] = []
        self._this_ctx: dict[int, dict[str, Binding]] = {}  # method -> its class's context fields
        self.project_logs: list[tuple[Call, list[str], str]] = []   # imported `x.info(...)` in orchestration
        # helper calls in a retrying step that pass 2 checks for writes (DUR035): call, candidate paths,
        # function name, whether the step is a waitForCallback submitter, the "where" of the message
        self.project_nonidem: list[tuple[Call, list[str], str, str, str]] = []  # (..., mode, where)
        self._resolved: dict[str, list[str]] = {}  # import specifier -> candidate paths
        # calls from step or child code to imported helpers: call, candidate paths, name, "where" (DUR012)
        self.project_writes: list[tuple[Call, list[str], str, str]] = []
        # calls from orchestration code to project helpers that do not sleep here themselves: call,
        # candidate paths, name; pass 2 follows them for an in-process sleep (DUR009 across files)
        self.project_sleeps: list[tuple[Call, list[str], str]] = []
        self._plain_writes: dict[int, tuple[str, Any]] = {}  # top-level plain function -> module write
        self.env_invokes: list[tuple[Any, str]] = []  # (invoke target node, env var) for DUR032 via templates
        # (invoke target node, candidate paths, "NAME" or "NAME.key"): an invoke target another file exports
        self.env_imports: list[tuple[Any, list[str], str]] = []
        self.exported_env: dict[str, str] = {}  # "NAME" / "NAME.key" of an exported const -> env var
        self.exported_loggers: dict[str, str] = {}  # exported name -> logger module, of this file
        self.functions: dict[str, FunctionSummary] = {}
        self.star_exports: list[tuple[str, str]] = []  # (namespace or "", candidate path): see ModuleSummary
        self.durable_handlers: list[str] = []  # exported names of withDurableExecution(...): see ModuleSummary
        self.durations: list[DurationFact] = []
        self._seen: set[tuple[str, int, int]] = set()
        self._op_starts: list[int] = []
        self._ops: list[Call] = []
        self._sleepers: dict[int, str] = {}  # top-level plain function -> the first sleep it does
        self._returned_memo: dict[int, bool] = {}  # function -> runs only in a closure its top returns
        self._class_name_set: set[str] | None = None
        self._method_index: dict[str, int] | None = None
        self._configure_serdes = False
        self._nondet_cache: dict[int, bool] = {}
        self._do_cache: dict[int, bool] = {}
        self._starts: list[int] | None = None
        self._nd_positions: list[int] | None = None
        self._cur_path_op: Any = None
        self._helper_writes_ready = False
        self._helper_writes: dict[int, Any] = {}
        self._step_helper_calls: dict[int, list[Call]] = {}
        self._cur_path: list[Any] = []
        self._handoff_starts: list[int] | None = None
        self._deferred: dict[int, bool] = {}  # function -> created in orchestration code, called elsewhere
        self._stored_depth = 0
        self._calls_by_last: dict[str, list[Call]] | None = None
        self._taint_src: dict[str, set[int]] = {}
        self._dur006_pending: list[tuple[Call, list[tuple[str, set[int]]]]] = []
        self._reported_src: set[int] = set()  # starts of DUR001-DUR003 facts reported where they are
        self._awaited_cache: dict[int, bool] = {}
        self._call_index: tuple[list[int], list[Call], list[int], list[Any]] | None = None
        self._fix_names: dict[int, set[str]] = {}  # orchestration root -> operation names taken (fixes)

    # ------------------------------------------------------------------ resolution
    def lookup(self, name: str, fi: int) -> Binding | None:
        funcs = self.funcs
        while fi >= 0:
            f = funcs[fi]
            if f.params is None:
                load_params(funcs, fi)
            b = f.names.get(name)
            if b is not None:
                return b
            fi = funcs[fi].parent
        return None

    def qualify(self, chain: list[str] | None, fi: int) -> tuple[str, str] | None:
        """(normalized module or "" for a global or "@inst:<module>", dotted rest) or None for locals."""
        if not chain or not chain[0]:
            return None
        root = chain[0]
        if root == "this":
            return None
        b = self.lookup(root, fi)
        rest = chain[1:]
        if b is None:
            if root in ("globalThis", "global") and rest:  # `globalThis.crypto.randomUUID()` is the global
                return ("", ".".join(rest))
            return ("", ".".join(chain))
        if b.kind == "import":
            mod = module_of(b)
            head = [] if b.imported in ("*", "default") else [b.imported]
            if b.imported == "default" and mod == "crypto":
                head = []
            return (mod, ".".join(head + rest))
        if b.instance is not None:
            return ("@inst:" + b.instance, ".".join(rest))
        return None

    def func_of(self, node: Any, fi: int) -> int:
        """Function index of an argument that is a function literal or names a function."""
        n = unwrap(node)
        if n is None:
            return -1
        if n.type == "call_expression":
            n = _tagged_arrow(n)  # `async () => sql<Row[]>`...`` is an arrow, read as a call of one
        if n.type in _FUNCLIKE:
            return self.col.by_start.get(n.start_byte, -1)
        if n.type == "identifier":
            b = self.lookup(text(n), fi)
            if b is not None:
                if b.func >= 0:
                    return b.func
                if b.kind == "var" and b.value is not None and b.key is None:
                    v = unwrap(b.value)
                    if v is not None and v.type in _FUNCLIKE:
                        return self.col.by_start.get(v.start_byte, -1)
        return -1

    def is_sdk(self, chain: list[str] | None, fi: int, name: str) -> bool:
        if not chain:
            return False
        if len(chain) == 1:
            b = self.lookup(chain[0], fi)
            if b is None:
                return chain[0] == name
            return b.kind == "import" and b.module == T.SDK_MODULE and b.imported == name
        if len(chain) == 2 and chain[1] == name:
            b = self.lookup(chain[0], fi)
            return b is not None and b.kind == "import" and b.module == T.SDK_MODULE
        return False

    def ctx_binding(self, node: Any, fi: int) -> Binding | None:
        n = unwrap(node)
        if n is not None and n.type == "identifier":
            b = self.lookup(text(n), fi)
            if b is not None and b.ctx:
                return b
        return None

    def _is_ctx_type(self, tt: str) -> bool:
        if not tt:
            return False
        base = tt.split("<", 1)[0].strip()
        if base == "DurableContext":
            b = self.col.imports.get("DurableContext")
            return b is None or b.module == T.SDK_MODULE
        if "." in base:
            ns, _, last = base.rpartition(".")
            b = self.col.imports.get(ns)
            return last == "DurableContext" and b is not None and b.module == T.SDK_MODULE
        b = self.col.imports.get(base)
        return b is not None and b.module == T.SDK_MODULE and b.imported == "DurableContext"

    # ------------------------------------------------------------------ pass B
    def run(self) -> None:
        self._foreach_fns: set[int] = set()
        for c in self.col.calls:
            if c.chain and c.chain[-1] == "forEach" and c.args:
                a = c.args[0]
                first = a.child(0) if a.type in _FUNCLIKE else None
                if first is not None and first.type == "async":
                    j = self.col.by_start.get(a.start_byte, -1)
                    if j >= 0:
                        self._foreach_fns.add(j)
        self._requires_and_instances()
        if self.bare_resolver is not None:
            self._localize_imports()
        self._resolve_contexts()
        self._library_callbacks()
        self._scopes()
        self._effects()
        self._durable_rules()
        self._dur036_spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._emit_effects()
        if self._dur006_pending:
            self._flush_dur006()
        if self._dur036_spans:
            self._drop_inside_dur036()
        self._writes()
        self._summaries()
        self._mark_terminal_calls()
        self._exported_loggers()
        self._exported_env()

    def _localize_imports(self) -> None:
        """Imports of the project's own files by workspace package name (`@acme/shared`) or tsconfig
        alias (`@lib/clock`) become relative ones, so that every cross-file rule follows them."""
        local: dict[str, str | None] = {}

        def localized(spec: str) -> str:
            if not spec or spec.startswith((".", "/")) or spec == T.SDK_MODULE or T.NOT_PROJECT_SPEC.match(spec):
                return spec
            if spec not in local:
                target = self.bare_resolver(self.path, spec)
                self.bare_targets[spec] = target
                if target:
                    from lambda_durable_mcp.analyzer.typescript.modules import relative_spec

                    local[spec] = relative_spec(self.path, target)
                else:
                    local[spec] = None
            return local[spec] or spec

        for b in self._required:  # require() bindings, in any function
            if b.module:
                b.module = localized(b.module)
        for b in self.col.imports.values():
            b.module = localized(b.module)
        self.col.reexports = [(name, localized(mod), imported) for name, mod, imported in self.col.reexports]
        self.col.star_exports = [(ns, localized(mod)) for ns, mod in self.col.star_exports]

    def _mark_terminal_calls(self) -> None:
        """Whether each project call only feeds a result (see _terminal), worked out only where the
        answer can matter: not for a same-file helper known to be pure or impure for another reason."""
        marked = []
        for c, cands, name, _, hands in self.project_calls:
            s = self.functions.get(name) if cands == [self.path] else None
            if s is not None and not s.calls and s.impurity is None and not s.nonidempotent:
                marked.append((c, cands, name, False, hands))  # a pure helper: nothing will be reported
                continue
            if not hands and self._in_tail(c.node, c.fi):
                continue  # after the body's last operation it runs once: nothing for DUR005 to say
            matters = s is None or bool(s.calls) or (s.impurity is not None and s.impurity[0] in ("DUR001", "DUR002"))
            state: Any = matters and self._terminal(c.node, c.fi)
            if matters and not state and not hands and self._in_durable_log(c.node, c.fi):
                state = "log"  # only feeds a context.logger line: a clock or random value there is a warning
            marked.append((c, cands, name, state, hands))
        self.project_calls = marked

    def _exported_loggers(self) -> None:
        """Module-level logger instances this file exports (`export const logger = new Logger()`,
        `export { logger }`), for DUR020 where another file imports and calls them."""
        names = self.funcs[0].names
        inst = {n: b for n, b in names.items() if b.kind == "var" and b.instance in T.LOGGER_MODULES}
        if not inst:
            return
        src = self.src
        for name, b in inst.items():
            if _EXPORT_DECL_RE.search(src, max(0, b.start - 40), b.start):
                self.exported_loggers[name] = b.instance or ""
        for m in _EXPORT_CLAUSE_RE.finditer(src):
            for spec in m.group(1).decode("utf-8", "replace").split(","):
                parts = spec.split()
                if len(parts) == 1 and parts[0] in inst:
                    self.exported_loggers[parts[0]] = inst[parts[0]].instance or ""
                elif len(parts) == 3 and parts[1] == "as" and parts[0] in inst:
                    self.exported_loggers[parts[2]] = inst[parts[0]].instance or ""

    def _requires_and_instances(self) -> None:
        src = self.src
        newvars = self.col.newvars
        dynamic = b"import" in src and _DYNAMIC_IMPORT_RE.search(src) is not None
        if b"require" in src or dynamic:  # a plain search first: most files are ES modules
            for c in self.col.calls:
                ch = c.chain
                if ch is not None and len(ch) == 2 and not ch[0] and (
                        src.startswith(b"require", c.start) or (dynamic and src.startswith(b"(", c.start))):
                    self._direct_require(c)
        for fi, _nn, val, bs in self.col.decls:
            if val is None:
                continue
            st = val.start_byte
            if not (src.startswith(b"require", st) or (len(bs) == 1 and bs[0].name in newvars)
                    or (dynamic and src.startswith((b"await", b"("), st))):
                continue
            v = unwrap(val)
            if v is None:
                continue
            if v.type == "member_expression" and len(bs) == 1 and bs[0].key is None:
                # `const makeId = require("./ids").makeId`, `(await import("./ids")).makeId`
                mod = loaded_module(v.child_by_field_name("object"))
                prop = v.child_by_field_name("property")
                if mod is not None and prop is not None and self.lookup(bs[0].name, fi) is bs[0]:
                    bs[0].kind, bs[0].module, bs[0].imported = "import", mod, text(prop)
                    if fi == 0:
                        self.col.imports[bs[0].name] = bs[0]
                    else:
                        self._required.append(bs[0])  # localized and followed like any import
                continue
            if v.type == "call_expression":
                callee = v.child_by_field_name("function")
                awaited = awaited_import(val) if callee is not None and callee.type == "import" else None
                if awaited is not None or (
                        callee is not None and callee.type == "identifier" and text(callee) == "require"):
                    an = v.child_by_field_name("arguments")
                    arg = an.named_children[0] if an is not None and an.named_children else None
                    if arg is not None and arg.type == "string":
                        # `const { stamp } = await import("./clock")` binds like `require("./clock")`
                        mod = awaited if awaited is not None else text(arg)[1:-1]
                        for b in bs:
                            if self.lookup(b.name, fi) is b:
                                b.kind = "import"
                                self._required.append(b)
                                b.module = mod
                                b.imported = b.key if b.key else "*"
                                if fi == 0:
                                    self.col.imports[b.name] = b
                    continue
            if len(bs) != 1 or bs[0].key is not None:
                continue
            target = None
            if v.type == "new_expression":
                target = v.child_by_field_name("constructor")
            elif v.type == "call_expression":
                target = v.child_by_field_name("function")
            if target is None:
                continue
            ch = chain_of(target)
            if not ch or not ch[0]:
                continue
            b0 = self.lookup(ch[0], fi)
            if v.type == "new_expression":
                bs[0].pclass = self._project_class(v, fi)
            if b0 is not None and b0.kind == "import":
                mod = module_of(b0)
                if (mod.startswith("@aws-sdk/") or mod == "aws-sdk" or mod in T.LOGGER_MODULES
                        or mod in T.METRICS_MODULES or mod in T.DB_MODULES or mod in T.HTTP_MODULES):
                    bs[0].instance = mod
            elif b0 is not None and b0.instance is not None and v.type == "call_expression":
                # axios.create(), DynamoDBDocumentClient.from(client) on an instance
                bs[0].instance = b0.instance

    def _direct_require(self, c: Call) -> None:
        """`require("./ids").makeId()` or `(await import("./ids")).makeId()`: the call reads as
        `<require("./ids")>.makeId()` of a module-level namespace import named by the expression's text
        (never an identifier, so never a real name)."""
        callee = c.callee
        obj = callee.child_by_field_name("object") if callee is not None and callee.type == "member_expression" \
            else None
        mod = loaded_module(obj)
        if mod is None or obj is None or c.chain is None:
            return
        name = text(obj)
        if name not in self.col.imports:
            b = Binding("import", 0, name, obj.start_byte)
            b.module, b.imported = mod, "*"
            self.col.imports[name] = b
            self.funcs[0].names[name] = b
        c.chain = [name, c.chain[1]]

    def _mark_ctx(self, fi: int, index: int, role: str | None) -> bool:
        """Mark parameter `index` of function fi as a durable context; True when something changed."""
        f = self.funcs[fi]
        load_params(self.funcs, fi)
        changed = False
        if role is not None and (f.role is None or (role == "child" and f.role == "orch")):
            f.role = role
            changed = True
        for b in f.names.values():
            if b.kind == "param" and b.param_index == index:
                if b.key is None:
                    if not b.ctx:
                        b.ctx = True
                        changed = True
                        f.ctx_name = f.ctx_name or b.name
                elif b.key in T.DURABLE_OPS or b.key in ("promise", "logger"):
                    if not b.method:
                        b.method = b.key
                        changed = True
        return changed

    def _resolve_contexts(self) -> None:
        funcs = self.funcs
        # typed parameters
        typed: set[int] = set()
        ctx_names = {b"DurableContext"} | {local.encode() for local, b in self.col.imports.items()
                                           if b.imported == "DurableContext"}
        starts = [f.start for f in funcs]
        ctx_positions = sorted(_word_positions(self.src, ctx_names))
        for pos in ctx_positions:
            typed.add(_enclosing(funcs, pos, starts))
        for i in sorted(typed):
            if i == 0:
                continue
            load_params(funcs, i)
            for pi, _pat, tt in funcs[i].params or ():
                if tt and self._is_ctx_type(tt):
                    self._mark_ctx(i, pi, "orch")
        if typed and b"this" in self.src:
            self._class_contexts(ctx_positions)
        # JSDoc in JavaScript: `@param {DurableContext} ctx` above a function
        for m in _JSDOC_CTX.finditer(self.src):
            j = bisect.bisect_left(starts, m.end())
            if j >= len(funcs):
                continue
            name = m.group(1).decode()
            load_params(funcs, j)
            for b in list(funcs[j].names.values()):
                if b.kind == "param" and b.name == name and b.key is None:
                    self._mark_ctx(j, b.param_index, "orch")
        # handlers
        for c in self.col.calls:
            if c.chain and c.chain[-1] == "withDurableExecution" and c.args \
                    and self.is_sdk(c.chain, c.fi, "withDurableExecution"):
                hf = self.func_of(c.args[0], c.fi)
                if hf >= 0:
                    funcs[hf].role = "handler"
                    self._mark_ctx(hf, 1, "handler")
                if c.fi == 0:
                    name = _exported_as(c.node)
                    if name and name not in self.durable_handlers:
                        self.durable_handlers.append(name)
        # the SDK's withRetry(context, [name,] func, config): func(ctx, attempt) runs in a child context
        # (by default) and re-runs on failure: a child body with its own context
        for c in self.col.calls:
            if c.chain and c.chain[-1] == "withRetry" and len(c.args) >= 2 \
                    and self.is_sdk(c.chain, c.fi, "withRetry"):
                a1 = unwrap(c.args[1])
                func = c.args[2] if a1 is not None and a1.type in _STRINGISH and len(c.args) >= 3 else c.args[1]
                target = self.func_of(func, c.fi)
                if target >= 0:
                    # `wrapWithRunInChildContext: false`: the attempts run on the caller's own context
                    cfg = unwrap(c.args[-1])
                    direct = cfg is not None and cfg.type == "object" and any(
                        p.type == "pair" and text(p.child_by_field_name("key") or p) == "wrapWithRunInChildContext"
                        and text(p.child_by_field_name("value") or p) == "false" for p in cfg.named_children)
                    self._mark_ctx(target, 0, "orch" if direct else "child")
        # only calls that can be durable operations or hand a context to a same-file function matter here
        opnames = T.DURABLE_OPS.keys() | T.PROMISE_COMBINATORS
        fn_names = self.col.fn_names
        # methods destructured under another name (`const { wait: pause } = context`) are operations too
        renamed = {b.name for _fi, _nn, _val, bs in self.col.decls for b in bs
                   if b.key in T.DURABLE_OPS and b.key != b.name}
        cands = [c for c in self.col.calls if c.chain and c.chain[0] and (
            c.chain[-1] in opnames or (len(c.chain) == 1 and (c.chain[0] in renamed or (
                c.chain[0] in fn_names and self.func_of_name(c.chain[0], c.fi) >= 0))))]
        aliases = [d for d in self.col.decls if d[2] is not None and d[2].type == "identifier"]
        wrappers = self._context_wrappers()
        for _round in range(6):
            changed = False
            for fi, val, b in wrappers:
                if not b.ctx and self.ctx_binding(val, fi) is not None:
                    b.ctx = True
                    changed = True
            for fi, nn, val, bs in aliases:
                v = unwrap(val)
                if v is None or v.type != "identifier":
                    continue
                src = self.lookup(text(v), fi)
                if src is None or not src.ctx:
                    continue
                for b in bs:
                    if b.key is None and nn.type == "identifier":
                        if not b.ctx:
                            b.ctx = True
                            changed = True
                    elif b.key in T.DURABLE_OPS or b.key in ("promise", "logger"):
                        if not b.method:
                            b.method = b.key
                            changed = True
            for c in cands:
                if c.roles:
                    continue  # roles of an operation never change once assigned
                if self._classify_op(c):
                    changed |= self._assign_roles(c)
                elif c.chain and len(c.chain) == 1 and c.args:
                    target = self.func_of_name(c.chain[0], c.fi)
                    if target >= 0:
                        for ai, a in enumerate(c.args):
                            if self.ctx_binding(a, c.fi) is not None:
                                changed |= self._mark_ctx(target, ai, "orch")
            if not changed:
                if self._snippet_mode(cands):
                    continue
                break

    @staticmethod
    def _called_as(c: Call, name: str) -> str:
        """How a message names the called project function: a class method as the call is written
        (`tracker.pause`, `new Tracker().pause`), anything else by its name."""
        return written_callee(c, name) if "." in name else name

    def _summary_name(self, fi: int) -> str | None:
        """The name function fi's summary has: "Class.method" for a class's method, else its own name."""
        f = self.funcs[fi]
        return _method_key(f) or f.name

    def _project_class(self, new: Any, fi: int) -> tuple[str, str] | None:
        """(module as written, or "" for this file; class) of `new Notifier(...)` when Notifier is a class
        of this file or one imported by name from a project file."""
        ch = chain_of(new.child_by_field_name("constructor"))
        if not ch or len(ch) != 1 or not ch[0]:
            return None
        b = self.lookup(ch[0], fi)
        if b is None:
            return ("", ch[0]) if ch[0] in self._class_names() else None
        if b.kind == "import" and b.module.startswith(".") and b.imported not in ("*", "default"):
            return (b.module, b.imported)
        return None

    def _class_names(self) -> set[str]:
        """Names of the classes this file declares (`class Notifier {`)."""
        names = self._class_name_set
        if names is None:
            names = self._class_name_set = {m.group(1).decode() for m in _CLASS_RE.finditer(self.src)}
        return names

    def _methods(self) -> dict[str, int]:
        """"Class.method" -> function index, for the methods of this file's top-level classes."""
        found = self._method_index
        if found is None:
            found = self._method_index = {}
            for i, f in enumerate(self.funcs):
                key = _method_key(f) if i and f.parent == 0 else None
                if key is not None:
                    found.setdefault(key, i)
        return found

    def _context_wrappers(self) -> list[tuple[int, Any, Binding]]:
        """`const durable = lambda(context)`: a library's wrapper around the durable context whose methods
        are used as operations (`durable.step("save", ...)`). (function, the argument, the wrapper's binding)
        for each such declaration; the binding counts as a context once the argument is one."""
        out: list[tuple[int, Any, Binding]] = []
        # receivers of operation-named methods, found in the source first: most files have no wrapper
        receivers = _op_receivers(self.src)
        if not receivers:
            return out
        for fi, nn, val, bs in self.col.decls:
            if val is None or len(bs) != 1 or bs[0].name not in receivers or bs[0].key is not None \
                    or nn.type != "identifier":
                continue
            v = unwrap(val)
            if v is None or v.type != "call_expression":
                continue
            an = v.child_by_field_name("arguments")
            args = [a for a in an.named_children if a.type != "comment"] if an is not None else []
            if len(args) != 1 or args[0].type != "identifier":
                continue
            ch = chain_of(v.child_by_field_name("function"))
            imp = self.col.imports.get(ch[0]) if ch and ch[0] else None
            if imp is None or not imp.module or imp.module.startswith((".", "/")) or imp.module == T.SDK_MODULE:
                continue
            out.append((fi, args[0], bs[0]))
        return out

    def _class_contexts(self, ctx_positions: list[int]) -> None:
        """A class that keeps the durable context in a field (`constructor(private readonly ctx:
        DurableContext)`, `ctx!: DurableContext`, `this.ctx = ctx`): its methods that use `this.<field>`
        are orchestration code, and `this.<field>.step(...)` is a durable operation."""
        funcs = self.funcs
        src = self.src
        # Only the few places that can keep a context get their tree parents looked up: a parent lookup
        # descends from the root, so doing it for every method of a large file is what used to cost.
        fields_of: dict[int, set[str]] = {}  # class body start -> fields keeping a context
        bodies: dict[int, Any] = {}
        starts = [f.start for f in funcs]
        for type_pos in ctx_positions:  # `<name>: DurableContext`, read backwards from the type
            m = _TYPED_NAME_RE.search(src, max(0, type_pos - 160), type_pos)
            if m is None:
                continue
            pos = m.start(1)
            fi = _enclosing(funcs, pos, starts)
            f = funcs[fi]
            if fi and f.name == "constructor" and f.node.type == "method_definition":
                if not re.search(rb"(?:private|public|protected|readonly)\s+$", src[max(f.start, pos - 40):pos]):
                    continue
                body = f.node.parent  # a parameter property: `constructor(private readonly ctx: DurableContext)`
            else:
                if fi and f.params is not None and any(pat is not None and pat.start_byte == pos
                                                       for _pi, pat, _ty in f.params):
                    continue  # a typed parameter (the common case), known without a tree lookup
                node = funcs[0].node.named_descendant_for_byte_range(pos, m.end(1))
                decl = node.parent if node is not None else None
                if decl is None or decl.type != "public_field_definition":
                    continue  # a parameter or variable, not a field: `ctx!: DurableContext;`
                body = decl.parent
            if body is not None and body.type == "class_body":
                fields_of.setdefault(body.start_byte, set()).add(m.group(1).decode())
                bodies[body.start_byte] = body
        for node, fi, left, kind in self.col.writes:  # `this.ctx = ctx` with a context on the right
            if kind != "assignment_expression" or not fi or left is None or not left.text.startswith(b"this") \
                    or funcs[fi].node.type != "method_definition":
                continue
            ch = chain_of(left)
            right = unwrap(node.child_by_field_name("right"))
            if ch and len(ch) == 2 and ch[0] == "this" and right is not None and right.type == "identifier":
                b = self.lookup(text(right), fi)
                if b is not None and b.ctx:
                    body = funcs[fi].node.parent
                    if body is not None and body.type == "class_body":
                        fields_of.setdefault(body.start_byte, set()).add(ch[1])
                        bodies[body.start_byte] = body
        for key, fields in fields_of.items():
            body = bodies[key]
            lo, hi = body.start_byte, body.end_byte
            for i in range(bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)):
                f = funcs[i]
                if f.node.type != "method_definition" or f.node.parent is None or f.node.parent.start_byte != lo:
                    continue  # a method of a nested class or object literal
                used = [fd for fd in sorted(fields) if b"this." + fd.encode() in src[f.start:f.end]]
                if not used:
                    continue
                bindings = self._this_ctx.setdefault(i, {})
                for fd in used:
                    b = Binding("param", i, f"this.{fd}", f.start, decl="param")
                    b.ctx = True
                    bindings[fd] = b
                if f.role is None:
                    f.role = "orch"
                f.ctx_name = f.ctx_name or f"this.{used[0]}"

    def _is_async(self, fi: int) -> bool:
        """Whether function fi is declared async (module code counts: top-level await in ESM)."""
        if fi <= 0:
            return True
        node = self.funcs[fi].node
        return any(node.child(i) is not None and node.child(i).type == "async" for i in range(min(2, node.child_count)))

    def _method_of(self, fi: int, any_method: bool = False) -> int:
        """The method whose `this` function fi sees (itself, or through arrow functions): one of a class
        keeping the context, or any method; else -1."""
        funcs = self.funcs
        while fi > 0:
            if fi in self._this_ctx or (any_method and funcs[fi].node.type == "method_definition"):
                return fi
            if funcs[fi].node.type != "arrow_function":
                return -1
            fi = funcs[fi].parent
        return -1

    def _this_binding(self, field: str, fi: int) -> Binding | None:
        """The durable context a class keeps in `this.<field>`, seen from function fi (a method, or an
        arrow function inside one, which shares its `this`)."""
        method = self._method_of(fi)
        return self._this_ctx[method].get(field) if method > 0 else None

    def _library_callbacks(self) -> None:
        """Functions handed to a third-party library call together with the durable context
        (`runAgent(context, { onPause: async (p) => ... })`): the library decides where they run, often
        inside a step of its own, so their scope is unknown and they are not checked (like config)."""
        funcs = self.funcs
        imports = self.col.imports
        if not imports:
            return
        starts: list[int] | None = None
        for c in self.col.calls:
            ch = c.chain or []
            b = imports.get(ch[0]) if ch else None
            if b is None or not b.module or b.module.startswith(".") or b.module == T.SDK_MODULE \
                    or not c.args or self.lookup(ch[0], c.fi) is not b:
                continue
            if len(c.args) < 2 or not any(self.ctx_binding(a, c.fi) is not None for a in c.args):
                # `const addNumbers = tool({ name, callback: (input) => ... })`: a definition the library
                # builds and keeps (the call's result is stored, not awaited); its callbacks run when the
                # library calls them later, e.g. in a step of a durable wrapper, not here
                parent = c.node.parent
                if parent is None or parent.type != "variable_declarator" or len(c.args) != 1 \
                        or c.args[0].type != "object":
                    continue
            for a in c.args:
                n = unwrap(a)
                if n is None or (n.type not in _FUNCLIKE and n.type != "object"):
                    continue
                if starts is None:
                    starts = [f.start for f in funcs]
                j = bisect.bisect_left(starts, n.start_byte)
                while j < len(funcs) and starts[j] < n.end_byte:
                    g = funcs[j]
                    if g.role is None and g.parent == c.fi:
                        g.role = "config"
                    j += 1

    def _snippet_mode(self, cands: list[Call]) -> bool:
        """A pasted fragment: `await context.step(...)` at module level with `context` bound nowhere.

        Only when nothing else in the file is orchestration code: the module body then counts as
        orchestration code and the unbound `context`/`ctx` as its durable context.
        """
        funcs = self.funcs
        if funcs[0].role is not None or any(f.role in _ORCH_ROLES for f in funcs[1:]):
            return False
        for c in cands:
            ch = c.chain or []
            if c.fi == 0 and len(ch) >= 2 and ch[0] in ("context", "ctx") and (
                    ch[1] in T.DURABLE_OPS or ch[1] == "promise") and self.lookup(ch[0], 0) is None:
                b = Binding("param", 0, ch[0], 0, decl="param")
                b.ctx = True
                funcs[0].names[ch[0]] = b
                funcs[0].role = "orch"
                funcs[0].ctx_name = ch[0]
                return True
        return False

    def func_of_name(self, name: str, fi: int) -> int:
        if "." in name:
            return self._methods().get(name, -1)  # "Class.method" of a class in this file
        b = self.lookup(name, fi)
        if b is None:
            return -1
        if b.func >= 0:
            return b.func
        if b.kind == "var" and b.value is not None and b.key is None:
            v = unwrap(b.value)
            if v is not None and v.type in _FUNCLIKE:
                return self.col.by_start.get(v.start_byte, -1)
        return -1

    def _classify_op(self, c: Call) -> bool:
        ch = c.chain
        if not ch or not ch[0]:
            return False
        if c.op is not None:
            return True
        if len(ch) == 2 and ch[1] in T.DURABLE_OPS:
            b = self.lookup(ch[0], c.fi)
            if b is not None and b.ctx:
                c.op, c.ctxb = ch[1], b
                return True
        elif len(ch) == 3 and ch[1] == "promise" and ch[2] in T.PROMISE_COMBINATORS:
            b = self.lookup(ch[0], c.fi)
            if b is not None and b.ctx:
                c.op, c.ctxb = "promise." + ch[2], b
                return True
        elif len(ch) == 3 and ch[0] == "this" and ch[2] in T.DURABLE_OPS and self._this_ctx:
            b = self._this_binding(ch[1], c.fi)
            if b is not None:
                c.op, c.ctxb = ch[2], b
                return True
        elif len(ch) == 1:
            b = self.lookup(ch[0], c.fi)
            if b is not None and b.method in T.DURABLE_OPS:
                c.op, c.ctxb = b.method, b
                return True
        elif len(ch) == 2 and ch[1] in T.PROMISE_COMBINATORS:
            b = self.lookup(ch[0], c.fi)
            if b is not None and b.method == "promise":
                c.op, c.ctxb = "promise." + ch[1], b
                return True
        return False

    def _op_args(self, c: Call) -> dict[str, Any]:
        """Map the op's argument kinds to nodes, deciding whether a name comes first like the SDK does."""
        op = c.op or ""
        args = c.args
        if op.startswith("promise."):
            named = len(args) >= 2
            kinds: tuple[str, ...] = ("promises",)
        else:
            kinds = T.DURABLE_OPS[op]
            a0: Any = unwrap(args[0]) if args else None
            a1: Any = unwrap(args[1]) if len(args) > 1 else None
            t0 = a0.type if a0 is not None else ""
            t1 = a1.type if a1 is not None else ""
            str0 = t0 in _STRINGISH or t0 in ("undefined", "null") or (t0 == "identifier" and text(a0) == "undefined")
            if op == "invoke":
                # the SDK checks `typeof args[1] === "string"`; guess strings conservatively
                named = t1 in ("string", "template_string") or (
                    t1 == "member_expression" and text(a1).startswith("process.env")) or (
                    len(args) >= 3 and t1 not in ("object", "array", "number", "true", "false", "null"))
            elif op == "wait":
                named = str0 or len(args) >= 2
            elif op == "createCallback":
                named = str0 or len(args) >= 2
            elif op == "map":
                named = str0 or (len(args) >= 3 and not self._fnlike(a1, c.fi))
            elif op == "parallel":
                named = str0 or (len(args) >= 2 and t1 == "array")
            else:  # step, runInChildContext, waitForCondition, waitForCallback: a function comes next
                # a config is never a function: before one, the first argument is the name (`STEPS.charge`)
                named = str0 or (len(args) >= 2 and (self._is_function(a1, c.fi) or (
                    self._fnlike(a1, c.fi) and not self._fnlike(a0, c.fi)))) or (
                    # `step(c.name, c.run)`, `step(t.label, run)`, `step(c.name, c.run, config)`: a
                    # property as the first argument is a name when a function or more follow
                    t0 == "member_expression" and len(args) >= 2 and (
                        t1 == "member_expression" or len(args) >= 3 or _NAME_PROP.search(
                            text(a0.child_by_field_name("property"))) is not None))
        out: dict[str, Any] = {}
        rest = args[1:] if named else args
        out["name"] = args[0] if named and args else None
        for k, a in zip(kinds, rest, strict=False):
            out[k] = a
        # Arguments in the wrong place (DUR015): read the function where it is, so that its body gets
        # the scope it will have once the call is fixed, and remember what to report.
        if op == "map" and self._is_function(out.get("items"), c.fi) and not self._is_function(out.get("body"), c.fi):
            out["items"], out["body"] = out.get("body"), out["items"]
            out["misplaced"] = out["body"]
        elif op == "parallel" and self._is_function(out.get("branches"), c.fi):
            out["misplaced"] = out["branches"]
            out["branches"] = None
            out["body"] = out["misplaced"]
            if self._is_function(out.get("config"), c.fi):  # parallel(f1, f2): branches one by one
                out["body2"] = out["config"]
                out["config"] = None
        return out

    def _is_function(self, node: Any, fi: int) -> bool:
        """A function literal or the name of a function in this file."""
        n = unwrap(node)
        if n is None:
            return False
        return n.type in _FUNCLIKE or (n.type == "identifier" and self.func_of(n, fi) >= 0)

    def _fnlike(self, node: Any, fi: int) -> bool:
        n = unwrap(node)
        if n is None:
            return False
        if n.type in _FUNCLIKE:
            return True
        if n.type == "identifier":
            if self.func_of(n, fi) >= 0:
                return True
            b = self.lookup(text(n), fi)
            return b is not None and b.kind == "import"
        return n.type in ("call_expression", "member_expression")

    def _branch_functions(self, n: Any, fi: int, depth: int) -> list[Any]:
        """The branch functions of a parallel's branches argument: an array of functions or
        `{ name, func }` objects, or a variable holding one: an array literal, `items.map((x) =>
        async (ctx) => ...)`, or an array the code `push`es branches into."""
        if n is None or depth > 3:
            return []
        out: list[Any] = []
        if n.type == "array":
            for el in n.named_children:
                out.extend(self._branch_of(el))
        elif n.type == "identifier":
            b = self.lookup(text(n), fi)
            if b is None or b.kind != "var" or b.key is not None:
                return []
            v = unwrap(b.value) if b.value is not None else None
            if v is not None and v.type == "array":
                out.extend(self._branch_functions(v, b.fi, depth + 1))
            elif v is not None and v.type == "call_expression":
                ch = chain_of(v.child_by_field_name("function"))
                args = v.child_by_field_name("arguments")
                cb = unwrap(args.named_children[0]) if args is not None and args.named_children else None
                if ch and ch[-1] in ("map", "flatMap") and cb is not None and cb.type in _FUNCLIKE:
                    body = unwrap(cb.child_by_field_name("body"))
                    if body is not None and body.type == "statement_block":  # (x) => { return async (ctx) => ... }
                        for st in body.named_children:
                            if st.type == "return_statement" and st.named_children:
                                out.extend(self._branch_of(unwrap(st.named_children[0])))
                    elif body is not None:
                        out.extend(self._branch_of(body))
            name = text(n)
            for pc in self.col.calls:  # branches.push(async (ctx) => ...)
                if pc.chain == [name, "push"] and self.lookup(name, pc.fi) is b:
                    for a in pc.args:
                        out.extend(self._branch_of(unwrap(a)))
        return out

    def _branch_of(self, el: Any) -> list[Any]:
        """A branch function written as a function or as a `{ name, func }` object."""
        if el is None:
            return []
        if el.type == "object":
            for pair in el.named_children:
                if pair.type == "pair" and text(pair.child_by_field_name("key")) == "func":
                    return [pair.child_by_field_name("value")]
            return []
        if el.type in _FUNCLIKE or el.type == "identifier":
            return [el]
        return []

    def _child_body(self, node: Any, c: Call) -> bool:
        """Mark the function at node (a child/map/parallel body of op c) as child code; True when changed."""
        fi = self.func_of(node, c.fi)
        if fi < 0:
            return False
        if self.funcs[fi].op is None:
            self.funcs[fi].op = c
        return self._mark_ctx(fi, 0, "child")

    def _assign_roles(self, c: Call) -> bool:
        if not c.roles:
            c.roles = self._op_args(c)
            c.name_arg = c.roles.get("name")
        changed = False
        for kind, node in c.roles.items():
            if kind in ("fn", "check", "submitter"):
                fi = self.func_of(node, c.fi)
                if fi >= 0 and self.funcs[fi].role is None:
                    self.funcs[fi].role = {"fn": "step", "check": "check", "submitter": "submitter"}[kind]
                    self.funcs[fi].op = c
                    changed = True
            elif kind in ("body", "body2"):
                changed |= self._child_body(node, c)
            elif kind == "branches":
                for target in self._branch_functions(unwrap(node), c.fi, 0):
                    changed |= self._child_body(target, c)
            elif kind == "config":
                n = unwrap(node)
                if n is not None and n.type == "object":
                    lo, hi = n.start_byte, n.end_byte
                    if self._starts is None:
                        self._starts = [g.start for g in self.funcs]
                    j = bisect.bisect_left(self._starts, lo)
                    while j < len(self.funcs) and self._starts[j] < hi:
                        g = self.funcs[j]
                        if g.role is None:
                            g.role = "config"
                            changed = True
                        j += 1
        return changed

    def _scopes(self) -> None:
        funcs = self.funcs
        for i, f in enumerate(funcs):
            if i == 0:
                f.scope = "orch" if f.role == "orch" else "plain"
                f.orch_root = 0 if f.role == "orch" else -1
                f.top = -1
                continue
            p = funcs[f.parent]
            f.top = i if f.parent == 0 else p.top
            role = f.role
            if role in _ORCH_ROLES:
                f.scope = "orch"
                f.orch_root = i
                f.child_root = i if role == "child" else -1
                f.step_root = -1
            elif role in _STEP_ROLES:
                f.scope = "step"
                f.step_root = i
                f.orch_root = p.orch_root
                f.child_root = p.child_root
            elif role == "config":
                f.scope = "config"
            else:
                f.scope = p.scope
                f.step_root = p.step_root
                f.child_root = p.child_root
                f.orch_root = p.orch_root

    def ctx_name(self, fi: int) -> str:
        r = self.funcs[fi].orch_root
        if r >= 0 and self.funcs[r].ctx_name:
            return self.funcs[r].ctx_name
        return "context"

    # ------------------------------------------------------------------ effects
    def _effects(self) -> None:
        """Classify every call, `new` and member read once; facts carry their rule and text."""
        self.facts: list[Fact] = []
        facts = self.facts
        for c in self.col.calls:
            if c.op is not None:
                self._ops.append(c)
                continue
            eff = self._classify_call(c)
            if eff is not None:
                c.effect = eff
                if eff[0] not in ("mutate", "combinator", "project", "durable-helper", "ctxarg", "project-log"):
                    facts.append(Fact(eff[0], c.node, c.fi, eff[1], eff[2]))
        for node, fi, ch, args in self.col.news:
            if ch == ["Date"] and not args and self.lookup("Date", fi) is None:
                facts.append(Fact("DUR001", node, fi, "new Date()", "clock"))
        # one DUR004 per condition, naming every environment variable it reads
        self._env_names: dict[int, list[tuple[int, str, str]]] = {}
        env_conds: dict[tuple[int, int], Fact] = {}
        env_members: list[Any] = []
        for node, fi, prop in self.col.members:
            obj = node.child_by_field_name("object")
            if prop == "awsRequestId":
                facts.append(Fact("DUR004", node, fi, text(node), "request"))
            elif obj is not None and obj.type == "identifier" and text(obj) == "process" \
                    and self.lookup("process", fi) is None:
                if prop == "pid":
                    facts.append(Fact("DUR004", node, fi, "process.pid", "request"))
                elif prop == "env":
                    env_members.append(node)
                    cond = self._condition_of(node, fi)
                    if cond is not None:
                        self._env_fact(env_conds, cond, node, fi, self._env_text(node), None)
        if env_members:
            self._env_aliases(env_conds, env_members)
        facts.sort(key=lambda f: f.start)
        self._op_starts = [c.start for c in self._ops]
        self._fact_starts = [f.start for f in facts]
        # module-level helpers that sleep (DUR009 at the call site)
        for f in facts:
            if f.rule == "DUR009" and self.funcs[f.fi].scope == "plain" and self.funcs[f.fi].top >= 0 \
                    and not self._returned_closure(f.fi):
                self._sleepers.setdefault(self.funcs[f.fi].top, f.what.removesuffix("()"))

    def _env_text(self, node: Any) -> str:
        m = re.compile(rb"\s*(?:\??\.\s*[\w$]+|\[\s*['\"][^'\"]{1,60}['\"]\s*\])").match(self.src, node.end_byte)
        return "process.env" + (re.sub(r"\s+", "", m.group(0).decode()) if m else "")

    def _env_fact(self, conds: dict[tuple[int, int], Fact], cond: Any, node: Any, fi: int, what: str,
                  env: str | None) -> None:
        """Record an environment read steering `cond`; a condition reading several gets one fact.
        `env` is the variable's `process.env.X` text when `what` names a local alias of it."""
        key = (cond.start_byte, cond.end_byte)
        ref = env or what
        f = conds.get(key)
        if f is None:
            f = Fact("DUR004", node, fi, what, "env")
            conds[key] = f
            self.facts.append(f)
            self._env_names[id(f)] = [(node.start_byte, what, ref)]
            return
        reads = self._env_names[id(f)]
        if all(r[2] != ref for r in reads):
            reads.append((node.start_byte, what, ref))
            reads.sort()
            f.what = ", ".join(r[1] for r in reads)
        if node.start_byte < f.start:  # report at the first read in the condition
            f.node, f.start, f.fi = node, node.start_byte, fi

    def _env_aliases(self, conds: dict[tuple[int, int], Fact], env_members: list[Any]) -> None:
        """`const { MODE } = process.env` / `const mode = process.env.MODE` in orchestration code, and
        then a condition on MODE/mode: the same DUR004 as reading process.env in the condition."""
        src = self.src
        funcs = self.funcs
        member_starts = {n.start_byte for n in env_members}
        aliases: dict[str, list[tuple[Binding, str, int]]] = {}
        for fi, nn, val, bs in self.col.decls:
            # in orchestration code, or a module constant (`const PAUSE = Number(process.env.PAUSE ?? "6")`):
            # read once per cold start, and a replay after a configuration change runs in a new one
            if val is None or (fi and funcs[fi].scope != "orch"):
                continue
            v = _env_operand(unwrap(val), member_starts)
            if v is None:
                continue
            if not _reads_env(v, member_starts):
                continue
            if v.start_byte in member_starts and v.type == "member_expression" and text(v).replace(" ", "") \
                    == "process.env":
                if nn.type != "object_pattern":
                    continue
                for b in bs:
                    if b.key and re.fullmatch(r"[A-Za-z_$][\w$]*", b.key):
                        aliases.setdefault(b.name, []).append((b, "process.env." + b.key, fi))
            elif nn.type == "identifier" and len(bs) == 1:
                obj = v.child_by_field_name("object")
                if obj is None or obj.start_byte not in member_starts:
                    continue
                env = self._env_text(obj)
                if env != "process.env":
                    aliases.setdefault(bs[0].name, []).append((bs[0], env, fi))
        if not aliases:
            return
        if self._starts is None:
            self._starts = [g.start for g in funcs]
        root = self.col.funcs[0].node
        for pos in sorted(_word_positions(src, {a.encode() for a in aliases})):
            name_b = None
            node: Any = None
            for b, env, fi in aliases.get(_word_at(src, pos), ()):
                f = funcs[fi]
                if not (f.start <= pos < f.end) or pos < b.start + len(b.name):
                    continue
                if node is None:
                    node = root.named_descendant_for_byte_range(pos, pos + len(b.name))
                    if node is None or node.type != "identifier":
                        break
                use_fi = _enclosing(funcs, pos, self._starts)
                if funcs[use_fi].scope != "orch" or self.lookup(b.name, use_fi) is not b:
                    continue
                name_b = (b, env, use_fi)
                break
            if name_b is None or node is None:
                continue
            b, env, use_fi = name_b
            cond = self._condition_of(node, use_fi)
            if cond is not None:
                self._env_fact(conds, cond, node, use_fi, f"{b.name} ({env})", env)

    def _condition_of(self, node: Any, fi: int) -> Any:
        """The condition node reads `node` as (an if/while/for/switch/ternary test or the left of &&)."""
        anc = self._path(fi, node)
        cur = node
        guard: Any = None  # the outermost `x && ...` whose left side reads it
        for par in reversed(anc):
            if par.type in _STATEMENT_STOP:
                return guard
            field = _COND_FIELDS.get(par.type)
            if field is not None:
                cn = par.child_by_field_name(field)
                if cn is not None and cn.start_byte == cur.start_byte and cn.end_byte == cur.end_byte:
                    return cn
                return guard
            if par.type == "binary_expression":
                opn = par.child_by_field_name("operator")
                if opn is not None and opn.type == "&&":  # `env.X ?? "default"` is a default, not a branch
                    left = par.child_by_field_name("left")
                    if left is not None and left.start_byte == cur.start_byte:
                        guard = par
            cur = par
        return guard

    def _classify_call(self, c: Call) -> tuple[str, str, str] | None:
        ch = c.chain
        if ch is None:
            return None
        last = ch[-1]
        q = self.qualify(ch, c.fi)
        # methods whose name alone is specific enough
        if last in T.INVOCATION_METHODS:
            return ("DUR004", last + "()", "request")
        if last == "send" and c.args:
            a0 = unwrap(c.args[0])
            if a0 is not None and a0.type == "identifier":  # const cmd = new PutItemCommand(...); send(cmd)
                b = self.lookup(text(a0), c.fi)
                v = unwrap(b.value) if b is not None and b.kind == "var" and b.key is None else None
                if v is not None and v.type == "new_expression":
                    a0 = v
            if a0 is not None and a0.type == "new_expression":
                cmd = chain_of(a0.child_by_field_name("constructor"))
                if cmd and cmd[-1].endswith("Command"):
                    bq = self.qualify(cmd, c.fi)
                    if bq is not None and (bq[0].startswith("@aws-sdk/") or q is not None and q[0].startswith("@inst:@aws-sdk")):
                        return self._aws(cmd[-1][: -len("Command")], c, a0)
        if q is None:
            return self._local_call(c)
        mod, dotted = q
        key = (mod, dotted)
        if mod == "":
            if key in T.CLOCK:
                return ("DUR001", T.CLOCK[key], "clock")
            if key in T.CLOCK_NOARGS and not c.args:
                return ("DUR001", T.CLOCK_NOARGS[key], "clock")
            if key in T.RANDOM:
                return ("DUR002", T.RANDOM[key], "random")
            root = ch[0]
            if root == "console" and len(ch) == 2:
                return ("DUR020", f"console.{last}()", "log")
            if dotted in ("process.stdout.write", "process.stderr.write"):
                return ("DUR020", dotted + "()", "log")
            if dotted in T.SLEEP_GLOBALS:
                return ("DUR009", dotted + "()", "sleep")
            if dotted == "fetch":
                return self._fetch(c, "fetch")
            if dotted in ("Promise.all", "Promise.allSettled", "Promise.race", "Promise.any"):
                return ("combinator", dotted, last)
            return self._local_call(c)
        if mod.startswith("@inst:"):
            return self._instance(mod[6:], dotted, c)
        if mod in T.DB_MODULES:
            return self._tagged_query(c)  # `import { sql } from "@vercel/postgres"`
        if key in T.CLOCK:
            return ("DUR001", T.CLOCK[key], "clock")
        if key in T.CLOCK_NOARGS and not c.args:
            return ("DUR001", T.CLOCK_NOARGS[key], "clock")
        if key in T.RANDOM:
            return ("DUR002", T.RANDOM[key], "random")
        if mod == "uuid" and dotted in ("", "default"):
            return None
        if key in T.INVOCATION_CALLS:
            return ("DUR004", T.INVOCATION_CALLS[key], "request")
        if mod == "timers" and dotted in ("setTimeout", "setInterval", "promises.setTimeout"):
            return ("DUR009", dotted.rsplit(".", 1)[-1] + "()", "sleep")
        if key in T.SLEEP_CALLS and T.SLEEP_CALLS[key]:
            return ("DUR009", T.SLEEP_CALLS[key], "sleep")
        if mod in T.FS_MODULES:
            fn = dotted.rsplit(".", 1)[-1]
            if T.FS_WRITE.match(fn):
                return ("DUR021", f"{fn}()", "file write")
            if T.FS_READ.match(fn):
                if c.args and _package_file(c.args[0]):
                    return None  # a file of the deployment package: fixed per version
                return ("DUR003", f"{fn}()", "file read")
            return None
        if mod in ("node-fetch", "cross-fetch") or (mod == "undici" and dotted in ("fetch", "request")):
            return self._fetch(c, dotted or "fetch")
        if mod in T.HTTP_MODULES:
            return self._http(mod, dotted, c)
        if mod in T.NODE_HTTP and dotted in ("get", "request"):
            return self._fetch(c, f"{mod}.{dotted}", options_index=0)
        if mod in T.LOGGER_MODULES and dotted.rsplit(".", 1)[-1] in T.LOG_METHODS and dotted:
            return ("DUR020", f"{dotted}()", "log")
        if mod.startswith("@aws-sdk/") or mod == "aws-sdk":
            fn = dotted.rsplit(".", 1)[-1]
            if fn.startswith("paginate") and len(fn) > 8 and fn[8].isupper():
                return ("DUR003", f"{fn}()", "aws read")  # paginateListObjectsV2(...) pages through a service
            return None
        if mod.startswith((".", "/")):
            b = self.lookup(ch[0], c.fi)
            if b is None or b.kind != "import":
                return None
            if len(ch) == 1:
                name = b.imported if b.imported != "*" else ""
            elif len(ch) == 2 and b.imported == "*":
                name = ch[1]
            elif len(ch) == 2 and ch[1] in T.LOG_METHODS and b.imported not in ("*", "default"):
                # `import { logger } from "./log"; logger.info(...)`: DUR020 when that module exports
                # a logger instance (known only across files, in the frontend's check)
                return ("project-log", b.imported, mod)
            elif len(ch) == 2 and b.imported != "default":
                name = f"{b.imported}.{ch[1]}"  # found when the module has `export * as <imported>`
            elif len(ch) == 3 and b.imported == "*":
                name = f"{ch[1]}.{ch[2]}"
            else:
                return None
            return ("project", name, mod) if name else None
        return None

    def _local_call(self, c: Call) -> tuple[str, str, str] | None:
        ch = c.chain or []
        if len(ch) == 2 and ch[1] not in T.MUTATING_METHODS:
            # `const n = new Notifier(); n.publish(...)` or `new Notifier().publish(...)`: a method of a
            # project class
            pclass = None
            if ch[0]:
                b = self.lookup(ch[0], c.fi)
                pclass = b.pclass if b is not None else None
            else:
                callee = c.callee
                obj = unwrap(callee.child_by_field_name("object")) if callee is not None \
                    and callee.type == "member_expression" else None
                if obj is not None and obj.type == "new_expression":
                    pclass = self._project_class(obj, c.fi)
            if pclass is not None:
                return ("project", f"{pclass[1]}.{ch[1]}", pclass[0])
            if ch[0]:
                # `const TOOLS = { create_ticket: createTicket }; TOOLS.create_ticket(...)`: a table of
                # project functions (an agent's tools), called through its key
                tabled = self._table_function(ch[0], ch[1], c.fi)
                if tabled is not None:
                    return tabled
        if len(ch) == 1:
            target = self.func_of_name(ch[0], c.fi)
            if target >= 0:
                if any(self.ctx_binding(a, c.fi) is not None for a in c.args):
                    return ("ctxarg", ch[0], "")
                return ("project", ch[0], "")
            return None
        if len(ch) >= 2 and ch[0] and ch[-1] in T.MUTATING_METHODS:
            return ("mutate", ch[-1], "")
        if len(ch) >= 2 and ch[0] and ch[-1] == "assign" and ch[:2] == ["Object", "assign"] and c.args:
            return ("mutate", "Object.assign", "")
        return None

    def _table_function(self, table: str, key: str, fi: int) -> tuple[str, str, str] | None:
        """The project function `table.key` names when table is a module-level const object literal
        whose key holds a function of this file or an imported one."""
        b = self.lookup(table, fi)
        if b is None or b.fi != 0 or b.decl != "const" or b.kind != "var":
            return None
        obj = unwrap(b.value) if b.value is not None else None
        if obj is None or obj.type != "object":
            return None
        for p in obj.named_children:
            if p.type == "pair":
                k = p.child_by_field_name("key")
                v = unwrap(p.child_by_field_name("value"))
                if k is None or text(k).strip("'\"") != key or v is None or v.type != "identifier":
                    continue
            elif p.type == "shorthand_property_identifier" and text(p) == key:
                v = p
            else:
                continue
            name = text(v)
            if self.func_of_name(name, 0) >= 0:
                return ("project", name, "")
            vb = self.lookup(name, 0)
            if vb is not None and vb.kind == "import" and vb.imported not in ("*", "default"):
                return ("project", vb.imported, module_of(vb))
            return None
        return None

    def _aws(self, name: str, c: Call, arg: Any) -> tuple[str, str, str]:
        what = f"{name}Command"
        if T.AWS_READ_PREFIX.match(name):
            return ("DUR003", what, "aws read")
        if T.AWS_WRITE_PREFIX.match(name):
            body = arg.text or b""
            if name in ("UpdateItem", "Update"):  # a DynamoDB counter (ADD, SET n = n + :v) repeats on retry
                ni = "nonidem" if T.COUNTER_UPDATE.search(body) and not T.guards_a_repeat(body) else ""
            else:
                ni = "nonidem" if T.AWS_NON_IDEMPOTENT.match(name) and not T.IDEMPOTENCY_HINT.search(body) else ""
            return ("DUR021", what, "aws write " + ni)
        return ("DUR003", what, "aws call")

    def _instance(self, mod: str, dotted: str, c: Call) -> tuple[str, str, str] | None:
        method = dotted.rsplit(".", 1)[-1] if dotted else ""
        if mod.startswith("@aws-sdk/") or mod == "aws-sdk":
            if not method or method in ("destroy", "middlewareStack", "config", "promise", "on"):
                return None
            if method == "send":
                return ("DUR003", "client.send()", "aws call")
            name = method[0].upper() + method[1:]
            arg = c.args[0] if c.args else c.node
            res = self._aws(name, c, arg)
            return (res[0], f"{method}()", res[2])
        if mod in T.LOGGER_MODULES:
            if method not in T.LOG_METHODS:
                return None
            recv = ".".join(c.chain or ()) if c.chain and c.chain[0] else method
            return ("DUR020", f"{recv}()", "log")
        if mod in T.METRICS_MODULES:
            return ("DUR021", f"{method}()", "metrics") if method in T.METRICS_METHODS else None
        if mod in T.HTTP_MODULES:
            return self._http(mod, dotted, c)
        if mod in T.DB_MODULES:
            tagged = self._tagged_query(c)
            if tagged is not None:
                return tagged
            if method in ("on", "once", "off", "end", "release", "close", "disconnect", "quit", "$disconnect", ""):
                return None
            if T.DB_WRITE.match(method):
                return ("DUR021", f"{method}()", "database write")
            if method in T.SQL_TEXT_METHODS and c.args:
                sql = unwrap(c.args[0])
                if sql is not None and sql.type in ("string", "template_string") and sql_writes(text(sql)[1:]):
                    return ("DUR021", f"{method}()", "database write")
            return ("DUR003", f"{method}()", "database call")
        return None

    def _tagged_query(self, c: Call) -> tuple[str, str, str] | None:
        """A tagged-template query (postgres.js, Neon, Vercel Postgres: sql`SELECT ...`), by its first word."""
        an = c.node.child_by_field_name("arguments")
        if an is None or an.type != "template_string":
            return None
        label = ".".join(c.chain or ()) + "`...`"
        if sql_writes(text(an)[1:]):
            return ("DUR021", label, "database write")
        return ("DUR003", label, "database query")

    def _http(self, mod: str, dotted: str, c: Call) -> tuple[str, str, str] | None:
        method = dotted.rsplit(".", 1)[-1].lower() if dotted else ""
        label = f"{mod}.{dotted}()" if dotted else f"{mod}()"
        if method in T.HTTP_WRITE_METHODS:
            return ("DUR021", label, "http " + method + self._idem(c))
        if method in ("", "request", "default"):
            return self._fetch(c, label.rstrip("()"), options_index=0 if not c.args or len(c.args) == 1 else 1)
        if method in T.HTTP_READ_METHODS:
            return ("DUR003", label, "http read")
        return None

    def _idem(self, c: Call) -> str:
        return "" if T.IDEMPOTENCY_HINT.search(c.node.text or b"") else " nonidem"

    def _fetch(self, c: Call, label: str, options_index: int = 1) -> tuple[str, str, str]:
        opts = unwrap(c.args[options_index]) if len(c.args) > options_index else None
        method = ""
        named = None  # `const init = { method: "POST", ... }; fetch(url, init)`
        if opts is not None and opts.type == "identifier":
            b = self.lookup(text(opts), c.fi)
            v = unwrap(b.value) if b is not None and b.kind == "var" and b.decl == "const" and b.key is None \
                else None
            if v is not None and v.type == "object":
                opts = named = v
        if opts is not None and opts.type == "object":
            for pair in opts.named_children:
                if pair.type == "pair" and text(pair.child_by_field_name("key")).strip("'\"") == "method":
                    v = unwrap(pair.child_by_field_name("value"))
                    if v is not None and v.type == "string":
                        method = text(v)[1:-1].upper()
        name = label if label.endswith(")") else label + "()"
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            ni = self._idem(c) if method == "POST" else ""
            if ni and named is not None:
                # headers spread in from elsewhere may carry a key: no guess
                nt = named.text or b""
                if b"..." in nt or T.IDEMPOTENCY_HINT.search(nt):
                    ni = ""
            return ("DUR021", f"{name} {method}", "http " + method.lower() + ni)
        return ("DUR003", name, "http read")

    # ------------------------------------------------------------------ reporting
    def report(self, rule: str, node: Any, message: str, fix: str, severity: str | None = None,
               short: str | None = None, guide: str | None = None) -> None:
        sp = node.start_point
        key = (rule, sp[0], sp[1])
        if key in self._seen:
            return
        self._seen.add(key)
        ep = node.end_point
        r = RULES[rule]
        self.diags.append(Diagnostic(
            path=self.path, line=sp[0] + 1, column=char_column(self.src, node.start_byte, sp[1]),
            end_line=ep[0] + 1, end_column=char_column(self.src, node.end_byte, ep[1]),
            rule=rule, severity=severity or r.severity,  # type: ignore[arg-type]
            message=f"{message}; {short or SHORT_FIX[rule]} (guide: {guide or r.guide})", fix=fix,
        ))

    def _facts_in(self, lo: int, hi: int) -> list[Fact]:
        i = bisect.bisect_left(self._fact_starts, lo)
        out = []
        while i < len(self.facts) and self.facts[i].start < hi:
            out.append(self.facts[i])
            i += 1
        return out

    def _ops_in(self, lo: int, hi: int) -> bool:
        i = bisect.bisect_left(self._op_starts, lo)
        return i < len(self._op_starts) and self._op_starts[i] < hi

    # ------------------------------------------------------------------ durable-op rules
    def _durable_rules(self) -> None:
        funcs = self.funcs
        self._suppressed: set[int] = set()
        self._taint = self._tainted_names()
        names_seen: dict[tuple[int, str], list[Call]] = {}
        self._durable_vars = self._find_durable_vars()
        self._configure_serdes = any(c.chain and c.chain[-1] == "configureSerdes" for c in self.col.calls)
        for c in self._ops:
            f = funcs[c.fi]
            if not c.roles:
                c.roles = self._op_args(c)
                c.name_arg = c.roles.get("name")
            ctx = self.ctx_name(c.fi)
            op = c.op or ""
            self._durations(c)
            if f.scope == "step":
                sr = funcs[f.step_root]
                kind = {"step": "step function", "submitter": "waitForCallback submitter",
                        "check": "waitForCondition check"}.get(sr.role or "", "step function")
                if sr.role == "submitter" and op == "step":
                    fix = ("call the plain function inside the submitter instead (it already runs as a step): "
                           f"await work(...) rather than {_short(c)}")
                elif sr.role == "submitter":
                    fix = ("move it before or after the waitForCallback, into orchestration code; the submitter "
                           "should only hand the callback id to the other system, with plain calls")
                else:
                    # out of the step, the operation runs in the body that holds the step: with its context
                    used = c.ctxb.name if c.ctxb is not None else ctx
                    moved = f" as {ctx}.{op}(...)" if used != ctx else ""
                    fix = (f"move it out of the {kind}{moved}, or group the work with "
                           f"{ctx}.runInChildContext('name', async (child) => ...) and use child.{op.split('.')[0]}")
                self.report("DUR010", c.node,
                            f"{_short(c)} inside a {kind}: durable operations cannot nest in step-wrapped code", fix)
                continue
            if f.scope != "orch":
                continue
            # DUR011: a parent context inside a child body
            if c.ctxb is not None and f.child_root >= 0 and not self._within(c.ctxb.fi, f.child_root):
                own = funcs[f.child_root].ctx_name or "the body's own context"
                self.report("DUR011", c.node,
                            f"{_short(c)} uses the parent context '{c.ctxb.name}' in a child/map/parallel body: "
                            "the child does not track it, so replay order breaks",
                            f"use the body's own context parameter ({own}) instead of '{c.ctxb.name}'")
            self._dur014(c, ctx)
            self._naming(c, names_seen)
            if self._orch_nondet(f.orch_root) and self._nondet_before(c):
                self._dur006(c)
            self._dur015(c, ctx)
            self._dur031_033(c, ctx)
            if op == "invoke":
                self._dur032(c)
            if op in ("step", "runInChildContext"):
                self._dur034(c)
            if op in ("step", "waitForCallback"):
                self._dur035(c)
        # waitForCondition timeouts live in createWaitStrategy({ timeoutSeconds })
        for c in self.col.calls:
            if c.chain and c.chain[-1] == "createWaitStrategy" and c.args \
                    and self.is_sdk(c.chain, c.fi, "createWaitStrategy"):
                _k, v = self._config_pair(c.args[0], "timeoutSeconds")
                num = _number(unwrap(v)) if v is not None else None
                if num is not None:
                    self.durations.append(DurationFact(line=v.start_point[0] + 1, seconds=num,
                                                       kind="condition-timeout"))
        self._closure_ops_in_steps()
        # DUR011 also covers handing the parent context to helpers inside a child body
        for c in self.col.calls:
            if c.op is None and funcs[c.fi].scope == "step" and c.chain and len(c.chain) == 1:
                self._context_into_step(c)
            eff = c.effect
            if eff is not None and eff[0] == "ctxarg":  # eff[1] is the callee's name, c.chain[0]
                f = funcs[c.fi]
                if f.scope == "orch":
                    self._floating_helper(c)
                if f.scope == "orch" and f.child_root >= 0:
                    for a in c.args:
                        b = self.ctx_binding(a, c.fi)
                        if b is not None and not self._within(b.fi, f.child_root):
                            self.report("DUR011", a,
                                        f"the parent context '{b.name}' is passed to {eff[1]}() inside a "
                                        "child/map/parallel body",
                                        f"pass the body's own context ({funcs[f.child_root].ctx_name or 'child'})")

    def _context_into_step(self, c: Call) -> None:
        """DUR010 for `step("x", async () => audit(context))`: a same-file helper that runs durable
        operations and gets a durable context from outside step-wrapped code runs them nested in the step."""
        funcs = self.funcs
        root = funcs[c.fi].step_root
        ch = c.chain or []
        target = self.func_of_name(ch[0], c.fi) if len(ch) == 1 else -1
        if target < 0 or not self._ops_in(funcs[target].start, funcs[target].end):
            return  # only a same-file function known to run durable operations (it may just read executionId)
        if root >= 0 and not self._within(target, root):
            # `const notify = () => context.step(...)` called in a step: the closure's operations use a
            # context from outside the step
            g = funcs[target]
            i = bisect.bisect_left(self._op_starts, g.start)
            while i < len(self._ops) and self._ops[i].start < g.end:
                op = self._ops[i]
                b = op.ctxb
                if b is not None and not self._within(b.fi, target) and not self._within(b.fi, root) \
                        and (b.fi != 0 or b.kind != "param"):
                    sr = funcs[root]
                    kind = {"submitter": "waitForCallback submitter", "check": "waitForCondition check"}.get(
                        sr.role or "", "step function")
                    name = ch[0]
                    self.report("DUR010", c.node,
                                f"{name}() runs {_short(op)} inside a {kind}: durable operations cannot nest in "
                                "step-wrapped code",
                                f"call {name}() from orchestration code, before or after the {kind}, not inside it")
                    return
                i += 1
        for a in c.args:
            b = self.ctx_binding(a, c.fi)
            if b is None or (root >= 0 and self._within(b.fi, root)):
                continue
            rf = funcs[root] if root >= 0 else None
            kind = {"submitter": "waitForCallback submitter", "check": "waitForCondition check"}.get(
                (rf.role if rf is not None else None) or "", "step function")
            name = ".".join(c.chain or ["the call"])
            self.report("DUR010", c.node,
                        f"{name}() gets the durable context '{b.name}' inside a {kind}: any durable operation it "
                        "runs nests in step-wrapped code, which the SDK does not allow",
                        f"call {name}() from orchestration code, before or after the {kind}, and give the step "
                        "only plain values")
            return

    def _floating_helper(self, c: Call) -> None:
        """DUR014 for `helper(context, ...)` as a statement when the same-file helper is async."""
        ch = c.chain
        if not ch:
            return
        target = self.func_of_name(ch[0], c.fi)
        if target < 0:
            return
        first = self.funcs[target].node.child(0)
        if first is None or first.type != "async":
            return
        if _AWAITED_BEFORE.search(self.src, max(0, c.start - 24), c.start):
            return
        anc = self._path(c.fi, c.node)
        i = len(anc) - 1
        while i >= 0 and anc[i].type == "parenthesized_expression":
            i -= 1
        if i < 0:
            return
        par = anc[i]
        if par.type == "expression_statement" or (par.type == "unary_expression"
                                                  and (par.text or b"").startswith(b"void")):
            ctx = self.ctx_name(c.fi)
            self.report("DUR014", c.node,
                        f"{ch[0]}() runs durable operations but its promise is neither awaited, returned "
                        "nor combined: they can be cut off when the handler finishes or suspends",
                        f"await {ch[0]}(...), or collect it into {ctx}.promise.all([...])")

    def _within(self, inner: int, outer: int) -> bool:
        if inner == outer:
            return True
        a, b = self.funcs[inner], self.funcs[outer]
        return a.start >= b.start and a.end <= b.end and inner != 0

    def _tainted_names(self) -> set[str]:
        """Variables initialized from a clock, randomness or external read outside steps; the facts
        each comes from are kept in _taint_src (DUR006 is not repeated for a source reported itself)."""
        tainted: set[str] = set()
        src: dict[str, set[int]] = {}
        self._taint_src = src
        for fi, _nn, val, bs in self.col.decls:
            if val is None or self.funcs[fi].scope != "orch":
                continue
            facts = self._facts_in(val.start_byte, val.end_byte)
            vt = val.text or b"" if tainted else b""
            if not facts and not (tainted and any(name.encode() in vt for name in tainted)):
                continue
            spans = self._op_spans(val.start_byte, val.end_byte)  # a durable result is checkpointed
            starts = {f.start for f in facts
                      if f.rule in ("DUR001", "DUR002", "DUR003") and self.funcs[f.fi].scope == "orch"
                      and not self._is_deferred(f.fi) and not _inside(f.start, spans)}
            if tainted:
                if any(name.encode() in vt for name in tainted):
                    for name in _idents(val, skip=spans):
                        if name in tainted:
                            starts |= src[name]
            if starts:
                for b in bs:
                    tainted.add(b.name)
                    src.setdefault(b.name, set()).update(starts)
        return tainted

    def _nondet_sources(self, node: Any) -> tuple[str | None, set[int]]:
        """What in a condition changes on replay (as _nondet_in) and the facts it comes from."""
        spans = self._op_spans(node.start_byte, node.end_byte)
        what: str | None = None
        starts: set[int] = set()
        for f in self._facts_in(node.start_byte, node.end_byte):
            if f.rule in ("DUR001", "DUR002", "DUR003") and self.funcs[f.fi].scope == "orch" \
                    and not self._is_deferred(f.fi) and not _inside(f.start, spans):
                what = what or f.what
                starts.add(f.start)
        if self._taint:
            t = node.text or b""
            if any(name.encode() in t for name in self._taint):
                for name in _idents(node, skip=spans):
                    if name in self._taint:
                        what = what or name
                        starts |= self._taint_src.get(name, set())
        return what, starts

    def _nondet_in(self, node: Any) -> str | None:
        spans: list[tuple[int, int]] | None = None
        for f in self._facts_in(node.start_byte, node.end_byte):
            if f.rule in ("DUR001", "DUR002", "DUR003") and self.funcs[f.fi].scope == "orch" \
                    and not self._is_deferred(f.fi):
                if spans is None:
                    spans = self._op_spans(node.start_byte, node.end_byte)
                if not _inside(f.start, spans):
                    return f.what
        if self._taint:
            t = node.text or b""
            if not any(name.encode() in t for name in self._taint):
                return None
            if spans is None:
                spans = self._op_spans(node.start_byte, node.end_byte)
            for name in _idents(node, skip=spans):
                if name in self._taint:
                    return name
        return None

    def _op_spans(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Byte spans of the durable operations in [lo, hi): what they return is checkpointed."""
        i = bisect.bisect_left(self._op_starts, lo)
        out = []
        while i < len(self._op_starts) and self._op_starts[i] < hi:
            op = self._ops[i]
            out.append((op.start, op.node.end_byte))
            i += 1
        return out

    def _path(self, fi: int, node: Any) -> list[Any]:
        """Ancestors of node from function fi's node down to node's parent.

        Top-down with a cursor: `Node.parent` in tree-sitter 0.26 walks from the root each time,
        which is quadratic on large files.
        """
        top = self.funcs[fi].node
        cur = top.walk()
        out: list[Any] = []
        s, e, ty = node.start_byte, node.end_byte, node.type
        for _ in range(2000):
            n = cur.node
            if n.start_byte == s and n.end_byte == e and n.type == ty:
                return out
            out.append(n)
            if cur.goto_first_child_for_byte(s) is None:
                return out
        return out

    def _terminal(self, node: Any, fi: int) -> bool:
        """Whether a value computed at node only reaches the result of a handler or child body, in the
        invocation that completes it: inside a `return` (or an expression body) with no durable operation
        in it, or a `const` used only by such returns with no orchestration work in between. The result
        is checkpointed once, so a clock read or random id there is what the author means, not a replay
        hazard."""
        f = self.funcs[fi]
        if f.role not in ("handler", "child"):
            return False
        anc = self._path(fi, node)
        ret = self._own_return(fi, node, anc)
        if ret is not None:
            return not self._orchestration_between(ret.start_byte, ret.end_byte, fi)
        # `const completedAt = new Date().toISOString(); return { ..., completedAt }`
        i = len(anc) - 1
        while i > 0 and anc[i].type != "variable_declarator":
            i -= 1
        if i <= 1:
            return False
        decl, stmt = anc[i], anc[i - 1]
        name = decl.child_by_field_name("name")
        value = decl.child_by_field_name("value")
        if (stmt.type != "lexical_declaration" or not (stmt.text or b"").startswith(b"const")
                or name is None or name.type != "identifier" or value is None
                or not (value.start_byte <= node.start_byte < value.end_byte)):
            return False
        word = re.compile(rb"(?<![\w$.])" + re.escape(name.text or b"") + rb"(?![\w$])")
        root = self.funcs[0].node
        used = False
        for m in word.finditer(self.src, decl.end_byte, f.end):
            use = root.named_descendant_for_byte_range(m.start(), m.end())
            ret = self._own_return(fi, use) if use is not None else None
            if ret is None or self._orchestration_between(decl.end_byte, ret.end_byte, fi):
                return False
            used = True
        return used

    def _own_return(self, fi: int, node: Any, path: list[Any] | None = None) -> Any:
        """The `return` statement (or expression body) of function fi that node is part of, if any
        (path: node's ancestors from fi down, when the caller has them already)."""
        f = self.funcs[fi]
        body = f.node.child_by_field_name("body")
        if body is not None and body.type != "statement_block" and body.start_byte <= node.start_byte < body.end_byte:
            return body
        for par in (path if path is not None else self._path(fi, node))[1:]:
            if par.type == "return_statement":
                return par
            if par.type in FUNC_TYPES:
                return None  # a nested function's return is not this function's result
        return None

    def _orchestration_between(self, lo: int, hi: int, fi: int) -> bool:
        """A durable operation, or a call handing the context to a helper, in [lo, hi)."""
        if self._ops_in(lo, hi):
            return True
        starts = self._handoff_starts
        if starts is None:  # once per file: calls that hand a durable context to a helper
            starts = self._handoff_starts = sorted(
                c.start for c in self.col.calls if c.args and any(self.ctx_binding(a, c.fi) is not None
                                                                  for a in c.args))
        i = bisect.bisect_left(starts, lo)
        return i < len(starts) and starts[i] < hi

    def _op_path(self, c: Call) -> list[Any]:
        f = self.funcs[c.fi]
        if self._cur_path_op is not c:
            self._cur_path_op = c
            self._cur_path = self._path(f.orch_root if f.orch_root >= 0 else c.fi, c.node)
        return self._cur_path

    def _dur014(self, c: Call, ctx: str) -> None:
        node = c.node
        if c.fi in self._foreach_fns:
            self.report("DUR014", node,
                        f"{_short(c)} runs in an async forEach callback: forEach drops the callback's promise, "
                        "so the operation is never awaited by the handler",
                        f"use for...of with await, or {ctx}.map('name', items, async (child, item) => ...)")
            return
        if _AWAITED_BEFORE.search(self.src, max(0, c.start - 24), c.start):
            return  # `await ctx.step(...)` / `return ctx.step(...)`: consumed
        anc = self._op_path(c)
        i = len(anc) - 1
        while i >= 0:
            par = anc[i]
            t = par.type
            if t in ("parenthesized_expression", "non_null_expression", "as_expression", "satisfies_expression",
                     "ternary_expression", "type_assertion"):
                i -= 1
                continue
            if t == "binary_expression":
                opn = par.child_by_field_name("operator")
                if opn is not None and opn.type in ("&&", "||", "??"):
                    i -= 1
                    continue
                return
            if t == "member_expression":
                prop = par.child_by_field_name("property")
                gp = anc[i - 1] if i > 0 else None
                if prop is not None and prop.text in (b"then", b"catch", b"finally") and gp is not None \
                        and gp.type == "call_expression":
                    i -= 2
                    continue
                return
            if t == "expression_statement" or (t == "unary_expression" and (par.text or b"").startswith(b"void")):
                self.report("DUR014", node,
                            f"{_short(c)} is neither awaited, returned nor combined: the handler can finish or "
                            "suspend before it is checkpointed",
                            f"await it (await {_short(c)}), return it, or collect it into "
                            f"{ctx}.promise.all([...])")
                return
            if t == "variable_declarator":
                nn = par.child_by_field_name("name")
                if nn is not None and nn.type == "identifier":
                    f = self.funcs[c.fi]
                    end = f.end if c.fi else len(self.src)
                    if not re.compile(rb"\b" + re.escape(nn.text) + rb"\b").search(self.src, par.end_byte, end):
                        self.report("DUR014", node,
                                    f"{_short(c)} is stored in '{text(nn)}' but never awaited, returned or "
                                    "combined",
                                    f"await {text(nn)} (or return it / pass it to {ctx}.promise.all)")
                return
            if t == "arguments":
                gp = anc[i - 1] if i > 0 else None
                callee = gp.child_by_field_name("function") if gp is not None else None
                ch = chain_of(callee) if callee is not None else None
                if ch and ch[-1] == "forEach":
                    self.report("DUR014", node,
                                f"{_short(c)} is passed to forEach, which drops the promise",
                                f"use for...of with await, or {ctx}.map(...)")
                return
            return

    def _naming(self, c: Call, seen: dict[tuple[int, str], list[Call]]) -> None:
        op = c.op or ""
        if op.startswith("promise."):
            return
        na = unwrap(c.name_arg) if c.name_arg is not None else None
        if na is None or na.type in ("undefined", "null") or (na.type == "identifier" and text(na) == "undefined"):
            if "misplaced" in c.roles:
                return  # DUR015's fix names it
            # the example is named after what takes the result, and unique: applied, no DUR030 follows
            ch = c.chain or []
            named = self._step_name(c.node, c.fi, SUGGESTED_NAME.get(op, "name"), op)
            example = f"{'.'.join(ch) if ch and ch[0] else op}({named}, ...)"
            self.report("DUR030", c.node,
                        f"unnamed {op}: unnamed operations are hard to find in history, tests and logs",
                        f"give it a stable name as the first argument, e.g. {example}",
                        severity="info")
            return
        bad = self._nondet_in(na)
        if bad is not None:
            for f in self._facts_in(na.start_byte, na.end_byte):
                self._suppressed.add(f.start)
            self.report("DUR030", na,
                        f"the name of this {op} is built from {bad}, which changes on replay: the SDK then "
                        "fails the execution as non-deterministic",
                        "build names from input data or a loop index (e.g. `process-${i}`), never from clocks, "
                        "randomness or external reads", severity="error")
            return
        if na.type == "string":
            key = (self.funcs[c.fi].orch_root, text(na))
            earlier = seen.setdefault(key, [])
            for other in earlier:
                if not self._exclusive(other, c):
                    self.report("DUR030", na,
                                f"operation name {text(na)} is already used on line {other.line} in this scope",
                                "give each operation its own name", severity="warning")
                    break
            earlier.append(c)

    def _exclusive(self, a: Call, b: Call) -> bool:
        """Whether two operations sit in different branches of one if/else, switch or ternary."""
        pa = self._path(self.funcs[a.fi].orch_root if self.funcs[a.fi].orch_root >= 0 else a.fi, a.node)
        pb = self._path(self.funcs[b.fi].orch_root if self.funcs[b.fi].orch_root >= 0 else b.fi, b.node)
        lca = None
        common = 0
        for x, y in zip(pa, pb, strict=False):
            if x.start_byte != y.start_byte or x.end_byte != y.end_byte or x.type != y.type:
                break
            lca = x
            common += 1
        if lca is not None and lca.type in ("if_statement", "switch_body", "ternary_expression"):
            return True
        if lca is not None and lca.type == "try_statement":
            return False
        return a.fi == b.fi and self._exits_before(pa + [a.node], common, b)

    def _exits_before(self, pa: list[Any], common: int, b: Call) -> bool:
        """Whether `a` (ancestors pa, ending with its own node) sits in an if branch that always ends in
        return/throw, and `b` comes after that if statement: `if (x) { op("n"); return } op("n")`.

        Conservative: the branch's last statement must be a return or throw, no function boundary may
        lie between the if and `a`, and every try statement above the if must hold `b` in the same part
        (a throw caught by a try that `b` follows would let both run).
        """
        for k in range(len(pa) - 2, common - 1, -1):
            node = pa[k]
            t = node.type
            if t in _FUNCLIKE or t in ("function_declaration", "method_definition", "class_body"):
                return False
            if t != "if_statement" or b.node.start_byte < node.end_byte:
                continue
            child = pa[k + 1]
            branch = None
            cons = node.child_by_field_name("consequence")
            if cons is not None and cons.start_byte == child.start_byte and cons.end_byte == child.end_byte:
                branch = cons
            elif child.type == "else_clause":
                branch = next((ch for ch in child.named_children if ch.type != "comment"), None)
            if branch is not None and _always_exits(branch):
                return not any(pa[j].type == "try_statement" for j in range(common, k))
        return False

    def _find_durable_vars(self) -> set[int]:
        """Bindings (by id) that hold durable promises: initialized from, or pushed, durable operations."""
        out: set[int] = set()
        for _fi, _nn, val, bs in self.col.decls:
            if val is not None and self._ops_in(val.start_byte, val.end_byte):
                for bd in bs:
                    out.add(id(bd))
        for c in self.col.calls:
            eff = c.effect
            if eff is None or eff[0] != "mutate" or eff[1] not in ("push", "unshift", "splice") or not c.args:
                continue
            durable = any(self._ops_in(a.start_byte, a.end_byte) for a in c.args)
            if not durable:
                for a in c.args:
                    u = unwrap(a)
                    if u is not None and u.type == "identifier":
                        b = self.lookup(text(u), c.fi)
                        if b is not None and id(b) in out:
                            durable = True
            if durable:
                recv = unwrap(c.callee.child_by_field_name("object")) if c.callee is not None else None
                if recv is not None and recv.type == "identifier":
                    b = self.lookup(text(recv), c.fi)
                    if b is not None:
                        out.add(id(b))
        return out

    def _orch_nondet(self, root: int) -> bool:
        """Whether the orchestration function has any clock/random/read value a condition could use."""
        hit = self._nondet_cache.get(root)
        if hit is None:
            f = self.funcs[root if root >= 0 else 0]
            hit = any(x.rule in ("DUR001", "DUR002", "DUR003") and self.funcs[x.fi].scope == "orch"
                      for x in self._facts_in(f.start, f.end))
            self._nondet_cache[root] = hit
        return hit

    def _nondet_before(self, c: Call) -> bool:
        """Cheap test before DUR006 walks the tree: a clock/random/read value or a variable holding
        one appears between the start of the orchestration function and the operation (where any
        enclosing condition is), or the function has a do-while (whose condition comes after)."""
        if self._nd_positions is None:
            pos = [x.start for x in self.facts if x.rule in ("DUR001", "DUR002", "DUR003")
                   and self.funcs[x.fi].scope == "orch"]
            if self._taint:
                pos.extend(_word_positions(self.src, {n.encode() for n in self._taint}))
            pos.sort()
            self._nd_positions = pos
        f = self.funcs[c.fi]
        root = self.funcs[f.orch_root if f.orch_root >= 0 else c.fi]
        i = bisect.bisect_left(self._nd_positions, root.start)
        if i < len(self._nd_positions) and self._nd_positions[i] < c.start:
            return True
        has_do = self._do_cache.get(root.start)
        if has_do is None:  # once per orchestration function, not once per operation in it
            has_do = self._do_cache[root.start] = _DO_RE.search(self.src, root.start, root.end) is not None
        return has_do

    def _dur006(self, c: Call) -> None:
        anc = self._op_path(c)
        cur = c.node
        found: list[tuple[str, set[int]]] = []
        for par in reversed(anc):
            field = _COND_FIELDS.get(par.type)
            cond = None
            if field is not None:
                cn = par.child_by_field_name(field)
                if cn is not None and not (cn.start_byte <= cur.start_byte and cur.end_byte <= cn.end_byte):
                    cond = cn
            elif par.type == "binary_expression":
                left = par.child_by_field_name("left")
                opn = par.child_by_field_name("operator")
                if left is not None and opn is not None and opn.type in ("&&", "||", "??") \
                        and left.start_byte != cur.start_byte:
                    cond = left
            if cond is not None:
                bad, starts = self._nondet_sources(cond)
                if bad is not None:
                    found.append((bad, starts))
            cur = par
        if found:  # reported after the sources (_flush_dur006): one cause, one diagnostic
            self._dur006_pending.append((c, found))

    def _flush_dur006(self) -> None:
        """DUR006 for an operation under a condition whose clock/random/read value is not reported
        itself (DUR001-DUR003 at the source say the same and their fix clears the condition too)."""
        done = self._reported_src
        for c, found in self._dur006_pending:
            bad = next((b for b, starts in found if not starts or not starts <= done), None)
            if bad is None:
                continue
            self.report("DUR006", c.node,
                        f"whether or how often {_short(c)} runs depends on {bad}, which changes on "
                        "replay: the operation sequence diverges",
                        f"compute the value in a step first (const v = await {self.ctx_name(c.fi)}"
                        ".step('name', async () => ...)) and branch on the step's result")

    def _dur015(self, c: Call, ctx: str) -> None:
        b = c.ctxb
        if b is not None and b.method and c.chain and len(c.chain) == 1 and not (c.op or "").startswith("promise."):
            # `const { step } = context; step(...)`: the SDK's methods use `this`, so a detached call
            # throws a TypeError at run time
            source = unwrap(b.value)
            owner = text(source) if source is not None and source.type in ("identifier", "member_expression") else ctx
            if b.kind == "param" and source is None:
                # `async (event, { step }) => ...`: there is no context variable to call it on yet
                fix = (f"take the context whole instead of destructuring it in the parameters, "
                       f"`async (event, context) => ...`, and call context.{c.op}(...)")
            else:
                fix = f"call it on the context: {owner}.{c.op}(...) (or bind it: {owner}.{c.op}.bind({owner}))"
            self.report("DUR015", c.node,
                        f"{c.chain[0]}() is the durable context's {c.op} method called on its own: it has no "
                        "`this`, so it throws a TypeError at run time", fix,
                        short="call it on the context")
        misplaced = c.roles.get("misplaced")
        if misplaced is not None:
            self._misplaced(c, ctx, misplaced)
            return
        for kind in ("fn", "check", "submitter", "body"):
            node = c.roles.get(kind)
            if node is None:
                continue
            self._fn_expected(c, node, kind)
        br = unwrap(c.roles.get("branches"))
        if br is not None and br.type == "array":
            for el in br.named_children:
                target = el
                if el.type == "object":
                    for pair in el.named_children:
                        if pair.type == "pair" and text(pair.child_by_field_name("key")) == "func":
                            target = pair.child_by_field_name("value")
                self._fn_expected(c, target, "branch")

    def _misplaced(self, c: Call, ctx: str, fn: Any) -> None:
        """``map(fn, items)``, ``parallel(fn)``, ``parallel(f1, f2)``: the SDK reads the function as the
        items or the branch array, and the call fails at run time."""
        name = c.roles.get("name")
        prefix = text(name) + ", " if name is not None else '"name", '
        fn_src = text(fn) if unwrap(fn).type == "identifier" else "async (ctx, item) => ..."
        if c.op == "map":
            items = c.roles.get("items")
            items_src = text(items) if items is not None else "items"
            self.report("DUR015", c.node,
                        f"{ctx}.map is given the item function where it expects the items: its arguments are "
                        "swapped (name, items, function), so the call fails at run time",
                        f"{ctx}.map({prefix}{items_src}, {fn_src})",
                        short="pass the items, then the function", guide="concurrent-operations#map")
            return
        second = c.roles.get("body2")
        branches = [fn] if second is None else [fn, second]
        srcs = [text(b) if unwrap(b).type == "identifier" else "async (ctx) => ..." for b in branches]
        what = "its branches one by one" if second is not None else "one function"
        self.report("DUR015", c.node,
                    f"{ctx}.parallel is given {what} where it expects an array of branches, so the call fails "
                    "at run time",
                    f"{ctx}.parallel({prefix}[{', '.join(srcs)}])",
                    short="pass the branches as one array", guide="concurrent-operations#parallel")

    def _fn_expected(self, c: Call, node: Any, kind: str) -> None:
        n = node
        while n is not None and n.type in ("parenthesized_expression", "as_expression", "non_null_expression"):
            n = unwrap(n)
        if n is None:
            return
        if n.type == "await_expression":
            pass
        elif n.type == "call_expression":
            if _tagged_arrow(n) is not n:
                return  # `async () => sql<Row[]>`...``, which the grammar reads as a call of the arrow
            ch = chain_of(n.child_by_field_name("function"))
            if ch and ch[-1] == "bind":
                return
            if ch and len(ch) == 1:
                target = self.func_of_name(ch[0], c.fi)
                if target >= 0 and self._returns_function(target):
                    return
        else:
            return
        label = {"fn": "step function", "check": "check function", "submitter": "submitter",
                 "body": "body function", "branch": "branch function"}[kind]
        src = text(n)
        if len(src) > 40:
            src = src[:37] + "..."
        self.report("DUR015", n,
                    f"{c.op} is given the result of {src} where a {label} is expected: it runs immediately, "
                    "outside the operation, on every replay",
                    f"wrap it: async () => {src.removeprefix('await ')}")

    def _returns_function(self, fi: int) -> bool:
        body = self.funcs[fi].node.child_by_field_name("body")
        if body is None:
            return False
        b = unwrap(body)
        if b is not None and b.type in _FUNCLIKE:
            return True
        return re.search(rb"return\s+(async\s+)?(\([^)]*\)|\w+)\s*=>|return\s+(async\s+)?function", body.text or b"") \
            is not None

    def _duration(self, node: Any) -> tuple[float | None, bool]:
        """Seconds of a literal Duration object: (seconds or None when not literal, empty)."""
        n = unwrap(node)
        if n is None or n.type != "object":
            return (None, False)
        total = 0.0
        pairs = 0
        for pair in n.named_children:
            if pair.type == "comment":
                continue
            if pair.type != "pair":
                return (None, False)
            key = text(pair.child_by_field_name("key")).strip("'\"")
            val = unwrap(pair.child_by_field_name("value"))
            num = _number(val)
            if num is None:
                return (None, False)
            mult = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}.get(key, 0)
            total += num * mult
            pairs += 1
        return (total, pairs == 0)

    def _config_pair(self, node: Any, key: str) -> tuple[bool, Any]:
        """(known, value node) for `key` in an object literal config; known=False when not literal."""
        n = unwrap(node)
        if n is None:
            return (True, None)
        if n.type != "object":
            return (False, None)
        found = None
        for pair in n.named_children:
            if pair.type == "spread_element":
                return (False, None)
            if pair.type == "pair" and text(pair.child_by_field_name("key")).strip("'\"") == key:
                found = pair.child_by_field_name("value")
            elif pair.type == "shorthand_property_identifier" and text(pair) == key:
                found = pair
        return (True, found)

    def _durations(self, c: Call) -> None:
        op = c.op
        if op == "wait":
            d = c.roles.get("duration")
            if d is not None:
                secs, _empty = self._duration(d)
                if secs is not None:
                    self.durations.append(DurationFact(line=c.line, seconds=secs, kind="wait"))
        elif op in ("createCallback", "waitForCallback"):
            known, tv = self._config_pair(c.roles.get("config"), "timeout")
            if known and tv is not None:
                secs, _e = self._duration(tv)
                if secs is not None:
                    self.durations.append(DurationFact(line=tv.start_point[0] + 1, seconds=secs,
                                                       kind="callback-timeout"))

    def _dur031_033(self, c: Call, ctx: str) -> None:
        op = c.op
        if op == "wait":
            d = c.roles.get("duration")
            if d is None:
                return
            secs, empty = self._duration(d)
            if empty:
                self.report("DUR031", d, "empty wait duration: the SDK computes 0 seconds and the service "
                                         "rejects it", "give a duration such as { seconds: 30 } or { minutes: 5 }")
            elif secs is not None and secs < 1:
                self.report("DUR031", d, f"wait of {secs:g} seconds is below the 1 second minimum "
                                         "(keys are days, hours, minutes, seconds)",
                            "wait at least { seconds: 1 }")
            elif secs is not None and secs > T.MAX_WAIT_SECONDS:
                self.report("DUR031", d, f"wait of {secs:,.0f} seconds exceeds the 31,622,400 second (366 day) "
                                         "maximum", "shorten the wait to at most { days: 366 }")
        elif op in ("createCallback", "waitForCallback"):
            cfg = c.roles.get("config")
            known, tv = self._config_pair(cfg, "timeout")
            if not known:
                return
            if tv is None:
                self.report("DUR033", c.node,
                            f"{op} without a timeout waits until the whole execution times out if the callback "
                            "never arrives",
                            "add a timeout to its config, e.g. { timeout: { hours: 1 } }, and handle "
                            "CallbackTimeoutError")
                return
            for field in ("timeout", "heartbeatTimeout"):
                _k, v = self._config_pair(cfg, field)
                if v is None:
                    continue
                secs, empty = self._duration(v)
                if empty or (secs is not None and (secs < 1 or secs > T.MAX_WAIT_SECONDS)):
                    self.report("DUR031", v, f"callback {field} is out of range (1 to 31,622,400 seconds)",
                                "use a duration between { seconds: 1 } and { days: 366 }")

    def _dur032(self, c: Call) -> None:
        fid = unwrap(c.roles.get("func_id"))
        if fid is None:
            return
        if fid.type not in ("string", "template_string"):
            var = self._env_var(fid, c.fi)
            if var is not None:  # the templates decide: check() looks the variable up
                self.env_invokes.append((fid, var))
            else:
                imported = self._imported_value(fid, c.fi)
                if imported is not None:  # another file's export, maybe an env var: check() looks it up
                    self.env_imports.append((fid, self._candidates(imported[0]), imported[1]))
            return
        s = text(fid)[1:-1]
        if fid.type == "template_string" and "${" in s:
            if re.search(r":\$\{[^}]*\}$", s) or not s.endswith("}") and ":" not in s.rsplit("}", 1)[-1]:
                return
            return
        if s.endswith(":$LATEST"):
            self.report("DUR032", fid, f"invoke of {s}: $LATEST is not a durable-safe target; a replay may "
                                       "reach different code", "invoke a published version or alias, e.g. "
                                                               "'my-function:prod'")
            return
        m = FUNCTION_ID.fullmatch(s)
        if m is None:
            return  # not a function identifier we can read: prefer silence
        if m.group("qualifier") is None:
            self.report("DUR032", fid, f"invoke of unqualified function '{s}': a replay may reach "
                                       "different code",
                        f"qualify it with an alias or version, e.g. '{s}:prod'")

    def _env_var(self, node: Any, fi: int, depth: int = 0) -> str | None:
        """X of ``process.env.X`` / ``process.env["X"]`` (with ``!``, ``?? ""`` or ``|| ""``), directly or
        through a const; None otherwise."""
        node = unwrap(node)
        if node is None or depth > 3:
            return None
        t = node.type
        if t == "binary_expression" and text(node.child_by_field_name("operator")) in ("??", "||"):
            return self._env_var(node.child_by_field_name("left"), fi, depth + 1)
        if t == "identifier":
            b = self.lookup(text(node), fi)
            if b is not None and b.kind == "var" and b.decl == "const" and b.key is None and b.value is not None:
                return self._env_var(b.value, b.fi, depth + 1)
            return None
        if t not in ("member_expression", "subscript_expression"):
            return None
        obj = unwrap(node.child_by_field_name("object"))
        if obj is not None and obj.type == "identifier" and t == "member_expression":
            # CONFIG.target where `const CONFIG = { target: process.env.X }`
            b = self.lookup(text(obj), fi)
            v = unwrap(b.value) if b is not None and b.kind == "var" and b.decl == "const" and b.value is not None \
                and b.key is None else None
            if v is not None and b is not None and v.type == "object":  # v is None when b is
                value = _pair_value(v, text(node.child_by_field_name("property")))
                return self._env_var(value, b.fi, depth + 1) if value is not None else None
            return None
        if obj is None or text(obj).replace(" ", "") != "process.env":
            return None
        if t == "member_expression":
            return text(node.child_by_field_name("property")) or None
        index = unwrap(node.child_by_field_name("index"))
        if index is not None and index.type == "string":
            return text(index)[1:-1] or None
        return None

    def _imported_value(self, node: Any, fi: int) -> tuple[str, str] | None:
        """(module specifier, "NAME" or "NAME.key") for an imported const or a member of one, from a
        project file: `TARGET` or `CONFIG.target` with `import { CONFIG } from "./config"`."""
        n = unwrap(node)
        key = ""
        if n is not None and n.type == "member_expression":
            key = "." + text(n.child_by_field_name("property"))
            n = unwrap(n.child_by_field_name("object"))
        if n is None or n.type != "identifier":
            return None
        b = self.lookup(text(n), fi)
        if b is None or b.kind != "import" or not b.module.startswith(".") or b.imported in ("", "*"):
            return None
        return b.module, b.imported + key

    def _exported_env(self) -> None:
        """Exported consts that hold an environment variable, directly or as an object literal's member
        (`export const CONFIG = { target: process.env.TARGET_FN! }`), for DUR032 in importing files."""
        if b"process.env" not in self.src:
            return
        for name, b in self.funcs[0].names.items():
            if b.kind != "var" or b.decl != "const" or b.key is not None or b.value is None or \
                    not _EXPORT_DECL_RE.search(self.src, max(0, b.start - 40), b.start):
                continue
            v = unwrap(b.value)
            if v is not None and v.type == "object":
                for pair in v.named_children:
                    if pair.type == "pair":
                        var = self._env_var(pair.child_by_field_name("value"), 0)
                        if var is not None:
                            key = text(pair.child_by_field_name("key")).strip("'\"")
                            self.exported_env[f"{name}.{key}"] = var
            else:
                var = self._env_var(v, 0)
                if var is not None:
                    self.exported_env[name] = var

    def _returned_exprs(self, fi: int) -> list[Any]:
        node = self.funcs[fi].node
        body = node.child_by_field_name("body")
        if body is None:
            return []
        if body.type != "statement_block":
            return [body]
        out = []
        stack = [body]
        steps = 0
        while stack and steps < 5000:
            steps += 1
            n = stack.pop()
            for ch in n.named_children:
                t = ch.type
                if t == "return_statement":
                    for e in ch.named_children:
                        if e.type != "comment":
                            out.append(e)
                elif t in _FUNCLIKE or t in ("function_declaration", "class_declaration", "method_definition"):
                    continue
                elif ch.named_child_count:
                    stack.append(ch)
        return out

    def _non_json(self, node: Any, fi: int, depth: int = 0) -> tuple[Any, str] | None:
        """(node to report, what) for a value that does not survive JSON, else None."""
        n = unwrap(node)
        if n is None or depth > 4:
            return None
        t = n.type
        if t == "new_expression":
            ch = chain_of(n.child_by_field_name("constructor"))
            if ch and ch[-1] not in T.JSON_SAFE_CTORS:
                article = "an" if ch[-1][:1] in "AEIOU" else "a"
                return (n, f"{article} {ch[-1]}")
            return None
        if t in _FUNCLIKE:
            return (n, "a function")
        if t == "number" and text(n).endswith("n"):
            return (n, "a BigInt")
        if t == "call_expression":
            ch = chain_of(n.child_by_field_name("function"))
            if ch == ["BigInt"]:
                return (n, "a BigInt")
            if ch and self._is_fetch(ch, fi):
                return (n, _RESPONSE)
            return None
        if t == "object":
            for pair in n.named_children:
                if pair.type == "pair":
                    r = self._non_json(pair.child_by_field_name("value"), fi, depth + 1)
                    if r is not None:
                        return r
                elif pair.type == "method_definition":
                    return (pair, "a function")
            return None
        if t == "array":
            for el in n.named_children:
                r = self._non_json(el, fi, depth + 1)
                if r is not None:
                    return r
            return None
        if t == "identifier":
            b = self.lookup(text(n), fi)
            if b is not None and b.kind == "var" and b.key is None and b.value is not None and b.decl == "const":
                r = self._non_json(b.value, b.fi, depth + 1)
                if r is not None:
                    return (n, r[1])
        return None

    def _result_unused(self, c: Call) -> bool:
        """Whether the operation is a statement of its own (`await ctx.step(...);`): its result is dropped."""
        anc = self._path(c.fi, c.node)
        i = len(anc) - 1
        while i >= 0 and anc[i].type in ("await_expression", "parenthesized_expression"):
            i -= 1
        return i >= 0 and anc[i].type == "expression_statement"

    def _chain_at(self, node: Any) -> list[str]:
        return chain_of(node.child_by_field_name("function")) or []

    def _is_fetch(self, ch: list[str], fi: int) -> bool:
        """Whether a call chain is the Fetch API (global fetch, node-fetch, cross-fetch, undici's fetch)."""
        q = self.qualify(ch, fi)
        if q is None:
            return False
        mod, dotted = q
        return (mod == "" and dotted == "fetch") or (mod in ("node-fetch", "cross-fetch") and dotted in ("", "default", "fetch")) \
            or (mod == "undici" and dotted == "fetch")

    def _dur034(self, c: Call) -> None:
        if self._configure_serdes:
            return
        known, serdes = self._config_pair(c.roles.get("config"), "serdes")
        if not known or serdes is not None:
            return
        fn = c.roles.get("fn") if c.op == "step" else c.roles.get("body")
        fi = self.func_of(fn, c.fi) if fn is not None else -1
        if fi < 0:
            return
        f = self.funcs[fi]
        body_from = f.start + 9  # past `function`, or past the arrow's own `=>`
        if f.node.type == "arrow_function":
            arrow = self.src.find(b"=>", f.start, f.end)
            body_from = arrow + 2 if arrow >= 0 else f.start
        if not _non_json_hint(self.src, body_from, f.end) and not _fetch_hint(self.src, body_from, f.end):
            return
        for e in self._returned_exprs(fi):
            found = self._non_json(e, fi)
            if found is not None:
                bad, what = found
                if what == _RESPONSE:
                    if self._result_unused(c):
                        return  # `await ctx.step("notify", async () => fetch(url, { method: "POST" }))`
                    call = _snippet(bad, "fetch(...)") if bad.type == "call_expression" else "fetch(...)"
                    self.report("DUR034", bad,
                                f"{c.op} result is {what}, which does not survive the JSON checkpoint: on replay it "
                                "comes back as a plain object, without .json() or .text()",
                                f"read the body inside the step and return it: async () => (await {call}).json() "
                                "(or .text())", short="return the body (.json() or .text()), not the Response")
                    return
                self.report("DUR034", bad,
                            f"{c.op} result contains {what}, which does not survive the JSON checkpoint: on "
                            "replay it comes back as a plain value",
                            "return plain JSON data (e.g. date.toISOString(), [...set], Object.fromEntries(map)) "
                            "or give the operation a serdes (createClassSerdes)")
                return

    def _dur035(self, c: Call) -> None:
        """Non-idempotent writes in a retrying step or waitForCallback submitter (the SDK runs the
        submitter as a step with the config's retryStrategy, default retries otherwise), directly or
        through same-file helper functions the step calls."""
        cfg = c.roles.get("config")
        known, rs = self._config_pair(cfg, "retryStrategy")
        if not known:
            return
        if rs is not None:
            rt = rs.text or b""
            if b"noRetry" in rt or re.search(rb"shouldRetry\s*:\s*false", rt) and b"shouldRetry: true" not in rt \
                    or re.search(rb"maxAttempts\s*:\s*1\b", rt):
                return
        submitter = c.op == "waitForCallback"
        fn = c.roles.get("submitter" if submitter else "fn")
        fi = self.func_of(fn, c.fi) if fn is not None else -1
        if fi < 0:
            return
        f = self.funcs[fi]
        _, sem = self._config_pair(cfg, "semantics")
        # at most once per attempt: an interrupted attempt is not run again, but a failed one is retried
        amo = sem is not None and b"AtMostOncePerRetry" in (sem.text or b"")
        mode = "submitter" if submitter else "amo-step" if amo else "step"
        where = ("this waitForCallback submitter runs as a step that retries on failure (at least once per attempt)"
                 if submitter else "this step retries on failure" if amo
                 else "this step retries on failure (at least once per attempt)")
        for fact in self._facts_in(f.start, f.end):
            if fact.rule == "DUR021" and "nonidem" in fact.detail and self.funcs[fact.fi].step_root == fi:
                self.report("DUR035", fact.node,
                            f"{fact.what} is not idempotent and {where}: a retry after a timeout repeats the write",
                            dur035_fix(fact.what, fact.detail, mode, self.retry_import_note(mode)))
        if not self._helper_writes_ready:
            self._helper_writes_ready = True
            self._helper_writes = self._nonidem_helpers()
        for hc in self._step_helper_calls.get(fi, ()):
            eff = hc.effect
            if eff is None:  # never: only calls with a "project" effect are kept
                continue
            target = self.func_of_name(eff[1], hc.fi) if not eff[2] else -1
            found = self._helper_write(target, [], set()) if self._helper_writes and target > 0 else None
            if found is None:
                # an imported helper, or a same-file one whose write is in another file: pass 2 decides
                cands = self._candidates(eff[2]) if eff[2] else [self.path]
                name = eff[1] if eff[2] else (self._summary_name(target) if target > 0 else None)
                if name:
                    self.project_nonidem.append((hc, cands, name, mode, where))
                continue
            fact, chain = found
            via = " -> ".join(chain)
            self.report("DUR035", hc.node,
                        f"{fact.what} (via {via}) is not idempotent and {where}: a retry after a timeout repeats "
                        "the write", dur035_fix(fact.what, fact.detail, mode, self.retry_import_note(mode)))

    def retry_import_note(self, mode: str) -> str:
        """What DUR035's fix for ``mode`` names from the SDK that this file does not import yet."""
        wanted = ["retryPresets"] if mode != "step" else ["retryPresets", "StepSemantics"]
        have = {b.imported for b in self.col.imports.values() if b.module == T.SDK_MODULE}
        missing = [n for n in wanted if n not in have]
        if not missing:
            return ""
        # a CommonJS file takes the SDK with require(): an import statement there is a SyntaxError
        if self.path.endswith(".cjs") or any(b.module == T.SDK_MODULE for b in self._required):
            return f' (const {{ {", ".join(missing)} }} = require("{T.SDK_MODULE}"))'
        return f' (import {{ {", ".join(missing)} }} from "{T.SDK_MODULE}")'

    def _nonidem_helpers(self) -> dict[int, Any]:
        """Top-level plain functions -> (first non-idempotent write fact or None, same-file callees)."""
        funcs = self.funcs
        out: dict[int, Any] = {}
        for fact in self.facts:
            if fact.rule == "DUR021" and "nonidem" in fact.detail:
                g = funcs[fact.fi]
                if g.scope == "plain" and g.top > 0 and funcs[g.top].role is None:
                    entry = out.setdefault(g.top, [None, []])
                    if entry[0] is None:
                        entry[0] = fact
        callers: dict[int, list[tuple[int, str]]] = {}
        for c in self.col.calls:
            eff = c.effect
            if eff is None or eff[0] != "project":
                continue
            g = funcs[c.fi]
            if g.scope == "step" and g.step_root >= 0:
                self._step_helper_calls.setdefault(g.step_root, []).append(c)
            if not out or eff[2] or g.scope != "plain" or g.top <= 0 or funcs[g.top].role is not None:
                continue
            target = self.func_of_name(eff[1], c.fi)
            if target > 0 and funcs[target].parent == 0:
                callers.setdefault(g.top, []).append((target, eff[1]))
        for top, callees in callers.items():
            out.setdefault(top, [None, []])[1].extend(callees)
        return out

    def _helper_write(self, target: int, chain: list[str], seen: set[int]) -> tuple[Fact, list[str]] | None:
        """(write fact, chain of helper names) when same-file helper `target` writes non-idempotently."""
        if target <= 0 or target in seen or len(chain) >= 4:
            return None
        entry = self._helper_writes.get(target)
        if entry is None:
            return None
        seen.add(target)
        chain = chain + [(self._summary_name(target) or "helper") + "()"]
        if entry[0] is not None:
            return entry[0], chain
        for callee, _name in entry[1]:
            r = self._helper_write(callee, chain, seen)
            if r is not None:
                return r
        return None

    def _report_env(self, fact: Fact, ctx: str) -> None:
        """DUR004 for environment variables in a condition. The fix reads only the variables named
        (never all of process.env, which holds credentials) and says when the warning does not apply."""
        names = [r[2] for r in self._env_names.get(id(fact), ())] or [fact.what]
        known = [n for n in names if n != "process.env"]
        verb = "steer" if "," in fact.what else "steers"
        if len(known) == 1:
            read = f"{known[0]} ?? null"
        elif 1 < len(known) <= 3 and len(known) == len(names):
            read = "({ " + ", ".join(f"{n.rsplit('.', 1)[-1]}: {n} ?? null" for n in known) + " })"
        else:
            read = "process.env.NAME ?? null"
        which = "these variables" if len(known) > 1 else "the variable"
        root = self.funcs[fact.fi].orch_root
        step = f"const cfg = await {ctx}.step('{unique_name('read-config', self._names_taken(root))}', async () => {read})"
        if root > 0 and self.funcs[root].role == "orch":  # a helper handed the context: maybe called often
            called = f"{self.funcs[root].name}()" if self.funcs[root].name else "this helper"
            how = (f"read only {which} in a step once, in the handler before it calls {called}, and pass the "
                   f"result in (a step here runs once per call): {step}")
        else:
            how = f"read only {which} in a step and branch on the result: {step}"
        self.report("DUR004", fact.node,
                    f"{fact.what} {verb} orchestration logic: environment variables are fixed for a published "
                    "version, but on $LATEST a configuration change between invocations makes a replay take "
                    "another path",
                    f"invoke a published version or alias (its environment cannot change), or {how}",
                    short=SHORT_FIX["DUR004-env"])

    # ------------------------------------------------------------------ stored closures
    def _is_deferred(self, fi: int) -> bool:
        """Whether function fi (orchestration scope) sits in a function literal that orchestration code
        only stores (`undo.push({ name, run: () => cancel(id) })`, `const undo = () => cancel(id)`) and
        never calls itself: it runs where it is called, typically inside a step (a saga's compensation),
        so what it does is not reported where it is created."""
        funcs = self.funcs
        memo = self._deferred
        chain: list[int] = []
        out = False
        i = fi
        while i > 0:
            hit = memo.get(i)
            if hit is not None:
                out = hit
                break
            f = funcs[i]
            if f.role is not None or f.scope != "orch":
                out = False
                break
            chain.append(i)
            if f.node.type in _FUNCLIKE or f.node.type == "method_definition":
                memo[i] = False  # a cycle through calls reads as "not deferred"
                if self._stored_only(i):
                    out = True
                    break
            i = f.parent
        for j in chain:
            memo[j] = out
        return out

    def _stored_only(self, fi: int) -> bool:
        site = self._store_site(fi)
        if site is None:
            return False
        # _called_in_orch -> _is_deferred -> _stored_only recurses along a chain of closures: compiled,
        # that has no recursion limit of its own (and interpreted it raises before this does)
        self._stored_depth += 1
        try:
            if self._stored_depth > sys.getrecursionlimit():
                raise RecursionError("nesting too deep")
            return not self._called_in_orch(fi, site[0], site[1])
        finally:
            self._stored_depth -= 1

    def _store_site(self, fi: int) -> tuple[Binding | None, str, str] | None:
        """Where orchestration code keeps function literal fi: (its variable, or None and its property
        name, "" when neither is known; the name of the collection or object that holds it, "" when
        unknown), or None when fi is not kept (an argument, returned, ...)."""
        f = self.funcs[fi]
        node = f.node
        path = self._path(f.parent, node)
        j = len(path) - 1
        cur = node
        while j >= 0 and path[j].type in _TRANSPARENT_WRAP:
            cur = path[j]
            j -= 1
        if j < 0:
            return None
        par = path[j]
        t = par.type
        var: Binding | None = None
        key = ""
        holder = ""
        if node.type == "method_definition":
            if t != "object":
                return None
            key = text(node.child_by_field_name("name"))
        elif t == "variable_declarator":
            nm = par.child_by_field_name("name")
            val = par.child_by_field_name("value")
            if nm is None or nm.type != "identifier" or val is None or val.start_byte != cur.start_byte:
                return None
            var = self.lookup(text(nm), f.parent)
            if var is None:
                return None
        elif t == "assignment_expression":
            left = unwrap(par.child_by_field_name("left"))
            right = par.child_by_field_name("right")
            if left is None or right is None or right.start_byte != cur.start_byte:
                return None
            if left.type == "identifier":
                var = self.lookup(text(left), f.parent)
                if var is None:
                    return None
            elif left.type in ("member_expression", "subscript_expression"):
                prop = left.child_by_field_name("property")
                key = text(prop) if prop is not None and left.type == "member_expression" else ""
                obj = chain_of(left.child_by_field_name("object"))
                holder = obj[-1] if obj else ""
            else:
                return None
        elif t == "pair":
            val = par.child_by_field_name("value")
            if val is None or val.start_byte != cur.start_byte:
                return None
            k = par.child_by_field_name("key")
            key = text(k).strip("\"'`") if k is not None else ""
        elif t not in ("array", "arguments"):
            return None
        if t in ("object", "array", "arguments", "pair"):
            kept = self._kept(path, j)
            if kept is None:
                return None
            holder = kept
        return (var, key, holder)

    def _kept(self, path: list[Any], j: int) -> str | None:
        """Whether the object/array literal (or argument list) at path[j] is kept rather than handed to
        a call: pushed or set into a collection, or assigned to a variable or property. Returns the
        name of what keeps it ("" when unknown), or None."""
        while j >= 0:
            n = path[j]
            t = n.type
            if t == "arguments":
                if j == 0:
                    return None
                call = path[j - 1]
                ch = chain_of(call.child_by_field_name("function")) if call.type == "call_expression" else None
                return ch[-2] if ch and len(ch) >= 2 and ch[-1] in _STORING_METHODS else None
            if t == "variable_declarator":
                nm = n.child_by_field_name("name")
                return text(nm) if nm is not None and nm.type == "identifier" else ""
            if t == "assignment_expression":
                ch = chain_of(n.child_by_field_name("left"))
                return ch[-1] if ch else ""
            if t not in ("object", "array", "pair", "spread_element") and t not in _TRANSPARENT_WRAP:
                return None
            j -= 1
        return None

    def _called_in_orch(self, fi: int, var: Binding | None, key: str) -> bool:
        """Whether orchestration code outside function fi calls it by its variable (`undo()`,
        `undo.call(...)`) or property name (`t.run()`), or hands the variable to another call
        (`retry(undo)`, which may call it)."""
        return any(self.funcs[g].scope == "orch" and not self._is_deferred(g)
                   for _pos, _end, g in self._call_sites(fi, var, key))

    def _call_sites(self, fi: int, var: Binding | None, key: str) -> Any:
        """(start, end, enclosing function) of each call of function fi, outside it, by its variable
        or property name, and (for a variable) each call it is handed to. Searched in the text of the
        function that declares the variable, or of the orchestration function that stores the closure."""
        f = self.funcs[fi]
        if var is not None:
            word = var.name.encode()
            lo, hi = (self.funcs[var.fi].start, self.funcs[var.fi].end) if var.fi else (0, len(self.src))
        elif key:
            word = key.encode()
            lo, hi = (self.funcs[f.orch_root].start, self.funcs[f.orch_root].end) if f.orch_root > 0 \
                else (0, len(self.src))
        else:
            return
        src = self.src
        if self._starts is None:
            self._starts = [fn.start for fn in self.funcs]
        pos = src.find(word, lo, hi)
        while pos >= 0:
            end = pos + len(word)
            nxt = src.find(word, end, hi)
            after = src[end:end + 1]
            if f.start <= pos < f.end or (after and (after.isalnum() or after in b"_$")):
                pos = nxt
                continue
            before = src[pos - 1:pos] if pos else b""
            if var is not None and (before.isalnum() or before in (b"_", b"$", b".")):
                pos = nxt
                continue
            if var is None:
                k = pos - 1
                while k > lo and src[k:k + 1] in b" \t\r\n":
                    k -= 1
                if src[k:k + 1] != b".":
                    pos = nxt
                    continue
            if _CALLED_AFTER.match(src, end) is not None or (
                    var is not None and _HANDED_AROUND.match(src, end) is not None
                    and _HANDED_BEFORE.search(src, max(lo, pos - 2), pos) is not None):
                g = _enclosing(self.funcs, pos, self._starts)
                if var is None or self.lookup(var.name, g) is var:
                    yield pos, end, g
            pos = nxt

    def _receiver_from(self, pos: int, fi: int, holder: str) -> bool:
        """Whether the receiver of the property call at pos (`c` in `c.undo()`) is the object or
        collection `holder` itself, or a `for ... of` variable whose loop header names it (so that a
        same-named method of something else is not taken for the stored closure)."""
        src = self.src
        k = pos - 1
        while k > 0 and src[k:k + 1] in b" \t\r\n.?":
            k -= 1
        e = k + 1
        while k >= 0 and (src[k:k + 1].isalnum() or src[k:k + 1] in b"_$"):
            k -= 1
        recv = src[k + 1:e].decode("utf-8", "replace")
        if not recv:
            return False
        if recv == holder:
            return True
        b = self.lookup(recv, fi)
        if b is None or b.kind != "loop":
            return False
        nl = src.find(b"\n", b.start)
        header = src[b.start:nl if nl >= 0 else len(src)]
        return re.search(rb"(?<![\w$])" + re.escape(holder.encode()) + rb"(?![\w$])", header) is not None

    def _closure_ops_in_steps(self) -> None:
        """DUR010 for a closure kept on an object and called inside a step (`undo.push({ run: () =>
        context.step(...) })`, then `step(c.name, async () => c.run())`): its operations use a context
        from outside the step. A closure called by its variable is found at the call (_context_into_step)."""
        funcs = self.funcs
        done: set[int] = set()
        for op in self._ops:
            fi = op.fi
            f = funcs[fi]
            b = op.ctxb
            if fi in done or f.role is not None or f.scope != "orch" or b is None or self._within(b.fi, fi) \
                    or (f.node.type not in _FUNCLIKE and f.node.type != "method_definition"):
                continue
            done.add(fi)
            site = self._store_site(fi)
            if site is None or site[0] is not None or not site[1] or not site[2]:
                continue
            for pos, end, g in self._call_sites(fi, None, site[1]):
                root = funcs[g].step_root
                if funcs[g].scope != "step" or root < 0 or self._within(b.fi, root) \
                        or not self._receiver_from(pos, g, site[2]):
                    continue
                node = funcs[0].node.named_descendant_for_byte_range(pos, end)
                if node is None:
                    continue
                kind = {"submitter": "waitForCallback submitter", "check": "waitForCondition check"}.get(
                    funcs[root].role or "", "step function")
                self.report("DUR010", node,
                            f"{site[1]}() runs {_short(op)} inside a {kind}: durable operations cannot nest in "
                            "step-wrapped code",
                            f"call {site[1]}() from orchestration code, before or after the {kind}, not inside it; "
                            "a plain function (with no durable operation) can be called in the step")
                break

    # ------------------------------------------------------------------ direct effects
    def _emit_effects(self) -> None:
        funcs = self.funcs
        for fact in self.facts:
            f = funcs[fact.fi]
            if f.scope != "orch" or fact.start in self._suppressed or self._is_deferred(fact.fi):
                continue
            ctx = self.ctx_name(fact.fi)
            w = fact.what
            r = fact.rule
            expr = _snippet(fact.node, w)
            # `await` only where the enclosing function is async (a `.then((x) => ...)` callback is not)
            aw, tail = ("await ", "") if self._is_async(fact.fi) else (
                "", " (this function is not async: chain that promise with .then(...), or make the function async)")
            if r in ("DUR001", "DUR002") and self._terminal(fact.node, fact.fi):
                continue
            if r != "DUR004" and self._final_catch(fact.node, fact.fi):
                continue
            if r in ONCE_AFTER_LAST_OPERATION and self._in_tail(fact.node, fact.fi):
                continue
            if r in ("DUR001", "DUR002", "DUR003") and not self._ignored_here(fact.start):
                self._reported_src.add(fact.start)
            value = _value_extent(fact.node) if r in ("DUR001", "DUR002") else fact.node
            if value is not fact.node:  # `new Date().toISOString()`: the step returns the plain value, and
                expr = _snippet(value, w)  # the range is all that the fix replaces
            # `await` binds looser than `.x`/`[i]`: `(await context.step(...)).split("-")[0]`
            vp = value.parent
            op, cp = ("(", ")") if aw and vp is not None and vp.type in ("member_expression", "subscript_expression") \
                and vp.child_by_field_name("object") == value else ("", "")
            if r == "DUR001":
                if fact.node.type == "new_expression" and value is fact.node:
                    ms = next((v for v in ("ms", "nowMs", "stepMs", "stepNowMs") if self.lookup(v, fact.fi) is None), "ms")
                    fix = (f"take the time in a step and rebuild the Date: const {ms} = {aw}{ctx}.step({self._step_name(fact.node, fact.fi, 'now', 'now')}, "
                           f"async () => Date.now()); new Date({ms}){tail}")
                elif w.startswith(_PROCESS_CLOCKS):
                    # counts from a per-process origin: a checkpointed reading means nothing next invocation
                    fix = ("time the work inside one step, or take Date.now() in a step for durations that span "
                           "invocations; a duration only logged for this invocation can be suppressed with "
                           "// durable-lint: ignore[DUR001]")
                else:
                    fix = f"move it into a step: {op}{aw}{ctx}.step({self._step_name(value, fact.fi, 'now', 'now')}, async () => {expr}){cp}{tail}"
                if self._in_durable_log(fact.node, fact.fi):
                    self.report(r, value, f"{w} reads the clock outside a step, but only for a "
                                              f"{ctx}.logger line, which the SDK skips while replaying: the "
                                              "orchestration does not change", fix, "warning")
                else:
                    self.report(r, value, f"{w} reads the clock outside a step: every replay gets a different "
                                              "time", fix)
            elif r == "DUR002":
                if self._in_durable_log(fact.node, fact.fi):
                    self.report(r, value, f"{w} is random outside a step, but only for a {ctx}.logger line, "
                                              "which the SDK skips while replaying: the orchestration does not "
                                              "change", f"move it into a step: {op}{aw}{ctx}.step({self._step_name(value, fact.fi, 'random', 'random')}, async () => "
                                                          f"{expr}){cp}{tail}", "warning")
                else:
                    self.report(r, value, f"{w} is random outside a step: every replay gets a different value",
                                f"move it into a step: {op}{aw}{ctx}.step({self._step_name(value, fact.fi, 'random', 'random')}, async () => {expr}){cp}{tail}")
            elif r == "DUR003":
                if fact.node.type == "call_expression" and self._is_fetch(self._chain_at(fact.node), fact.fi):
                    # a Response is no JSON value: the step must return the body, or replays get {} back
                    call = expr if expr != w else "fetch(...)"
                    fix = (f"do the read inside a step and return the body, not the Response (it does not survive the "
                           f"checkpoint): const data = {aw}{ctx}.step({self._step_name(fact.node, fact.fi, 'load')}, async () => (await {call}).json()) "
                           f"(.text() for a body that is not JSON){tail}")
                else:
                    fix = f"wrap it in {ctx}.step({self._step_name(fact.node, fact.fi, 'load')}, async () => ...)"
                    if fact.detail == "file read" or "GetObject" in w or "getObject" in w:
                        fix += _LARGE_RESULT  # an object or file read: its content may not fit in a checkpoint
                self.report(r, fact.node, f"{w} is an external read outside a step: replays repeat it and may "
                                          "see different data", fix)
            elif r == "DUR004":
                if fact.detail == "env":
                    self._report_env(fact, ctx)
                    continue
                if self._in_durable_log(fact.node, fact.fi):
                    continue  # the durable logger skips its lines while replaying: nothing branches on it
                self.report(r, fact.node, f"{w} is specific to one invocation and differs on replay",
                            f"read it inside a step and branch on the step's result: {aw}{ctx}.step("
                            f"'read-invocation', async () => {expr}){tail}")
            elif r == "DUR021":
                self.report(r, fact.node, f"{w} is an external write outside a step: it repeats on every "
                                          "replay", f"wrap it in {ctx}.step({self._step_name(fact.node, fact.fi, 'write', named=False)}, async () => ...)")
            elif r == "DUR020":
                method = T.DURABLE_LOG_METHOD.get(w.split("(")[0].rsplit(".", 1)[-1])
                self.report(r, fact.node, f"{w} outside a step repeats on every replay",
                            f"use {ctx}.logger.{method}(...) (replay-aware) instead" if method
                            else f"use {ctx}.logger (replay-aware) instead")
            elif r == "DUR009":
                self.report(r, fact.node, f"{w} sleeps in-process: the Lambda keeps running (and billing) and "
                                          "the delay is lost on replay",
                            f"use await {ctx}.wait('{unique_name('pause', self._names_taken(f.orch_root))}', "
                            f"{{ seconds: N }}){T.SHORT_PAUSE}")
        for c in self.col.calls:
            eff = c.effect
            if eff is None:
                continue
            f = funcs[c.fi]
            if f.scope != "orch" or self._is_deferred(c.fi):
                continue
            kind = eff[0]
            ctx = self.ctx_name(c.fi)
            if kind == "combinator":
                self._combinator(c, eff[2], ctx)
            elif kind == "project-log":
                if not self._in_tail(c.node, c.fi):
                    self.project_logs.append((c, self._candidates(eff[2]), eff[1]))
            elif kind == "project":
                if self._final_catch(c.node, c.fi):
                    continue
                if eff[2]:
                    # a helper that gets the context runs durable operations: it cannot go in a step
                    hands = self._hands_context(c)
                    cands = self._candidates(eff[2])
                    self.project_calls.append((c, cands, eff[1], False, hands))
                    self.project_sleeps.append((c, cands, eff[1]))
                else:
                    target = self.func_of_name(eff[1], c.fi)
                    if target >= 0 and funcs[target].role not in _ORCH_ROLES and funcs[target].parent == 0:
                        self.project_calls.append((c, [self.path], self._summary_name(target) or eff[1], False,
                                                   self._hands_context(c)))
                        slept = self._sleepers.get(target)
                        if slept is not None:
                            self.report("DUR009", c.node,
                                        f"{self._called_as(c, eff[1])}() sleeps in-process ({slept}): the Lambda keeps running (and billing) "
                                        "and the delay is lost on replay",
                                        f"use await {ctx}.wait('{unique_name('pause', self._names_taken(f.orch_root))}', "
                                        f"{{ seconds: N }}){T.SHORT_PAUSE}")
                        else:  # it may reach a sleep through helpers (other files): pass 2
                            self.project_sleeps.append((c, [self.path], self._summary_name(target) or eff[1]))

    def _step_name(self, node: Any, fi: int, base: str, part: str = "", named: bool = True) -> str:
        """The name a fix gives its step, as the code would be written by hand: after the variable,
        property or field that takes the value (`const startedAt = Date.now()` -> 'started-at', a part
        of it -> 'started-at-now'; a read: 'load-user'), else `base`. Inside a loop over `id` (in this
        function) the name is `` `<name>-${id}` ``, one per iteration; otherwise a name another
        operation or fix of the same orchestration already uses gets a number, so that applying every
        fix of a handler adds no DUR030."""
        stem, whole = self._assigned_stem(node) if named else ("", False)
        if not stem:
            name = base
        elif part:
            name = stem if whole else f"{stem}-{part}"
        else:
            name = f"{base}-{stem}"
        owner = self.funcs[fi].node
        n = node.parent
        for _ in range(200):
            if n is None or n.start_byte == owner.start_byte and n.end_byte == owner.end_byte:
                break
            t = n.type
            if t == "for_in_statement":
                left = n.child_by_field_name("left")
                if left is not None and left.type == "identifier":
                    return f"`{name}-{self._loop_key(n, text(left))}`"
                break
            if t == "for_statement":
                init = n.child_by_field_name("initializer")
                decl = init.named_children[0] if init is not None and init.named_children else None
                var = decl.child_by_field_name("name") if decl is not None and decl.type == "variable_declarator" else None
                if var is not None and var.type == "identifier":
                    return f"`{name}-${{{text(var)}}}`"
                break
            if t in ("while_statement", "do_statement"):
                break
            n = n.parent
        return f"'{unique_name(name, self._names_taken(self.funcs[fi].orch_root))}'"

    def _loop_key(self, loop: Any, var: str) -> str:
        """What tells one iteration of a for-of loop from another in a step name: the substitutions the
        loop's own operations name their steps with (`${order.id}`), else an id-like field of the loop
        variable (`${item.sku}`: the variable itself may be an object, `[object Object]` in a name), else
        the variable."""
        lo, hi = loop.start_byte, loop.end_byte
        for c in self.col.calls:
            if c.op is None or c.name_arg is None or not lo <= c.node.start_byte < hi:
                continue
            na = unwrap(c.name_arg)
            if na is not None and na.type == "template_string":
                subs = [text(x) for x in na.named_children if x.type == "template_substitution"]
                if subs:
                    return "-".join(subs)
        body = self.src[lo:hi]
        for m in re.finditer(rb"(?<![\w$.])" + re.escape(var.encode()) + rb"\??\.([A-Za-z_$][\w$]*)", body):
            prop = m.group(1).decode()
            if ID_KEY.search(prop):
                return f"${{{var}.{prop}}}"
        return f"${{{var}}}"

    def _assigned_stem(self, node: Any) -> tuple[str, bool]:
        """The kebab-case name of what takes node's value (a variable, an assigned name or field, an
        object key) and whether node is that whole value (through await, parentheses, casts)."""
        whole = True
        n = node
        for _ in range(6):
            p = n.parent
            if p is None:
                return "", False
            t = p.type
            target = None
            if t == "variable_declarator" and p.child_by_field_name("value") == n:
                target = p.child_by_field_name("name")
            elif t == "assignment_expression" and p.child_by_field_name("right") == n:
                target = p.child_by_field_name("left")
                if target is not None and target.type == "member_expression":
                    target = target.child_by_field_name("property")
            elif t == "pair" and p.child_by_field_name("value") == n:
                target = p.child_by_field_name("key")
            elif t in ("await_expression", "parenthesized_expression", "as_expression",
                       "non_null_expression", "satisfies_expression"):
                n = p
                continue
            elif t in ("member_expression", "subscript_expression", "call_expression", "binary_expression", "template_substitution",
                       "template_string", "arguments", "unary_expression"):
                whole = False
                n = p
                continue
            else:
                return "", False
            if target is None or target.type not in ("identifier", "property_identifier", "shorthand_property_identifier",
                                                     "private_property_identifier", "string"):
                return "", False
            return kebab(text(target).strip("'\"#")), whole
        return "", False

    def names_taken_anywhere(self) -> set[str]:
        """The literal operation names of the whole file, and those its fixes proposed."""
        out = self._literal_op_names(None)
        for taken in self._fix_names.values():
            out |= taken
        return out

    def _names_taken(self, root: int) -> set[str]:
        """The literal operation names of one orchestration function (and its nested code), plus those
        the fixes given so far proposed there."""
        taken = self._fix_names.get(root)
        if taken is None:
            taken = self._fix_names[root] = self._literal_op_names(root)
        return taken

    def _literal_op_names(self, root: int | None) -> set[str]:
        """The string-literal names of the operations of orchestration root `root` (None: of the file)."""
        out: set[str] = set()
        funcs = self.funcs
        for c in self.col.calls:
            if c.op is None or c.name_arg is None or (root is not None and funcs[c.fi].orch_root != root):
                continue
            na = unwrap(c.name_arg)
            if na is not None and na.type == "string":
                out.add(text(na)[1:-1])
        return out

    def _ignored_here(self, pos: int) -> bool:
        """A `durable-lint: ignore` comment on the line of pos, or alone on the line before (the engine
        then drops what is reported there)."""
        src = self.src
        lo = src.rfind(b"\n", 0, pos) + 1
        hi = src.find(b"\n", pos)
        if src.find(b"durable-lint", lo, hi if hi >= 0 else len(src)) >= 0:
            return True
        if lo == 0:
            return False
        plo = src.rfind(b"\n", 0, lo - 1) + 1
        prev = src[plo:lo].strip()
        return prev.startswith((b"//", b"/*")) and b"durable-lint" in prev

    def _hands_context_within(self, arg: Any) -> bool:
        """Whether a call inside arg gives the durable context to what it calls (`found.open({ context })`):
        that work runs durable operations, so it is no plain async work (DUR036) to put in steps."""
        if arg is None:
            return False
        lo, hi = arg.start_byte, arg.end_byte
        if any(lo <= c.node.start_byte < hi and c.op is None and self._hands_context(c) for c in self.col.calls):
            return True
        # calls the collection does not keep (`found.open({ context, ... })` on an object of unknown type):
        # the context among the arguments of any call in arg, directly or in an object literal
        stack = [arg]
        seen = 0
        while stack and seen < 2000:
            n = stack.pop()
            seen += 1
            if n.type == "arguments":
                for a in n.named_children:
                    items = [a] if a.type == "identifier" else \
                        [x if x.type == "shorthand_property_identifier" else x.child_by_field_name("value")
                         for x in a.named_children] if a.type == "object" else []
                    for x in items:
                        if x is not None and x.type in ("identifier", "shorthand_property_identifier"):
                            b = self.lookup(text(x), _enclosing(self.funcs, x.start_byte))
                            if b is not None and b.ctx:
                                return True
            stack.extend(n.named_children)
        return False

    def _hands_context(self, c: Call) -> bool:
        """Whether a call gives a durable context to the function it calls: as an argument, inside an
        object or array argument (`reserve({ ctx: context }, id)`), or as a class's context field
        (`this.ctx`). Such a function runs durable operations, so it must not be wrapped in a step."""
        for a in c.args:
            if self.ctx_binding(a, c.fi) is not None:
                return True
            u = unwrap(a)
            if u is None or u.type in ("string", "number", "template_string"):
                continue
            if u.type == "call_expression":
                # a library's wrapper made on the spot: `loop(lambda(context), ...)`
                an = u.child_by_field_name("arguments")
                if an is not None and any(self.ctx_binding(x, c.fi) is not None for x in an.named_children):
                    return True
            if u.type in _FUNCLIKE and self._ops_in(u.start_byte, u.end_byte):
                return True  # a function that runs durable operations: `() => context.wait(...)`
            if u.type == "member_expression" and self._this_ctx:
                ch = chain_of(u)
                if ch and len(ch) == 2 and ch[0] == "this" and self._this_binding(ch[1], c.fi) is not None:
                    return True
            if u.type in ("object", "array"):
                stack = [u]
                while stack:
                    n = stack.pop()
                    if n.type in ("identifier", "shorthand_property_identifier"):
                        b = self.lookup(text(n), c.fi)
                        if b is not None and b.ctx:
                            return True
                    elif n.type not in _FUNCLIKE and n.type != "string" and len(stack) < 200:
                        stack.extend(n.named_children)
        return False

    def _in_tail(self, node: Any, fi: int) -> bool:
        """Whether node, in a handler or child body itself, comes after the body's last durable operation:
        earlier invocations suspend at an operation before it, so it runs once, in the invocation that
        completes the body (checked with the SDK's runner). Conservative: a loop or try that runs
        operations around it, break/continue, or a durable promise started without await (it may
        suspend wherever it is awaited) keep it out."""
        f = self.funcs[fi]
        if f.role not in ("handler", "child") or not self._ops_awaited(fi):
            return False
        between = self._may_orchestrate
        cur = node
        done = False  # past a return/throw at the level walked: only finally blocks can run after it
        for anc in reversed(self._path(fi, node)):
            t = anc.type
            if anc is f.node or (anc.start_byte == f.node.start_byte and anc.type == f.node.type):
                return True
            if t == "try_statement":
                fin = anc.child_by_field_name("finalizer")
                if fin is not None and fin.start_byte != cur.start_byte and between(fin.start_byte, fin.end_byte, fi):
                    return False
                body = anc.child_by_field_name("body")
                handler = anc.child_by_field_name("handler")
                if body is not None and body.start_byte == cur.start_byte and handler is not None \
                        and between(handler.start_byte, handler.end_byte, fi):
                    return False  # an exception may go on in the catch, which runs operations
            elif done:
                pass
            elif t in _LOOPS:
                if between(anc.start_byte, anc.end_byte, fi):
                    return False  # another iteration runs operations
            elif t == "statement_block":
                sib = cur.next_named_sibling
                while sib is not None and not done:
                    st = sib.type
                    if st in ("break_statement", "continue_statement") or _JUMP_RE.search(sib.text or b""):
                        return False  # another iteration, or code after the loop, may come next
                    if between(sib.start_byte, sib.end_byte, fi):
                        return False
                    done = st in ("return_statement", "throw_statement")
                    sib = sib.next_named_sibling
            elif between(cur.end_byte, anc.end_byte, fi):
                return False  # later in the same statement or switch
            cur = anc
        return False

    def _may_orchestrate(self, lo: int, hi: int, fi: int) -> bool:
        """A durable operation, or anything that may run one, in [lo, hi): a call or `new` given the
        context, a call on a value built from the context, a call of this file's function that runs
        operations. Conservative, for _in_tail: a wrong "yes" only keeps a finding. Only the calls in
        the range are looked at beyond the file-wide operation and hand-off lists."""
        if self._orchestration_between(lo, hi, fi):
            return True
        if _AWAIT_RE.search(self.src, lo, hi):
            return True  # `await comp.fn()`: what is awaited may run operations (calls of local values are not all recorded)
        index = self._call_index
        if index is None:
            calls = sorted(self.col.calls, key=lambda c: c.start)
            news = sorted(self.col.news, key=lambda n: n[0].start_byte)
            index = self._call_index = ([c.start for c in calls], calls, [n[0].start_byte for n in news], news)
        call_starts, calls, new_starts, news = index
        funcs = self.funcs
        i = bisect.bisect_left(call_starts, lo)
        while i < len(calls) and call_starts[i] < hi:
            c = calls[i]
            i += 1
            ch = c.chain
            if not ch:
                continue
            b = self.lookup(ch[0], c.fi)
            v = unwrap(b.value) if b is not None and b.kind == "var" and b.value is not None else None
            if b is not None and b.fi > 0 and len(ch) > 1 and (
                    b.kind in ("loop", "param", "catch") or (b.kind == "var" and (v is None or v.type not in _BUILT_VALUES))):
                return True  # `await comp.fn()`: a function kept in a local value may run operations
            if v is not None and b is not None and v.type in ("new_expression", "call_expression") \
                    and self._may_orchestrate_value(v, b.fi):
                return True  # a method of a value built from the context
            if len(ch) == 1:
                target = self.func_of_name(ch[0], c.fi)
                if target > 0 and self._ops_in(funcs[target].start, funcs[target].end):
                    return True  # this file's function that runs operations
        i = bisect.bisect_left(new_starts, lo)
        while i < len(news) and new_starts[i] < hi:
            node, nfi, _chain, args = news[i]
            i += 1
            if args and any(self.ctx_binding(a, nfi) is not None for a in args):
                return True
        return False

    def _may_orchestrate_value(self, v: Any, fi: int) -> bool:
        an = v.child_by_field_name("arguments")
        return an is not None and any(self.ctx_binding(a, fi) is not None for a in an.named_children)

    def _ops_awaited(self, fi: int) -> bool:
        """Every durable operation in function fi (nested functions included) is awaited where it is
        called, or is a child body's own result: no durable promise is pending across statements."""
        found = self._awaited_cache.get(fi)
        if found is None:
            f = self.funcs[fi]
            found = True
            ops = self._ops
            i = bisect.bisect_left(self._op_starts, f.start)
            j = bisect.bisect_left(self._op_starts, f.end)
            for c in ops[i:j]:  # _ops is in source order, like _op_starts
                if c.op == "createCallback":
                    found = False  # its promise comes back in a tuple and is awaited later, anywhere
                    break
                p = c.node.parent
                while p is not None and p.type == "parenthesized_expression":
                    p = p.parent
                pt = p.type if p is not None else ""
                if pt == "await_expression":
                    continue
                callee = c.node.child_by_field_name("function")
                if callee is not None and callee.type == "await_expression":
                    continue  # `await ctx.step<T>(...)` parses as a call of `await ctx.step`
                if pt in ("return_statement", "arrow_function") and self.funcs[c.fi].role == "child":
                    continue
                found = False
                break
            self._awaited_cache[fi] = found
        return found

    def _final_catch(self, node: Any, fi: int) -> bool:
        """Inside a `catch` of the handler or of a child body itself that always rethrows and runs no
        durable operation, with no other `try` around it: it runs once, when the execution (or the
        child, whose failure is then checkpointed) fails, so what it does is not repeated by replays."""
        f = self.funcs[fi]
        if f.role not in ("handler", "child") or self.src.find(b"catch", f.start, f.end) < 0:
            return False
        catch: Any = None
        own_try = False
        start = f.node.start_byte
        n = node.parent
        while n is not None and n.start_byte > start:
            t = n.type
            if t in _FUNCLIKE or t in ("function_declaration", "method_definition"):
                return False  # in a nested function: it may run anywhere
            if t == "catch_clause":
                if catch is not None:
                    return False  # a catch inside a catch
                catch = n
            elif t == "try_statement":
                if catch is None:
                    return False  # in the try block or the finally
                if own_try:
                    return False  # an outer try may catch the rethrow
                own_try = True
            n = n.parent
        if catch is None:
            return False
        body = catch.child_by_field_name("body")
        last = body.named_children[-1] if body is not None and body.named_children else None
        return last is not None and last.type == "throw_statement" and b"return" not in (body.text or b"") \
            and not self._ops_in(body.start_byte, body.end_byte)

    def _combinator(self, c: Call, which: str, ctx: str) -> None:
        arg = c.args[0] if c.args else None
        durable = False
        if arg is not None:
            durable = self._ops_in(arg.start_byte, arg.end_byte)
            if not durable:
                a = unwrap(arg)
                items = a.named_children if a is not None and a.type == "array" else [a]
                for el in items:
                    e = unwrap(el)
                    if e is not None and e.type == "spread_element":
                        e = unwrap(e.named_children[0]) if e.named_children else None
                    if e is not None and e.type == "identifier":
                        b = self.lookup(text(e), c.fi)
                        if b is not None and id(b) in self._durable_vars:
                            durable = True
                            break
        if durable:
            # its promises share one type parameter: a wait (void) beside a step does not compile without one
            fix = f"use {ctx}.promise.{which}([...]) ({ctx}.promise.{which}<unknown>([...]) when their result types differ)"
            if self._chained_elements(arg):
                # `.then()` on a DurablePromise gives a plain Promise, which context.promise.* does not take
                fix = (f"use {ctx}.promise.{which}([...]) over the operations themselves, without .then/.catch "
                       f"(those give plain Promises, which {ctx}.promise.{which} does not take), and map its result")
            elif self._async_mapper(arg):
                # `ids.map(async (id) => context.step(...))`: an async callback wraps each DurablePromise
                fix = (f"use {ctx}.promise.{which}(...) over the array, with the map callback not async: "
                       f"items.map((x) => {ctx}.step(...)) (an async function returns a plain Promise, which "
                       f"{ctx}.promise.{which} does not take)")
            if which in ("race", "any"):
                self.report("DUR008", c.node,
                            f"Promise.{which} over durable operations: the losing operations keep running "
                            "untracked and the outcome is not checkpointed",
                            fix, severity="error")
            else:
                self.report("DUR008", c.node,
                            f"Promise.{which} over durable operations is not checkpointed as one operation",
                            f"{fix}; or {ctx}.map/{ctx}.parallel" if fix.endswith("result")
                            else f"{fix} or {ctx}.map/{ctx}.parallel", severity="warning")
        elif self._hands_context_within(arg):
            # helpers that run operations on one shared context, concurrently: each one's second operation
            # is issued when its first finishes, so their order follows timing and differs on replay
            self.report("DUR008", c.node,
                        f"Promise.{which} over helpers that run durable operations on the same context: once one "
                        "awaits, their later operations start in the order the earlier ones finish, which differs "
                        "on replay",
                        f"give each its own child context: {ctx}.map('name', items, async (child, item) => "
                        f"helper(child, item)) or {ctx}.parallel('name', [...]) with child contexts",
                        severity="warning")
        elif which in ("all", "allSettled"):
            self._dur036_spans.append((c.node.start_point, c.node.end_point))
            self.report("DUR036", c.node,
                        f"Promise.{which} over plain async work in orchestration code: unbounded concurrency, "
                        "nothing checkpointed, everything reruns on replay",
                        f"use {ctx}.map('name', items, async (child, item) => child.step(...), "
                        "{ maxConcurrency: N })")

    @staticmethod
    def _async_mapper(arg: Any) -> bool:
        """Whether a combinator's argument is `xs.map(async (x) => ...)`."""
        a = unwrap(arg)
        if a is None or a.type != "call_expression":
            return False
        fn = a.child_by_field_name("function")
        prop = fn.child_by_field_name("property") if fn is not None and fn.type == "member_expression" else None
        an = a.child_by_field_name("arguments")
        first = an.named_children[0] if an is not None and an.named_children else None
        return prop is not None and prop.text == b"map" and first is not None and first.type in _FUNCLIKE \
            and first.child(0) is not None and first.child(0).type == "async"

    def _chained_elements(self, arg: Any) -> bool:
        """Whether an array literal given to a combinator has an element like `op(...).then(...)`."""
        a = unwrap(arg)
        if a is None or a.type != "array":
            return False
        for el in a.named_children:
            e = unwrap(el)
            if e is not None and e.type == "call_expression":
                ch = chain_of(e.child_by_field_name("function"))
                if ch and len(ch) > 1 and ch[-1] in ("then", "catch", "finally"):
                    return True
        return False

    def _drop_inside_dur036(self) -> None:
        """One diagnostic per problem, with one fix: a read or write inside a `Promise.all` over plain
        async work keeps its own (error) rule but takes DUR036's fix (context.map with a step per item:
        steps inside the Promise.all would be DUR008), and that Promise.all's DUR036 goes."""
        covered: set[int] = set()
        kept: list[Diagnostic] = []
        for d in self.diags:
            at = (d.line - 1, d.column - 1)
            span = next((i for i, (lo, hi) in enumerate(self._dur036_spans) if lo <= at < hi), None)
            if d.rule in ("DUR003", "DUR021") and span is not None:
                covered.add(span)
                d = dataclasses.replace(d, fix="run the items with context.map instead of Promise.all, each "
                                               "read or write in a step: context.map('name', items, async (child, "
                                               "item) => child.step('name', async () => ...), { maxConcurrency: N })")
            kept.append(d)
        starts = {self._dur036_spans[i][0] for i in covered}
        self.diags = [d for d in kept if not (d.rule == "DUR036" and (d.line - 1, d.column - 1) in starts)]

    def _candidates(self, spec: str) -> list[str]:
        # one resolution per import specifier: the resolver stats files, and many calls share one import
        found = self._resolved.get(spec)
        if found is None:
            found = self._resolved[spec] = list(self.resolver(self.path, spec))
        return found

    # ------------------------------------------------------------------ state writes
    def _writes(self) -> None:
        funcs = self.funcs
        items: list[tuple[Any, int, Any, str]] = list(self.col.writes)
        for c in self.col.calls:
            if c.effect is not None and c.effect[0] == "mutate":
                if c.effect[1] == "Object.assign":
                    items.append((c.node, c.fi, c.args[0], "Object.assign"))
                else:
                    items.append((c.node, c.fi, c.callee.child_by_field_name("object"), c.effect[1]))
        plain_writes: dict[int, tuple[str, Any]] = {}  # top-level plain function -> first module write
        for node, fi, target, kind in items:
            f = funcs[fi]
            if target is None:
                continue
            plain = f.scope == "plain" and f.top > 0 and funcs[f.top].role is None
            if f.scope not in ("step", "orch") and not plain:
                continue
            base = target
            member = False
            for _ in range(20):
                base = unwrap(base)
                if base is None:
                    break
                if base.type in ("member_expression", "subscript_expression"):
                    base = base.child_by_field_name("object")
                    member = True
                    continue
                break
            if base is None:
                continue
            names: list[tuple[str, Any]] = []
            if base.type == "this" and f.scope == "step" and f.step_root >= 0 \
                    and funcs[f.step_root].node.type == "arrow_function":
                # instance state of the method's object: a replay skips the step and the write with it
                if self._method_of(funcs[f.step_root].parent, any_method=True) >= 0:
                    where = {"check": "waitForCondition check", "submitter": "waitForCallback submitter"}.get(
                        funcs[f.step_root].role or "", "step function")
                    shown = " ".join(text(target).split())[:40]
                    self.report("DUR012", node,
                                f"the {where} writes {shown}: on replay the {where} is skipped and the write never "
                                "happens (and the object is usually built anew on every invocation)",
                                self._dur012_fix(node, fi, kind, shown, f.step_root, where, True))
                continue
            if base.type == "identifier":
                names.append((text(base), base))
            elif base.type in ("object_pattern", "array_pattern"):
                for nm, _k, nd in _assign_pattern_names(base):
                    names.append((nm, nd))
            else:
                continue
            member = member or kind not in ("assignment_expression", "augmented_assignment_expression",
                                            "update_expression")
            for nm, _nd in names:
                b = self.lookup(nm, fi)
                if b is None or b.kind in ("import", "func"):
                    continue
                if plain:
                    if b.fi == 0 and f.top not in plain_writes and self._mutable(b, member) \
                            and not self._lazy_client(node, kind):
                        plain_writes[f.top] = (nm, node)
                    break
                boundary = f.step_root if f.scope == "step" else f.child_root
                if boundary >= 0 and not self._within(b.fi, boundary):
                    if self._unread_elsewhere(nm, b, boundary):
                        break  # an attempt counter only this step reads: losing its write changes nothing
                    where = "step function" if f.scope == "step" else "child body"
                    self.report("DUR012", node,
                                f"the {where} writes to outer variable '{nm}': on replay the {where} is skipped "
                                "and the write never happens",
                                self._dur012_fix(node, fi, kind, nm, boundary, where, member))
                    break
                if f.scope == "orch" and b.fi == 0 and fi != 0 and self._mutable(b, member) \
                        and not self._lazy_client(node, kind) and not (member and self._weak(b)):
                    self.report("DUR013", node,
                                f"orchestration code writes module-level '{nm}': it survives across invocations "
                                "of a warm Lambda and differs between replays",
                                "keep the state in a local variable of the handler, or compute it in a step")
                    break

        self._plain_writes = plain_writes
        self._helper_module_writes(plain_writes)

    def _unread_elsewhere(self, name: str, b: Binding, boundary: int) -> bool:
        """No code outside function `boundary` reads `name` (writes such as `attempts = 0` in a test's
        setup do not count): the variable is an attempt counter of a retried step, or a probe nobody
        reads, and the write a replay skips loses nothing."""
        g = self.funcs[boundary]
        src = self.src
        for m in re.finditer(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])", src):
            pos = m.start()
            if g.start <= pos < g.end or pos == b.start:
                continue
            if src[pos - 1:pos] == b"." and src[pos - 2:pos - 1] != b".":
                continue  # another object's property (`x.attempts`); a spread (`...done`) reads it
            at = self.funcs[0].node.descendant_for_byte_range(pos, m.end())
            if at is not None and at.type not in ("identifier", "shorthand_property_identifier"):
                continue  # a comment or a string
            before = src[max(0, pos - 2):pos]
            if _WRITE_AFTER_RE.match(src, m.end()) or before in (b"++", b"--"):
                continue  # a write, not a read
            return False
        return True

    def _helper_module_writes(self, plain_writes: dict[int, tuple[str, Any]]) -> None:
        """DUR012 at a call from step-wrapped code or a child body to a function that writes module
        state (`attempts++`): a same-file one here, unless it only fills a cache or a lazy client (it
        reads the variable to decide whether to write it: `if (!cache.has(k))`, `x ??= ...`); an
        imported one in pass 2 (FunctionSummary.module_write). DUR013 at such a call from other
        orchestration code, always in pass 2."""
        funcs = self.funcs
        for c in self.col.calls:
            eff = c.effect
            if eff is None or eff[0] != "project" or not (eff[2] or plain_writes):
                continue
            f = funcs[c.fi]
            if f.scope == "step" and f.step_root >= 0:
                where = {"check": "waitForCondition check", "submitter": "waitForCallback submitter"}.get(
                    funcs[f.step_root].role or "", "step function")
            elif f.scope == "orch" and f.child_root >= 0:
                where = "child body"
            elif f.scope == "orch":
                where = T.ORCHESTRATION  # DUR013, in pass 2: not where the call also gets DUR005
            else:
                continue
            if eff[2] or where == T.ORCHESTRATION:
                self.project_writes.append((c, self._candidates(eff[2]) if eff[2] else [self.path], eff[1], where))
                continue
            target = self.func_of_name(eff[1], c.fi)
            found = plain_writes.get(target)
            if found is None:
                continue
            nm, _node = found
            g = funcs[target]
            if _memoizes(self.src[g.start:g.end], nm.encode()):
                continue
            self.report("DUR012", c.node,
                        f"the {where} calls {self._called_as(c, eff[1])}(), which writes module-level '{nm}': on "
                        f"replay the {where} is skipped and the write never happens, and a cold start resets it",
                        f"carry the value in the check's state instead: pass it to {self._called_as(c, eff[1])}() and "
                        "return { ...state, value } from the check, starting from initialState (every poll after a "
                        "wait is a new invocation, which resets any variable)" if where == "waitForCondition check"
                        else f"return the new value from {self._called_as(c, eff[1])}() and from the {where}, and "
                        "keep it in a local variable of the orchestration code instead of module state")

    def _dur012_fix(self, node: Any, fi: int, kind: str, nm: str, boundary: int, where: str,
                    member: bool = False) -> str:
        """The fix for DUR012, on the context the operation is really called on (the parent's)."""
        if kind in ("reverse", "sort"):
            anc = self._path(fi, node)
            par = anc[-1] if anc else None
            if par is not None and par.type != "expression_statement":
                # `for (const x of arr.reverse())`: the result is used, the mutation is incidental
                call = "reverse()" if kind == "reverse" else "sort(...)"
                copy = "toReversed()" if kind == "reverse" else "toSorted(...)"
                return (f"copy before reordering so the outer array is left alone: [...{nm}].{call} "
                        f"or {nm}.{copy}")
        op = self.funcs[boundary].op
        ctx = op.ctxb.name if op is not None and op.ctxb is not None else self.ctx_name(self.funcs[boundary].parent)
        opname = op.op if op is not None and op.op else ("step" if where == "step function" else "runInChildContext")
        if where == "waitForCondition check":
            # every poll after a wait is a new invocation: only the check's state carries a value across
            return (f"carry '{nm}' in the check's state instead: return {{ ...state, {nm}: ... }} from the check "
                    "and start it in initialState (every poll after a wait is a new invocation, which resets any "
                    "variable)")
        # the fixed call keeps the operation's own name
        na = unwrap(op.name_arg) if op is not None and op.name_arg is not None else None
        name = text(na) if na is not None and na.type in ("string", "template_string") else "'name'"
        if member and kind == "push" and _HOLDS_FUNCTION_RE.search(node.text or b""):
            # `done.push({ undo: () => ... })`: a function does not survive the checkpoint (JSON), so the
            # step cannot return it; the record belongs in orchestration code, after the awaited step
            return (f"leave the {where} alone and push in the orchestration code after it: await {ctx}.{opname}"
                    f"({name}, async () => ...); {nm}.push(...) (a function in a {opname} result does not "
                    "survive the checkpoint)")
        if member and kind == "push":
            # onto what was pushed to as written (`summary.ids`), and a map's results, not one value
            fn = node.child_by_field_name("function") if node.type == "call_expression" else None
            obj = fn.child_by_field_name("object") if fn is not None and fn.type == "member_expression" else None
            onto = " ".join(text(obj).split()) if obj is not None and obj.end_byte - obj.start_byte <= 60 else nm
            if opname == "map":
                return (f"return the value from the item function and push the map's results in the orchestration "
                        f"code: {onto}.push(...(await {ctx}.map({name}, ...)).getResults()); a push inside the "
                        f"{where} is lost on replay")
            return (f"return the pushed value from the {where} and push it in the orchestration code: "
                    f"{onto}.push(await {ctx}.{opname}({name}, async () => ...)); a push inside the {where} is lost "
                    "on replay")
        b = self.lookup(nm, fi)
        if b is not None and b.fi == 0:  # module state: orchestration code writing it would be DUR013
            counts = opname == "step" and _counts(node, kind)
            attempt = ("to count the step's attempts, read the attempt number the SDK passes in: async (stepCtx) "
                       "=> ... stepCtx.attempt (1 on the first run); else ") if counts else ""
            keep = (f"const {{ value, {nm}: latest }} = await {ctx}.{opname}({name}, async () => ({{ value: ..., "
                    f"{nm}: ... }}))" if op is not None and self._result_used(op)
                    else f"const latest = await {ctx}.{opname}({name}, async () => ...)")
            return (f"{attempt}return the value from the {where} and keep it in a const of the orchestration code, "
                    f"not in module-level '{nm}' (a warm Lambda shares it between invocations): {keep}")
        if member and kind not in ("reverse", "sort"):  # `counter.value++`: reassigning would replace the object
            return (f"return the new value from the {where} and keep it in a local variable of the orchestration "
                    f"code: const value = await {ctx}.{opname}({name}, async () => ...); writes to '{nm}' are "
                    "lost on replay")
        if opname in ("step", "runInChildContext"):
            let = f", declare '{nm}' with let" if b is not None and b.decl == "const" else ""
            counts = opname == "step" and _counts(node, kind)
            attempt = ("to count the step's attempts, read the attempt number the SDK passes in: async (stepCtx) "
                       "=> ... stepCtx.attempt (1 on the first run); else ") if counts else ""
            if op is not None and self._result_used(op):
                # the step already returns its own value: assigning it to the variable would replace that
                return (f"{attempt}return '{nm}' with the {where}'s value and take both from the result{let}: "
                        f"const {{ value, {nm}: next }} = await {ctx}.{opname}({name}, async () => ({{ value: ..., "
                        f"{nm}: ... }})); {nm} = next")
            return (f"{attempt}return the value from the {where}{let} and assign the result: "
                    f"{nm} = await {ctx}.{opname}({name}, async () => ...)")
        return (f"return the value from the {where} and use the {opname} result (await {ctx}.{opname}(...)) "
                "instead of writing outer state")

    def _in_durable_log(self, node: Any, fi: int) -> bool:
        """Whether node is (inside) an argument of `<ctx>.logger.<method>(...)`: the durable logger skips
        its lines while replaying (mode-aware by default), so a value only logged changes nothing."""
        cur = node
        for _ in range(12):
            parent = cur.parent
            if parent is None or parent.type in FUNC_TYPES or parent.type.endswith("statement"):
                return False
            if parent.type == "call_expression" and cur.type == "arguments":
                callee = parent.child_by_field_name("function")
                chain = chain_of(callee) if callee is not None else None
                if chain and len(chain) == 3 and chain[1] == "logger" and chain[2] in T.DURABLE_LOG_METHOD:
                    b = self.lookup(chain[0], fi)
                    if b is not None and b.ctx:
                        return True
            cur = parent
        return False

    @staticmethod
    def _result_used(op: Call) -> bool:
        """Whether the operation's result is kept (assigned, returned, passed on), not a bare statement."""
        node = op.node
        for _ in range(6):
            parent = node.parent
            if parent is None:
                return False
            if parent.type in ("await_expression", "parenthesized_expression", "as_expression",
                               "non_null_expression", "satisfies_expression"):
                node = parent
                continue
            return parent.type != "expression_statement"
        return True

    def _lazy_client(self, node: Any, kind: str) -> bool:
        """`client ??= new S3Client({})`, `config ||= {...}`: a value set once per container (lazy
        initialization) or a constructed client is no replay hazard."""
        if kind not in ("assignment_expression", "augmented_assignment_expression"):
            return False
        if kind == "augmented_assignment_expression":
            op = node.child_by_field_name("operator")
            if op is not None and op.type in ("??=", "||="):
                return True
        right = unwrap(node.child_by_field_name("right"))
        return right is not None and right.type == "new_expression"

    def _weak(self, b: Binding) -> bool:
        """A module-level WeakMap/WeakSet: keyed by objects (a context, an event) that die with their
        invocation, so what orchestration code puts in it does not outlive the invocation that replays it."""
        v = unwrap(b.value) if b.decl not in ("let", "var") and b.value is not None else None
        if v is None or v.type != "new_expression":
            return False
        ch = chain_of(v.child_by_field_name("constructor")) or []
        return bool(ch) and ch[-1] in ("WeakMap", "WeakSet")

    def _mutable(self, b: Binding, member: bool) -> bool:
        if b.decl in ("let", "var"):
            return True
        if not member or b.value is None:
            return False
        v = unwrap(b.value)
        if v is None:
            return False
        if v.type in ("object", "array"):
            return True
        if v.type == "new_expression":
            ch = chain_of(v.child_by_field_name("constructor")) or []
            return bool(ch) and ch[-1] in T.MUTABLE_CTORS
        return False

    # ------------------------------------------------------------------ summaries (DUR005 input)
    def _summaries(self) -> None:
        funcs = self.funcs
        tops: dict[int, FunctionSummary] = {}
        for i, f in enumerate(funcs):
            if i and f.parent == 0 and f.name:
                key = _method_key(f) or f.name  # a class's method is looked up as "Class.method"
                top_s = FunctionSummary(name=key, line=f.node.start_point[0] + 1,
                                        generator=f.node.type in ("generator_function_declaration", "generator_function"))
                tops[i] = top_s
                self.functions.setdefault(key, top_s)
                if i in self.col.default_exports:
                    self.functions.setdefault("default", top_s)
        # functions that are orchestration code are reported where they are, not at their callers;
        # a function used as a step by name is still impure when called directly
        orchish = {i for i, f in enumerate(funcs) if i and f.parent == 0 and f.role in _ORCH_ROLES}
        for fact in self.facts:
            f = funcs[fact.fi]
            if f.scope not in ("plain", "step") or f.top < 0 or f.top in orchish or self._returned_closure(fact.fi):
                continue
            rank = _IMPURITY_RANK.get(fact.rule)
            if rank is not None and fact.detail != "env":
                # configuration (process.env) is stable for a published version: a helper that
                # branches on it is no replay hazard for its callers. Of several impurities the chain
                # names the most serious: a write, then an external read, randomness/clock, invocation state.
                s = tops.get(f.top)
                if s is not None and (s.impurity is None or rank < _IMPURITY_RANK[s.impurity[0]]):
                    s.impurity = (fact.rule, _call_label(fact))
        for top, (nm, _node) in self._plain_writes.items():  # DUR012 at callers in other files
            s = tops.get(top)
            g = funcs[top]
            if s is not None and not _memoizes(self.src[g.start:g.end], nm.encode()):
                s.module_write = (nm, "")
        for top, slept in self._sleepers.items():  # DUR009 at callers in other files
            s = tops.get(top)
            if s is not None and top not in orchish:
                s.sleep = (slept, "")
        for fact in self.facts:  # DUR035 at the callers: a retrying step that calls this function
            if fact.rule == "DUR021" and "nonidem" in fact.detail:
                f = funcs[fact.fi]
                s = tops.get(f.top) if f.scope == "plain" and f.top > 0 and funcs[f.top].role is None else None
                if s is not None and s.nonidempotent is None and not self._returned_closure(fact.fi):
                    s.nonidempotent = (fact.what, fact.detail)
        for c in self.col.calls:
            eff = c.effect
            if eff is None or eff[0] != "project":
                continue
            f = funcs[c.fi]
            if f.scope not in ("plain", "step") or f.top < 0 or f.top in orchish or self._returned_closure(c.fi):
                continue
            s = tops.get(f.top)
            if s is None:
                continue
            if eff[2]:
                for p in self._candidates(eff[2]):
                    s.calls.append((p, eff[1]))
            else:
                target = self.func_of_name(eff[1], c.fi)
                if target >= 0 and funcs[target].parent == 0 and funcs[target].name:
                    s.calls.append((self.path, self._summary_name(target) or eff[1]))
        for exported, mod, imported in self.col.reexports:
            if mod.startswith("."):
                re_s = FunctionSummary(name=exported, line=1)
                re_s.calls = [(p, imported) for p in self._candidates(mod)]
                self.functions.setdefault(exported, re_s)
        self._star_exports()

    def _returned_closure(self, fi: int) -> bool:
        """Whether function fi runs only in a closure its top-level function returns (`return { lookup: (id)
        => slowLookup(id) }`, `() => () => fetch(u)`) rather than while that function runs: a factory's
        caller gets the closure, and what the closure does happens where it is called."""
        memo = self._returned_memo
        hit = memo.get(fi)
        if hit is not None:
            return hit
        funcs = self.funcs
        out = False
        i = fi
        while i > 0 and funcs[i].parent > 0:
            f = funcs[i]
            if f.node.type in _FUNCLIKE and self._returned_value(f.node, funcs[f.parent].node):
                out = True
                break
            i = f.parent
        memo[fi] = out
        return out

    @staticmethod
    def _returned_value(node: Any, owner: Any) -> bool:
        """Whether a function literal is what ``owner`` returns, alone or in a returned object or array
        (as an argument of a call it may run before the return: `return items.map((x) => f(x))`)."""
        n = node.parent
        body = owner.child_by_field_name("body")
        for _ in range(64):
            if n is None:
                return False
            t = n.type
            if t == "return_statement" or (body is not None and n.start_byte == body.start_byte
                                           and n.end_byte == body.end_byte and t != "statement_block"):
                return True
            if t not in ("object", "pair", "array", "parenthesized_expression", "as_expression",
                         "satisfies_expression"):
                return False
            n = n.parent
        return False

    def _star_exports(self) -> None:
        """`export * [as ns] from`, and imports exported again (`export { a as b }`, CommonJS
        `module.exports = { a, ...ids }`): re-exports the engine follows by name."""
        src = self.src
        clause = b"export {" in src or b"export{" in src  # a plain search first: the regex is slower
        if not (clause or self.col.star_exports or self.col.export_locals):
            return
        stars = [(ns, mod) for ns, mod in self.col.star_exports if mod.startswith(".")]
        names = self.funcs[0].names
        exported_locals = self.col.export_locals
        if clause:
            exported_locals = list(exported_locals)
            for m in _EXPORT_CLAUSE_RE.finditer(src):
                for spec in m.group(1).decode("utf-8", "replace").split(","):
                    parts = spec.split()
                    if len(parts) == 1 or (len(parts) == 3 and parts[1] == "as"):
                        exported_locals.append((parts[-1], parts[0]))
        for exported, local in exported_locals:
            b = names.get(local)
            if b is None or b.kind != "import" or not b.module.startswith("."):
                continue
            if b.imported == "*":
                stars.append(("" if exported == "..." else exported, b.module))
            elif exported != "...":
                s = FunctionSummary(name=exported, line=1)
                s.calls = [(p, b.imported) for p in self._candidates(b.module)]
                self.functions.setdefault(exported, s)
        self.star_exports = [(ns, p) for ns, mod in stars for p in self._candidates(mod)]


_EXPORT_DECL_RE = re.compile(rb"\bexport\s+(?:const|let|var)\s+\Z")
_EXPORT_CLAUSE_RE = re.compile(rb"\bexport\s*\{([^{}]*)\}(?!\s*from\b)")
_PROCESS_CLOCKS = ("performance.now", "process.hrtime", "process.uptime")
_IMPURITY_RANK = {"DUR021": 0, "DUR003": 1, "DUR002": 2, "DUR001": 2, "DUR004": 3}


def _call_label(fact: Fact) -> str:
    """What a DUR005 chain ends with: the call as written (`bedrock.send(new ConverseCommand(...))`)
    rather than the bare command class an AWS SDK v3 `send` is classified by."""
    what = fact.what
    node = fact.node
    if not what.endswith("Command") or node.type != "call_expression":
        return what
    callee = unwrap(node.child_by_field_name("function"))
    if callee is not None and callee.type == "await_expression":
        callee = unwrap(callee)
    ch = chain_of(callee) if callee is not None else None
    if not ch or not ch[0]:
        return what
    return f"{'.'.join(ch)}(new {what}(...))"


def dur035_fix(what: str, detail: str, mode: str, import_note: str = "") -> str:
    """A fix that fits the API: only name a deduplication parameter the API really has. ``mode`` is
    "step", "amo-step" (already AtMostOncePerRetry: only the retries are left) or "submitter"."""
    api = what.split(" ", 1)[0].removesuffix("()").removesuffix("Command")
    api = api[:1].upper() + api[1:]
    if mode == "submitter":
        no_retry = ("or pass a retryStrategy in the waitForCallback config that does not retry (e.g. "
                    "retryPresets.noRetry; a submitter has no semantics option)")
    elif mode == "amo-step":
        no_retry = "or give the step a retryStrategy that does not retry (retryPresets.noRetry)"
    else:
        no_retry = ("or make the step at-most-once: { retryStrategy: retryPresets.noRetry, semantics: "
                    "StepSemantics.AtMostOncePerRetry }")
    no_retry += import_note
    submitter = mode == "submitter"
    if detail.startswith("http"):
        return (f"send an idempotency key the service honours (e.g. an Idempotency-Key header derived from the "
                f"input{' or the callbackId' if submitter else ''}), {no_retry}")
    if api in ("Invoke", "InvokeAsync"):
        return ("Lambda Invoke has no idempotency token: call the function with context.invoke(...) (checkpointed, "
                f"from orchestration code), make the target idempotent, {no_retry}")
    if api in ("SendMessage", "SendMessageBatch", "Publish", "PublishBatch"):
        return ("on a FIFO queue or topic pass a MessageDeduplicationId derived from the input; otherwise make the "
                f"consumer deduplicate, {no_retry}")
    if api in ("UpdateItem", "Update"):
        return ("add a ConditionExpression that makes a second application fail (e.g. a list of applied request "
                f"ids that must not contain this one), {no_retry}")
    if api in ("StartExecution", "StartSyncExecution"):
        return f"pass an execution name derived from the input (a name is unique per state machine), {no_retry}"
    return f"make the write idempotent (a deduplication key derived from the input, if the API has one), {no_retry}"


_CLASS_RE = re.compile(rb"(?<![\w$.])class\s+([A-Za-z_$][\w$]*)")
# `.step(`, `.wait<T>(`, ...: a literal first, which the regex engine searches for quickly
_OP_CALL_RE = re.compile(rb"\.\s*(?:step|wait|waitForCallback|createCallback|map|parallel|runInChildContext|invoke|"
                         rb"waitForCondition)\s*[<(]")
_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_$")


def _op_receivers(src: bytes) -> set[str]:
    """Names before an operation-named method call in the source (`durable` of `durable.step(`)."""
    out: set[str] = set()
    for m in _OP_CALL_RE.finditer(src):
        end = m.start()
        while end > 0 and src[end - 1] in b" \t\r\n":
            end -= 1
        start = end
        while start > 0 and (src[start - 1] in _NAME_BYTES):
            start -= 1
        if start < end:
            out.add(src[start:end].decode("utf-8", "replace"))
    return out


def _method_key(f: Any) -> str | None:
    """"Class.method" for a method of a class declaration, else None (object-literal methods keep their
    own name: `module.exports = { save() {} }` exports save)."""
    node = f.node
    if node.type != "method_definition" or not f.name:
        return None
    body = node.parent
    cls = body.parent if body is not None and body.type == "class_body" else None
    name = cls.child_by_field_name("name") if cls is not None else None
    return f"{text(name)}.{f.name}" if name is not None else None


_ENV_CASTS = frozenset({"Number", "parseInt", "parseFloat", "Boolean", "String"})
_COMPARISONS = frozenset({"===", "==", "!==", "!=", "<", ">", "<=", ">="})


# methods that keep a value derived from the environment (`.split(",")`: the list an orchestration iterates)
_ENV_VALUE_METHODS = frozenset({b"split", b"trim", b"toLowerCase", b"toUpperCase", b"toString", b"slice"})


def _reads_env(v: Any, member_starts: set[int]) -> bool:
    """Whether v is a `process.env` read: the member itself, or `process.env.X` / `process.env["X"]`."""
    return v.start_byte in member_starts or (
        v.type in ("member_expression", "subscript_expression")
        and (v.child_by_field_name("object") or v).start_byte in member_starts)


def _env_operand(v: Any, member_starts: set[int], depth: int = 0) -> Any:
    """The environment read a value is derived from: `process.env.X ?? "d"`, `Number(process.env.X)`,
    `process.env.X === "true"`, `!process.env.X`; the value itself otherwise (None for no value)."""
    if v is None or depth > 4:
        return v
    t = v.type
    if t == "binary_expression":
        opn = v.child_by_field_name("operator")
        op = opn.type if opn is not None else ""
        left = unwrap(v.child_by_field_name("left"))
        if op in ("??", "||"):
            return _env_operand(left, member_starts, depth + 1)
        if op in _COMPARISONS:
            for side in (left, unwrap(v.child_by_field_name("right"))):
                found = _env_operand(side, member_starts, depth + 1)
                if found is not None and _reads_env(found, member_starts):
                    return found
        return v
    if t == "unary_expression" and v.child(0) is not None and v.child(0).type == "!":
        return _env_operand(unwrap(v.child_by_field_name("argument")), member_starts, depth + 1)
    if t == "call_expression":
        fn = v.child_by_field_name("function")
        an = v.child_by_field_name("arguments")
        if fn is not None and fn.type == "identifier" and fn.text.decode() in _ENV_CASTS and an is not None \
                and an.named_children:
            return _env_operand(unwrap(an.named_children[0]), member_starts, depth + 1)
        if fn is not None and fn.type == "member_expression" and an is not None:
            prop = fn.child_by_field_name("property")
            if fn.text == b"JSON.parse" and an.named_children:
                return _env_operand(unwrap(an.named_children[0]), member_starts, depth + 1)
            if prop is not None and prop.text in _ENV_VALUE_METHODS:  # `(process.env.REGIONS ?? "").split(",")`
                found = _env_operand(unwrap(fn.child_by_field_name("object")), member_starts, depth + 1)
                if found is not None and _reads_env(found, member_starts):
                    return found
    return v


def written_callee(c: Call, fallback: str) -> str:
    """The callee of a call as written: `a.b.c`, or its source text when the chain has no root name
    (`new Notifier().publish`); ``fallback`` when there is neither."""
    if c.chain and c.chain[0]:
        return ".".join(c.chain)
    callee = c.callee
    return " ".join(callee.text.decode("utf-8", "replace").split()) if callee is not None else fallback


def _tagged_arrow(call: Any) -> Any:
    """The arrow of `async () => sql<Row[]>`...``, which tree-sitter-typescript reads as a call of the
    arrow with the template (it has no rule for a tagged template with type arguments); else the call."""
    fn = call.child_by_field_name("function")
    if fn is not None and fn.type in _FUNCLIKE:
        args = call.child_by_field_name("arguments")
        if args is not None and args.type == "template_string":
            return fn
    return call


def _pair_value(obj: Any, key: str) -> Any:
    """The value of `key` in an object literal, or None."""
    for pair in obj.named_children:
        if pair.type == "pair":
            k = pair.child_by_field_name("key")
            if k is not None and text(k).strip("'\"") == key:
                return pair.child_by_field_name("value")
    return None


def _memoizes(body: bytes, name: bytes) -> bool:
    """A function that writes `name` only after reading it to decide: a cache or a lazy client."""
    n = re.escape(name)
    return re.search(rb"(?<![\w$.])" + n + rb"(?:\s*\??\.\s*(?:has|get)\s*\(|\s*(?:\?\?|\|\|)=|\s*\[[^\]]*\]\s*(?:\?\?|\|\|)=?)"
                     rb"|!\s*" + n + rb"(?![\w$])|" + n + rb"\s*[!=]==?\s*(?:null|undefined)", body) is not None


def _word_at(src: bytes, pos: int) -> str:
    m = _IDENT_AT.match(src, pos)
    return m.group(0).decode() if m else ""


_IDENT_AT = re.compile(rb"[A-Za-z_$][\w$]*")


def _always_exits(stmt: Any) -> bool:
    """A statement (or block) whose last statement is a return or throw."""
    for _ in range(8):
        if stmt is None:
            return False
        if stmt.type in ("return_statement", "throw_statement"):
            return True
        if stmt.type != "statement_block":
            return False
        last = None
        for ch in stmt.named_children:
            if ch.type != "comment":
                last = ch
        stmt = last
    return False


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(lo <= pos < hi for lo, hi in spans)


def _idents(node: Any, limit: int = 2000, skip: list[tuple[int, int]] | None = None) -> list[str]:
    """Identifier names used in an expression (not inside nested functions nor the spans in skip; bounded)."""
    out: list[str] = []
    stack = [node]
    steps = 0
    while stack and steps < limit:
        steps += 1
        n = stack.pop()
        if skip and _inside(n.start_byte, skip):
            continue
        t = n.type
        if t == "identifier":
            out.append(text(n))
        elif t in _FUNCLIKE or t == "string":
            continue
        elif n.named_child_count:
            stack.extend(n.named_children)
    return out


def _assign_pattern_names(node: Any) -> list[tuple[str, str | None, Any]]:
    from lambda_durable_mcp.analyzer.typescript._collect import pattern_names

    out: list[tuple[str, str | None, Any]] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern", "shorthand_property_identifier"):
            out.append((text(n), None, n))
            continue
        if n.type in ("member_expression", "subscript_expression"):
            continue
        for ch in n.named_children:
            stack.append(ch)
    return out or pattern_names(node)


_DIGIT_N = re.compile(rb"\dn\b")  # `\d+n\b` occurs exactly where its last digit and the `n` do


def _non_json_hint(src: bytes, lo: int, hi: int) -> bool:
    """`_NON_JSON_HINT.search(src, lo, hi) is not None`, one literal at a time with bytes.find (the
    alternation starts with \b, so the regex engine tries it at every byte of the window). As in a
    regex search with pos/endpos, \b looks before `lo` and treats `hi` as the end of the text."""
    hi = min(hi, len(src))
    if hi <= lo or lo < 0:
        return _NON_JSON_HINT.search(src, lo, hi) is not None
    if src.find(b"=>", lo, hi) >= 0:
        return True
    for word, after in ((b"new", 1), (b"get", 1), (b"set", 1), (b"function", 0), (b"BigInt", 0)):
        k = len(word)
        i = src.find(word, lo, hi)
        while i >= 0:
            if i == 0 or src[i - 1] not in _WORD_BYTES:
                e = i + k
                if after:  # followed by whitespace, inside the window
                    if e < hi and src[e] in b" \t\n\r\f\v":
                        return True
                elif e == hi or src[e] not in _WORD_BYTES:
                    return True
            i = src.find(word, i + 1, hi)
    return _DIGIT_N.search(src, lo, hi) is not None


def _fetch_hint(src: bytes, lo: int, hi: int) -> bool:
    """Cheap test before DUR034 looks for a returned fetch() Response in the step body [lo, hi)."""
    if src.find(b"etch", lo, hi) < 0:
        return False
    return _FETCH_BODY.match(src, lo, hi) is not None or _FETCH_RETURN.search(src, lo, hi) is not None


_ASCII_WORD = re.compile(rb"[A-Za-z0-9_]+")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


_TYPED_NAME_RE = re.compile(rb"(?<![\w$])([A-Za-z_$][\w$]*)\s*[!?]?\s*:\s*(?:[A-Za-z_$][\w$]*\.)?\Z")


def _word_positions(src: bytes, words: set[bytes]) -> set[int]:
    """Start offsets of the matches of `\b(?:w1|w2|...)\b`, found with bytes.find (a pattern that
    starts with \b makes the regex engine try every byte of the file)."""
    if not all(_ASCII_WORD.fullmatch(w) for w in words):
        pat = re.compile(rb"\b(?:" + b"|".join(re.escape(wd) for wd in sorted(words)) + rb")\b")
        return {m.start() for m in pat.finditer(src)}
    out: set[int] = set()
    n = len(src)
    for w in words:
        k = len(w)
        i = src.find(w)
        while i >= 0:
            if (i == 0 or src[i - 1] not in _WORD_BYTES) and (i + k == n or src[i + k] not in _WORD_BYTES):
                out.add(i)
            i = src.find(w, i + 1)
    return out


def _number(node: Any, depth: int = 0) -> float | None:
    if node is None:
        return None
    if depth > sys.getrecursionlimit():
        raise RecursionError("nesting too deep")  # compiled, the recursion has no limit of its own
    if node.type == "number":
        t = text(node).replace("_", "")
        try:
            return float(int(t, 0)) if t[:2].lower() in ("0x", "0o", "0b") else float(t)
        except ValueError:
            return None
    if node.type == "unary_expression" and text(node).startswith("-"):
        inner = node.child_by_field_name("argument")
        v = _number(unwrap(inner), depth + 1)
        return -v if v is not None else None
    return None


def _short(c: Call) -> str:
    ch = c.chain or []
    base = ".".join(ch) if ch and ch[0] else (c.op or "call")
    return f"{base}(...)"


_EXPORT_ROOTS = (["exports"], ["module", "exports"])


def _counts(node: Any, kind: str) -> bool:
    """`n++`, `n--`, `n += 1`: a counter."""
    if kind == "update_expression":
        return True
    if kind != "augmented_assignment_expression":
        return False
    op = node.child_by_field_name("operator")
    right = node.child_by_field_name("right")
    return op is not None and op.type in ("+=", "-=") and right is not None and text(right).strip() == "1"


def _exported_as(call: Any) -> str | None:
    """The name a module-level `withDurableExecution(...)` is bound to, as a Lambda handler setting names
    it: `export const handler = ...` and `const handler = ...` (exported by name later) give "handler",
    `exports.handler = ...` and `module.exports.handler = ...` too, `export default ...` gives "default"."""
    node = call
    for _ in range(8):
        parent = node.parent
        if parent is None:
            return None
        t = parent.type
        if t in ("parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"):
            node = parent
            continue
        if t == "variable_declarator":
            name = parent.child_by_field_name("name")
            return text(name) if name is not None and name.type == "identifier" else None
        if t == "assignment_expression":
            chain = chain_of(parent.child_by_field_name("left"))
            if chain and len(chain) >= 2 and chain[:-1] in _EXPORT_ROOTS:
                return chain[-1]
            if chain in _EXPORT_ROOTS[1:]:
                return "default"  # module.exports = withDurableExecution(...)
            return None
        if t == "export_statement":
            return "default"
        return None
    return None


def char_column(src: bytes, offset: int, byte_column: int) -> int:
    """1-based character column (tree-sitter counts bytes; non-ASCII text before differs)."""
    before = src[offset - byte_column:offset]
    if before.isascii():
        return byte_column + 1
    return len(before.decode("utf-8", "replace")) + 1


# methods that turn a clock reading or a random value into a plain value a step can return
_VALUE_METHODS = frozenset({
    "toISOString", "toJSON", "toString", "toUTCString", "toDateString", "toTimeString", "toLocaleString",
    "toLocaleDateString", "toLocaleTimeString", "getTime", "valueOf", "getFullYear", "getMonth", "getDate",
    "getDay", "getHours", "getMinutes", "getSeconds", "getMilliseconds", "getUTCFullYear", "getUTCMonth",
    "getUTCDate", "getUTCDay", "getUTCHours", "getUTCMinutes", "getUTCSeconds", "getTimezoneOffset",
    "toFixed", "toPrecision", "slice", "substring", "substr", "toUpperCase", "toLowerCase", "replace",
    "replaceAll", "padStart", "padEnd", "trim", "split", "unix", "format", "toMillis", "toSeconds"})


def _value_extent(node: Any) -> Any:
    """node with the method calls chained on it that make a plain value (`new Date().toISOString()`,
    `Math.random().toString(36).slice(2)`): a fix moves all of it into the step, as Python's does."""
    n = node
    p = n.parent
    if p is not None and p.type == "unary_expression" and p.child(0) is not None and p.child(0).type == "+":
        return p  # `+new Date()`: the number of milliseconds
    for _ in range(8):
        p = n.parent
        if p is None or p.type != "member_expression" or p.child_by_field_name("object") != n:
            break
        prop = p.child_by_field_name("property")
        gp = p.parent
        if prop is None or text(prop) not in _VALUE_METHODS or gp is None or gp.type != "call_expression" \
                or gp.child_by_field_name("function") != p:
            break
        n = gp
    return n


def _snippet(node: Any, fallback: str) -> str:
    """The offending expression as written, when it is short enough to quote in a fix."""
    if node.end_byte - node.start_byte <= 60:
        t = text(node)
        if "\n" not in t:
            return t
    return fallback


def resolve_candidates(path: str, spec: str) -> list[str]:
    """Files a relative import specifier may name, most likely first (no filesystem access)."""
    import posixpath

    sep_path = path.replace("\\", "/")
    base = posixpath.dirname(sep_path)
    target = posixpath.normpath(posixpath.join(base, spec)) if base else posixpath.normpath(spec)
    stem, ext = posixpath.splitext(target)
    out: list[str] = []
    if ext in T.SPEC_EXT_ALIASES:
        out.extend(stem + e for e in T.SPEC_EXT_ALIASES[ext])
    else:
        out.extend(target + e for e in T.RESOLVE_EXTS)
        out.extend(posixpath.join(target, "index" + e) for e in T.RESOLVE_EXTS)
    return out


_PACKAGE_PATH_RE = re.compile(rb"""(?:path\.)?(?:join|resolve)\(\s*__dirname\b|^`\$\{__dirname\}""")


def _package_file(arg: Any) -> bool:
    """A path inside the deployment package: a relative literal (Lambda runs in /var/task), /var/task/...,
    or one built from __dirname."""
    node = unwrap(arg)
    if node is None:
        return False
    if node.type == "string":
        value = text(node)[1:-1]
        return bool(value) and (not value.startswith("/") or value.startswith("/var/task/"))
    return bool(_PACKAGE_PATH_RE.search(node.text or b""))
