"""The TypeScript/JavaScript frontend: tree-sitter parse, pass A (collect), pass B (rules)."""

from __future__ import annotations

import gc
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from lambda_durable_mcp.analyzer.frontend import (
    ModuleSummary,
    ProjectView,
    context_helper_diagnostic,
    env_invoke_diagnostic,
    module_state_diagnostic,
)
from lambda_durable_mcp.analyzer.model import RULES, SHORT_FIX, Diagnostic, kebab, looks_binary, unique_name
from lambda_durable_mcp.analyzer.typescript import _tables as T

log = logging.getLogger(__name__)

_LANGS: dict[str, Any] = {}
_CACHE_SIZE = 4096


def _language(dialect: str) -> Any:
    lang = _LANGS.get(dialect)
    if lang is None:
        from tree_sitter import Language

        if dialect == "javascript":
            import tree_sitter_javascript as tsjs

            lang = Language(tsjs.language())
        else:
            import tree_sitter_typescript as tsts

            lang = Language(tsts.language_tsx() if dialect == "tsx" else tsts.language_typescript())
        _LANGS[dialect] = lang
    return lang


_PARSERS = threading.local()  # a parser is not thread-safe, and creating one per file costs time


def _parser(dialect: str) -> Any:
    parsers: dict[str, Any] | None = getattr(_PARSERS, "by_dialect", None)
    if parsers is None:
        parsers = _PARSERS.by_dialect = {}
    parser = parsers.get(dialect)
    if parser is None:
        from tree_sitter import Parser

        parser = parsers[dialect] = Parser(_language(dialect))
    return parser


def dialect_of(path: str) -> str | None:
    low = path.lower()
    if low.endswith(T.DECL_SUFFIXES):
        return None
    if low.endswith(T.TSX_EXTS):
        return "tsx"
    if low.endswith(T.TS_EXTS):
        return "typescript"
    if low.endswith(T.JS_EXTS):
        return "javascript"
    return None


def _error_nodes(root: Any, limit: int = 200) -> list[Any]:
    """The ERROR and MISSING nodes in document order, but the grammar's gap for typed tagged templates
    (see _typed_tag_gap): the parts the parser did not recover, where a finding may read code that is
    not there. Empty when the gap is all there is."""
    out: list[Any] = []
    stack = [root]
    for _ in range(100_000):
        if not stack or len(out) >= limit:
            break
        node = stack.pop()
        if node.is_error or (node.is_missing and not _typed_tag_gap(node)):
            out.append(node)
            continue
        stack.extend(reversed([ch for ch in node.children if ch.has_error or ch.is_missing or ch.is_error]))
    return out


def _typed_tag_gap(missing: Any) -> bool:
    """tree-sitter-typescript has no rule for a tagged template with type arguments (postgres.js's
    sql<Row[]>`SELECT ...`): it inserts a missing `!` after `sql<Row[]>` and then reads the template as
    the arguments of a call, which is what the code means."""
    parent = missing.parent
    if missing.type != "!" or parent is None or parent.type != "non_null_expression":
        return False
    inner = parent.named_children[0] if parent.named_children else None
    call = parent.parent
    if inner is None or inner.type != "instantiation_expression" or call is None or call.type != "call_expression":
        return False
    args = call.child_by_field_name("arguments")
    return args is not None and args.type == "template_string" and call.start_byte == parent.start_byte


class _Result:
    """What one file's analysis leaves for summarize and check: no tree, so many can be cached."""

    __slots__ = ("diags", "functions", "durations", "project_calls", "project_logs", "project_nonidem",
                 "project_writes", "project_sleeps", "exported_loggers", "exported_env", "env_invokes", "env_imports",
                 "imports", "parse_error", "ok", "bare", "star_exports", "durable_handlers", "error_lines",
                 "retry_notes", "op_names")

    def __init__(self, analysis: Any, parse_error: str | None, error_lines: list[tuple[int, int]] | None = None) -> None:
        self.parse_error = parse_error
        self.error_lines = error_lines or []  # check() reports nothing on these lines
        self.ok = analysis is not None
        # non-relative specifier -> the project file it named (or None) when analyzed: a cached result
        # is only good while the workspace and tsconfig files still say the same
        self.bare: dict[str, str | None] = dict(analysis.bare_targets) if analysis is not None else {}
        self.diags: list[Diagnostic] = list(analysis.diags) if analysis is not None else []
        self.functions = dict(analysis.functions) if analysis is not None else {}
        self.star_exports = list(analysis.star_exports) if analysis is not None else []
        self.durable_handlers = list(analysis.durable_handlers) if analysis is not None else []
        self.durations = list(analysis.durations) if analysis is not None else []
        # ((line, column), (end line, end column), callee label, candidate paths, name, context name,
        # terminal: the call only feeds a handler's or child's result, see _analyze._terminal)
        self.project_calls: list[tuple[tuple[int, int], tuple[int, int], str, list[str], str, str, Any, bool]] = []
        self.project_logs: list[tuple[tuple[int, int], tuple[int, int], str, list[str], str, str]] = []
        # (record, mode, "where") of helper calls in retrying steps, for DUR035 through other files
        self.project_nonidem: list[tuple[tuple[tuple[int, int], tuple[int, int], str, list[str], str, str],
                                         str, str]] = []
        # DUR035 fix by mode ("step", "amo-step", "submitter"): the SDK names this file still has to import
        self.retry_notes: dict[str, str] = ({m: analysis.retry_import_note(m) for m in ("step", "amo-step", "submitter")}
                                            if analysis is not None and analysis.project_nonidem else {})
        # the step names the file's fixes so far proposed, and its operations' literal names: a DUR005
        # fix's step name avoids them (applied, no DUR030)
        self.op_names: set[str] = analysis.names_taken_anywhere() \
            if analysis is not None and (analysis.project_calls or analysis.project_sleeps) else set()
        # (record, "where") of calls from step or child code to imported helpers, for DUR012
        self.project_writes: list[tuple[tuple[tuple[int, int], tuple[int, int], str, list[str], str, str],
                                        str]] = []
        # records of calls from orchestration code to project helpers, for DUR009 through other files
        self.project_sleeps: list[tuple[tuple[int, int], tuple[int, int], str, list[str], str, str]] = []
        self.exported_loggers: dict[str, str] = dict(analysis.exported_loggers) if analysis is not None else {}
        self.exported_env: dict[str, str] = dict(analysis.exported_env) if analysis is not None else {}
        # ((line, column), (end line, end column), expression text, candidate paths, "NAME" / "NAME.key")
        self.env_imports: list[tuple[tuple[int, int], tuple[int, int], str, list[str], str]] = []
        # ((line, column), (end line, end column), expression text, env var) of invoke(process.env.X)
        self.env_invokes: list[tuple[tuple[int, int], tuple[int, int], str, str]] = []
        # project files imported (relative specifiers) that exist, for the engine to summarize too
        self.imports: list[str] = _imported_files(analysis) if analysis is not None else []
        if analysis is not None:
            from lambda_durable_mcp.analyzer.typescript._analyze import char_column, written_callee

            src = analysis.src

            def record(call: Any, candidates: list[str], name: str
                       ) -> tuple[tuple[int, int], tuple[int, int], str, list[str], str, str]:
                """Where the call is, its label and context name: all check() needs once the tree is gone."""
                node = call.node
                sp, ep = node.start_point, node.end_point
                return ((sp[0] + 1, char_column(src, node.start_byte, sp[1])),
                        (ep[0] + 1, char_column(src, node.end_byte, ep[1])),
                        written_callee(call, name), candidates, name, analysis.ctx_name(call.fi))

            for node, var in analysis.env_invokes:
                sp, ep = node.start_point, node.end_point
                self.env_invokes.append(((sp[0] + 1, char_column(src, node.start_byte, sp[1])),
                                         (ep[0] + 1, char_column(src, node.end_byte, ep[1])),
                                         " ".join(node.text.decode("utf-8", "replace").split())[:60], var))
            for node, candidates, key in analysis.env_imports:
                sp, ep = node.start_point, node.end_point
                self.env_imports.append(((sp[0] + 1, char_column(src, node.start_byte, sp[1])),
                                         (ep[0] + 1, char_column(src, node.end_byte, ep[1])),
                                         " ".join(node.text.decode("utf-8", "replace").split())[:60],
                                         candidates, key))
            self.project_logs = [record(call, candidates, name) for call, candidates, name in analysis.project_logs]
            self.project_nonidem = [(record(call, candidates, name), mode, where)
                                    for call, candidates, name, mode, where in analysis.project_nonidem]
            self.project_writes = [(record(call, candidates, name), where)
                                   for call, candidates, name, where in analysis.project_writes]
            self.project_sleeps = [record(call, candidates, name) for call, candidates, name in analysis.project_sleeps]
            self.project_calls = [(*record(call, candidates, name), terminal, hands)
                                  for call, candidates, name, terminal, hands in analysis.project_calls]


def _imported_files(analysis: Any) -> list[str]:
    specs = {b.module for b in analysis.col.imports.values() if b.module.startswith(".")}
    # require() and `await import()` inside functions are no module-level imports, but name files too
    specs.update(b.module for b in analysis._required if b.module.startswith("."))
    specs.update(mod for _name, mod, _imported in analysis.col.reexports if mod.startswith("."))
    specs.update(mod for _ns, mod in analysis.col.star_exports if mod.startswith("."))
    out: list[str] = []
    for spec in sorted(specs):
        found = analysis._candidates(spec)  # _fs_resolver: one existing file, or every candidate
        if len(found) == 1:
            out.append(found[0])
    return out


def resolve_bare(path: str, spec: str) -> str | None:
    from lambda_durable_mcp.analyzer.typescript.modules import resolve_bare as resolve

    return resolve(path, spec)


def _fs_resolver(path: str, spec: str) -> list[str]:
    from lambda_durable_mcp.analyzer.typescript._analyze import resolve_candidates

    cands = resolve_candidates(path, spec)
    for c in cands:
        if os.path.isfile(c):
            return [c]
    return cands


@dataclass
class TsModuleSummary(ModuleSummary):
    # logger instances the file exports: exported name -> library, for DUR020 where another file
    # imports one and logs with it outside a step
    exported_loggers: dict[str, str] = field(default_factory=dict)
    exported_env: dict[str, str] = field(default_factory=dict)  # "NAME" / "NAME.key" -> env var it holds


class TypeScriptFrontend:
    name = "typescript"

    def __init__(self) -> None:
        self._cache: OrderedDict[tuple[str, int, int], _Result] = OrderedDict()
        self._lock = threading.Lock()

    def accepts(self, path: str, source: bytes) -> bool:
        return dialect_of(path) is not None

    def _analyze(self, path: str, source: bytes) -> _Result:
        """One analysis per file serves both summarize (pass 1) and check (pass 2)."""
        key = (path, len(source), hash(source))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
        if hit is not None and all(resolve_bare(path, spec) == target for spec, target in hit.bare.items()):
            return hit
        res = self._analyze_uncached(path, source)
        with self._lock:
            self._cache[key] = res
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return res

    def _analyze_uncached(self, path: str, source: bytes) -> _Result:
        # an in-memory source without a known extension: TSX parses TypeScript, JavaScript and JSX
        dialect = dialect_of(path) or "tsx"
        if looks_binary(source):
            return _Result(None, "1: not a text file (binary content)")
        if not source.isascii():  # ASCII is valid UTF-8; decoding is only needed to find a bad byte
            try:
                source.decode("utf-8")
            except UnicodeDecodeError as e:
                line = source[: e.start].count(b"\n") + 1
                return _Result(None, f"{line}: not valid UTF-8 text")
        if b"\x00" in source:
            # tree-sitter's lexer reads NUL as the end of input; in JS one can only sit in a string or
            # a comment, so a space (same offsets) parses the rest of the file
            source = source.replace(b"\x00", b" ")
        gc_was_enabled = gc.isenabled()
        gc.disable()  # the analysis allocates many small objects and no cycles worth collecting
        try:
            from lambda_durable_mcp.analyzer.typescript._analyze import FileAnalysis
            from lambda_durable_mcp.analyzer.typescript._collect import collect, too_deep

            lang = _language(dialect)
            tree = _parser(dialect).parse(source)
            parse_error = None
            root = tree.root_node
            if too_deep(root, len(source)):
                return _Result(None, "1: nesting too deep to analyze")
            errors = _error_nodes(root) if root.has_error else []
            if errors:
                first = errors[0]
                what = f"missing {first.type}" if first.is_missing else "syntax error"
                parse_error = f"{first.start_point[0] + 1}: {what} (analysis continued on the recoverable parts)"
            error_lines = [(n.start_point[0] + 1, n.end_point[0] + 1) for n in errors]
            col = collect(tree, source, lang)
            fa = FileAnalysis(path, col, _fs_resolver, resolve_bare)
            fa.run()
            return _Result(fa, parse_error, error_lines)
        except RecursionError:
            return _Result(None, "1: nesting too deep to analyze")
        except Exception as e:  # never crash the engine on one odd file
            log.warning("typescript analyzer failed on %s: %s", path, e, exc_info=True)
            return _Result(None, f"1: analyzer could not process this file ({type(e).__name__})")
        finally:
            if gc_was_enabled:
                gc.enable()

    def summarize(self, path: str, source: bytes) -> ModuleSummary:
        res = self._analyze(path, source)
        return TsModuleSummary(path=path, parse_error=res.parse_error, partial=res.ok, functions=dict(res.functions),
                               durations=list(res.durations), exported_loggers=dict(res.exported_loggers),
                               exported_env=dict(res.exported_env), imports=list(res.imports),
                               star_exports=list(res.star_exports), durable_handlers=list(res.durable_handlers))

    def check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]:
        res = self._analyze(path, source)
        out = list(res.diags)
        known = project.summaries
        misplaced = {(d.line, d.column) for d in out if d.rule == "DUR015"}  # `step("x", f())` says it all
        for sp, ep, label, candidates, name, ctx, terminal, hands in res.project_calls:
            target = next((c for c in candidates if c in known), None)
            if target is None:
                target = next((c for c in candidates if os.path.isfile(os.path.join(project.root, c))
                               or os.path.isfile(c)), None)
            if target is None:
                continue
            chain = project.impure(target, name, path)
            if not chain:
                continue
            soft = project.impurity_rule(target, name) in ("DUR001", "DUR002")
            if terminal is True and soft:
                continue  # a timestamp or id for the result only: computed once, in the completing invocation
            if (sp[0], sp[1]) in misplaced:
                continue
            if hands:
                out.append(context_helper_diagnostic(path, sp, ep, f"{label}()", name, chain))
                continue
            summary = known.get(target)
            called = summary.functions.get(name) if summary is not None else None
            # a default export's local name; of `ns.f` (through `export * as ns`) the function
            step_name = unique_name(kebab(label.rsplit(".", 1)[-1] if name == "default" else name.rsplit(".", 1)[-1]),
                                    res.op_names)
            if called is not None and called.generator:  # a generator object cannot be checkpointed
                fix = (f"collect what it yields inside a step: await {ctx}.step('{step_name}', async () => "
                       f"{{ const out = []; for await (const x of {label}(...)) out.push(x); return out; }})")
            else:
                fix = f"call it inside a step: await {ctx}.step('{step_name}', async () => {label}(...))"
            wrote = project.module_write(target, name, path)
            if wrote is not None:  # in a step, that write would be lost on replay (DUR012)
                fix = (f"have {label}() return its value instead of writing module-level '{wrote[1]}', then "
                       f"{fix[0].lower()}{fix[1:]} and keep the result in a const")
            logged = terminal == "log" and soft  # as for the same read inline in the logger call: a warning
            out.append(Diagnostic(
                path=path, line=sp[0], column=sp[1], end_line=ep[0], end_column=ep[1],
                rule="DUR005", severity="warning" if logged else "error",
                message=(f"{label}() is not replay-safe outside a step, but only feeds a {ctx}.logger line, which "
                         f"the SDK skips while replaying ({chain}); call it inside a step "
                         if logged else f"{label}() is not replay-safe outside a step: {chain}; call it inside a step ")
                + f"(guide: {RULES['DUR005'].guide})",
                fix=fix,
            ))
        for sp, ep, label, candidates, name, ctx in res.project_logs:
            target = next((c for c in candidates if c in known), None)
            summary = known.get(target) if target is not None else None
            exported = summary.exported_loggers if isinstance(summary, TsModuleSummary) else None
            if not exported or name not in exported:
                continue
            method = T.DURABLE_LOG_METHOD.get(label.rsplit(".", 1)[-1])  # the durable logger has no trace()
            out.append(Diagnostic(
                path=path, line=sp[0], column=sp[1], end_line=ep[0], end_column=ep[1],
                rule="DUR020", severity=RULES["DUR020"].severity,
                message=f"{label}() outside a step repeats on every replay (the {exported[name]} logger "
                        f"{os.path.basename(target)} exports); use {ctx}.logger (guide: {RULES['DUR020'].guide})",
                fix=(f"use {ctx}.logger.{method}(...) (replay-aware) instead" if method
                     else f"use {ctx}.logger (replay-aware) instead"),
            ))
        # helpers in other files: a non-idempotent write a retrying step reaches (DUR035), module state
        # a step or child body writes through them (DUR012)
        for (sp, ep, label, candidates, name, _ctx), mode, where in res.project_nonidem:
            found = project.nonidempotent(_known(candidates, known), name, path)
            if found is not None:
                from lambda_durable_mcp.analyzer.typescript._analyze import dur035_fix

                chain, write, detail = found
                out.append(_diagnostic(path, sp, ep, "DUR035",
                                       f"{label}() does a write that is not idempotent ({chain}) and {where}: a "
                                       "retry after a timeout repeats the write",
                                       dur035_fix(write, detail, mode, res.retry_notes.get(mode, ""))))
        impure_calls = {(d.line, d.column) for d in out if d.rule == "DUR005"}  # one diagnostic per call: DUR005 first
        for (sp, ep, label, candidates, name, _ctx), where in res.project_writes:
            found = project.module_write(_known(candidates, known), name, path)
            if found is None:
                continue
            chain, var, _note = found
            if where == T.ORCHESTRATION:
                if (sp[0], sp[1]) not in impure_calls:
                    out.append(module_state_diagnostic(path, sp, ep, f"{label}()", f"'{var}'", chain))
            else:
                out.append(_diagnostic(path, sp, ep, "DUR012",
                                       f"the {where} calls {label}(), which writes module-level '{var}' ({chain}): "
                                       f"on replay the {where} is skipped and the write never happens, and a cold "
                                       "start resets it",
                                       f"return the new value from {label}() and from the {where}, and keep it in "
                                       "a local variable of the orchestration code instead of module state"))
        # helpers that sleep in-process, in other files or through them (DUR009; a helper of this file
        # that sleeps itself was reported in pass 1)
        slept = {(d.line, d.column) for d in out if d.rule == "DUR009"}
        for sp, ep, label, candidates, name, ctx in res.project_sleeps:
            sleep = project.sleep(_known(candidates, known), name, path)
            if sleep is None or (sp[0], sp[1]) in slept:
                continue
            chain = sleep[0]
            slept.add((sp[0], sp[1]))
            out.append(_diagnostic(path, sp, ep, "DUR009",
                                   f"{label}() sleeps in-process ({chain}): the Lambda keeps running (and billing) "
                                   "and the delay is lost on replay", f"use await {ctx}.wait('{unique_name('pause', res.op_names)}', {{ seconds: N }}){T.SHORT_PAUSE}"))
        for sp, ep, expr, var in res.env_invokes:
            found = project.env_target(path, var)
            if found is not None:
                out.append(env_invoke_diagnostic(path, sp, ep, expr, found[0], found[1]))
        for sp, ep, expr, candidates, key in res.env_imports:
            target = next((c for c in candidates if c in known), None)
            summary = known.get(target) if target is not None else None
            var = summary.exported_env.get(key) if isinstance(summary, TsModuleSummary) else None
            found = project.env_target(path, var) if var is not None else None
            if found is not None:
                out.append(env_invoke_diagnostic(path, sp, ep, f"{expr} (process.env.{var})", found[0], found[1]))
        if res.error_lines:  # nothing from the parts the parser did not recover
            out = [d for d in out if not any(lo <= d.end_line and d.line <= hi for lo, hi in res.error_lines)]
        out.sort(key=lambda d: (d.line, d.column, d.rule))
        return out


def _known(candidates: list[str], known: dict[str, ModuleSummary]) -> str:
    """The first candidate path that was summarized ("" when none was: nothing to look up)."""
    return next((c for c in candidates if c in known), "")


def _diagnostic(path: str, sp: tuple[int, int], ep: tuple[int, int], rule: str, what: str, fix: str) -> Diagnostic:
    """A pass-2 diagnostic in the frontend's layout: `<what and why>; <short fix> (guide: <section>)`."""
    r = RULES[rule]
    return Diagnostic(path=path, line=sp[0], column=sp[1], end_line=ep[0], end_column=ep[1], rule=rule,
                      severity=r.severity, message=f"{what}; {SHORT_FIX[rule]} (guide: {r.guide})", fix=fix)




FRONTEND = TypeScriptFrontend()
