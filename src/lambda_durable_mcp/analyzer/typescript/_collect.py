"""Pass A: one tree-sitter query over the file, turned into flat records.

The query runs in C and yields only the nodes the rules care about (functions, calls, `new`,
declarations, writes, imports, a few member reads), in document order. A stack of function end
offsets gives every record its enclosing function, so no Python walk over the whole tree is needed.
"""

from __future__ import annotations

import bisect
import re
from operator import attrgetter
from typing import Any

from lambda_durable_mcp.analyzer.typescript import _tables as T
from lambda_durable_mcp.analyzer.typescript._tables import normalize_module

FUNC_TYPES = frozenset({
    "function_declaration", "function_expression", "arrow_function", "method_definition",
    "generator_function_declaration", "generator_function",
})
FUNC_VALUE_TYPES = frozenset({"function_expression", "arrow_function", "generator_function"})
_TRANSPARENT = frozenset({"parenthesized_expression", "non_null_expression", "as_expression",
                          "satisfies_expression", "type_assertion"})

_QUERY_KINDS = (
    "function_declaration", "function_expression", "arrow_function", "method_definition",
    "generator_function_declaration", "generator_function", "call_expression", "new_expression",
    "assignment_expression", "augmented_assignment_expression", "update_expression",
    "variable_declarator", "import_statement", "catch_clause", "for_in_statement",
)
_EXTRA_PATTERNS = """
(unary_expression operator: "delete") @n
(export_statement source: (string)) @n
"""

_QUERIES: dict[int, Any] = {}
_UNWRAP_TYPES = _TRANSPARENT | {"await_expression", "sequence_expression"}
_FACTORY_RE = re.compile(rb"[\w$.]*(?:\.from|create\w*|pino|winston|bunyan|extend|connect|PrismaClient|postgres|neon)\s*\(")
_KIND_RE = re.compile(rb"\b(const|let|var|using)\s+\Z")
_MODULE_VALUE_RE = re.compile(rb"(?:require|import)\s*\(")
_GLOBAL_ROOTS = frozenset({"console", "process", "Date", "Math", "crypto", "performance", "Promise", "Temporal",
                           "Object", "this", ""})
_INTERESTING = frozenset(
    set(T.DURABLE_OPS) | T.PROMISE_COMBINATORS | T.MUTATING_METHODS | T.INVOCATION_METHODS
    | {"send", "forEach", "configureSerdes", "createWaitStrategy", "withDurableExecution", "then", "assign",
       "getRandomValues", "randomUUID", "now", "hrtime", "write"}
)
_CHAIN_RE = re.compile(rb"(?:[A-Za-z_$][\w$]*|this)(?:\s*\??\.\s*#?[A-Za-z_$][\w$]*)*\Z")
_SPLIT_RE = re.compile(r"\s*\??\.\s*")
_CALL_HEAD_RE = re.compile(
    rb"((?:[A-Za-z_$][\w$]*)(?:\s*\??\.\s*#?[A-Za-z_$][\w$]*)*)\s*(?:<[^<>()=;{}]*(?:<[^<>()=;{}]*>[^<>()=;{}]*)*>)?"
    rb"\s*(?:\?\.)?\s*\(")
_START = attrgetter("start_byte")
_DEFAULT_RE = re.compile(rb"export\s+default\s+\Z")
_EXPORTS_RE = re.compile(rb"(?:module\s*\.\s*)?exports\s*\.\s*([A-Za-z_$][\w$]*)\Z")


def query_for(language: Any) -> Any:
    from tree_sitter import Query

    key = id(language)
    q = _QUERIES.get(key)
    if q is None:
        kinds = " ".join(f"({k})" for k in _QUERY_KINDS if language.id_for_node_kind(k, True) is not None)
        q = Query(language, f"[{kinds}] @n\n{_EXTRA_PATTERNS}")
        _QUERIES[key] = q
    return q


class Binding:
    __slots__ = ("kind", "fi", "name", "value", "decl", "module", "imported", "func", "ctx", "method",
                 "key", "instance", "param_index", "start", "pclass")

    def __init__(self, kind: str, fi: int, name: str, start: int, value: Any = None, decl: str = "") -> None:
        self.kind = kind            # param | var | func | import | catch | loop
        self.fi = fi                # function index that declares it (0 = module)
        self.name = name
        self.start = start
        self.value = value          # initializer node (var) or None
        self.decl = decl            # const | let | var | param
        self.module = ""            # import source as written
        self.imported = ""          # imported name, "default" or "*"
        self.func = -1              # function index when the binding names a function
        self.ctx = False            # a DurableContext
        self.method = ""            # durable method destructured from a context ("step", "promise", ...)
        self.key: str | None = None  # property name when destructured from `value`
        self.instance: str | None = None  # normalized module of a client/logger instance
        self.param_index = -1
        # (module as written, or "" for this file; class name) of `new ProjectClass(...)`: its method calls
        # are followed like calls of project functions (DUR005 and the other rules through helpers)
        self.pclass: tuple[str, str] | None = None


class Func:
    __slots__ = ("node", "start", "end", "parent", "name", "names", "params", "role", "scope",
                 "step_root", "child_root", "orch_root", "top", "ctx_name", "op")

    def __init__(self, node: Any, start: int, end: int, parent: int, name: str | None) -> None:
        self.node = node
        self.start = start
        self.end = end
        self.parent = parent
        self.name = name
        self.names: dict[str, Binding] = {}
        self.params: list[tuple[int, Any, str]] | None = None  # (index, pattern, type text); lazy
        self.role: str | None = None
        self.scope = "plain"
        self.step_root = -1
        self.child_root = -1
        self.orch_root = -1
        self.top = -1
        self.ctx_name = ""
        self.op: Any = None  # the durable-op call this function is an argument of


class Call:
    __slots__ = ("node", "fi", "chain", "_callee", "_args", "start", "op", "ctxb", "effect",
                 "name_arg", "roles")

    def __init__(self, node: Any, fi: int, chain: list[str] | None, start: int) -> None:
        self.node = node
        self.fi = fi
        self.chain = chain
        self._callee: Any = None
        self._args: list[Any] | None = None
        self.start = start
        self.op: str | None = None
        self.ctxb: Binding | None = None
        self.effect: tuple[str, str, str] | None = None  # (rule, what, detail)
        self.name_arg: Any = None
        self.roles: dict[str, Any] = {}

    @property
    def callee(self) -> Any:
        if self._callee is None:
            fn = self.node.child_by_field_name("function")
            if fn is not None and fn.type == "await_expression":
                fn = _awaited_callee(fn)
            self._callee = fn
        return self._callee

    @property
    def line(self) -> int:
        return int(self.node.start_point[0]) + 1

    @property
    def args(self) -> list[Any]:
        a = self._args
        if a is None:
            an = self.node.child_by_field_name("arguments")
            a = [x for x in an.named_children if x.type != "comment"] if an is not None and an.type == "arguments" \
                else []
            self._args = a
        return a


class Collected:
    __slots__ = ("funcs", "calls", "news", "writes", "members", "decls", "imports", "reexports", "by_start", "default_exports", "newvars", "fn_names",
                 "source", "star_exports", "export_locals")

    def __init__(self, source: bytes) -> None:
        self.source = source
        self.funcs: list[Func] = []
        self.calls: list[Call] = []
        self.news: list[tuple[Any, int, list[str] | None, list[Any] | None]] = []
        self.writes: list[tuple[Any, int, Any, str]] = []   # (node, fi, target, kind)
        self.members: list[tuple[Any, int, str]] = []        # (node, fi, property)
        self.decls: list[tuple[int, Any, Any, list[Binding]]] = []  # (fi, name node, value, bindings)
        self.imports: dict[str, Binding] = {}
        self.reexports: list[tuple[str, str, str]] = []      # (exported name, module, imported name)
        self.star_exports: list[tuple[str, str]] = []        # `export * [as ns] from`: (ns or "", module)
        # module-level names CommonJS exports as they are (`module.exports = { b: a, ...a }`):
        # (exported name, "..." for a spread, local name); an imported one is a re-export
        self.export_locals: list[tuple[str, str]] = []
        self.by_start: dict[int, int] = {}                   # function node start byte -> index
        self.default_exports: set[int] = set()
        self.fn_names: set[str] = set()  # names bound to functions anywhere in the file
        # variables initialized by `new X()` or a call (client instances) or holding a module (require)
        self.newvars: set[str] = set()


def text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


def unwrap(node: Any) -> Any:
    """Strip parentheses, `!`, `as T`, `satisfies T`, `<T>x`, `await` and the `(0, mod_1.fn)` that tsc
    and Babel emit in CommonJS output to call an imported function without a `this`."""
    if node is None:
        return None
    t = node.type
    if t not in _UNWRAP_TYPES:
        return node
    for _ in range(16):
        if t == "sequence_expression":
            kids = [c for c in node.named_children if c.type != "comment"]
            if len(kids) < 2 or any(k.type != "number" for k in kids[:-1]):
                return node  # a real sequence: its value is not one expression to look through
            node = kids[-1]
        elif t == "type_assertion":
            kids = [c for c in node.named_children if c.type != "type_arguments"]
            node = kids[0] if kids else None
        else:
            inner = None
            for ch in node.named_children:
                if ch.type != "comment":
                    inner = ch
                    break
            node = inner
        if node is None:
            return None
        t = node.type
        if t not in _UNWRAP_TYPES:
            return node
    return node


def _awaited_callee(node: Any) -> Any:
    """The callee inside the await of tree-sitter-typescript's parse of `await a.b<T>(...)`."""
    for ch in node.named_children:
        if ch.type != "comment":
            return ch
    return None


def chain_of(node: Any) -> list[str] | None:
    """`a.b.c` -> ["a", "b", "c"]; a complex root becomes "" (e.g. `x().send` -> ["", "send"])."""
    parts: list[str] = []
    cur = node
    for _ in range(8):
        if cur is None:
            return None
        t = cur.type
        if t == "identifier":
            parts.append(text(cur))
            parts.reverse()
            return parts
        if t == "this":
            parts.append("this")
            parts.reverse()
            return parts
        if t == "member_expression":
            prop = cur.child_by_field_name("property")
            if prop is None:
                return None
            parts.append(text(prop))
            cur = cur.child_by_field_name("object")
            continue
        if t in _TRANSPARENT:
            cur = unwrap(cur)
            continue
        if t == "instantiation_expression":
            # `sql<Row[]>` of a typed tagged template, which the grammar reads as `(await sql)<Row[]>!`
            cur = cur.named_children[0] if cur.named_children else None
            if cur is not None and cur.type == "await_expression":
                cur = _awaited_callee(cur)
            continue
        if not parts:
            return None
        parts.append("")
        parts.reverse()
        return parts
    return None


def pattern_names(node: Any) -> list[tuple[str, str | None, Any]]:
    """Identifiers a binding pattern declares: (name, top-level property key or None, node)."""
    out: list[tuple[str, str | None, Any]] = []
    stack: list[tuple[Any, bool]] = [(node, True)]
    steps = 0
    while stack and steps < 10_000:
        steps += 1
        n, top = stack.pop()
        if n is None:
            continue
        t = n.type
        if t == "identifier":
            out.append((text(n), None, n))
        elif t == "shorthand_property_identifier_pattern":
            name = text(n)
            out.append((name, name if top else None, n))
        elif t == "object_pattern":
            for ch in reversed(n.named_children):
                if ch.type == "pair_pattern" and top:
                    key = ch.child_by_field_name("key")
                    val = ch.child_by_field_name("value")
                    inner = val
                    if inner is not None and inner.type in ("assignment_pattern", "object_assignment_pattern"):
                        inner = inner.child_by_field_name("left")
                    if inner is not None and inner.type == "identifier":
                        out.append((text(inner), text(key), inner))
                    else:
                        stack.append((val, False))
                elif ch.type == "shorthand_property_identifier_pattern":
                    name = text(ch)
                    out.append((name, name if top else None, ch))
                elif ch.type == "object_assignment_pattern" and top:
                    left = ch.child_by_field_name("left")
                    if left is not None and left.type == "shorthand_property_identifier_pattern":
                        out.append((text(left), text(left), left))
                    else:
                        stack.append((left, False))
                else:
                    stack.append((ch, False))
        elif t == "pair_pattern":
            stack.append((n.child_by_field_name("value"), False))
        elif t in ("assignment_pattern", "object_assignment_pattern"):
            stack.append((n.child_by_field_name("left"), False))
        elif t in ("array_pattern", "rest_pattern"):
            for ch in reversed(n.named_children):
                stack.append((ch, False))
    return out


def _params(fn: Any) -> list[tuple[int, Any, str]]:
    p = fn.child_by_field_name("parameters")
    if p is None:
        single = fn.child_by_field_name("parameter")
        return [(0, single, "")] if single is not None else []
    out: list[tuple[int, Any, str]] = []
    i = 0
    for ch in p.named_children:
        t = ch.type
        if t == "comment":
            continue
        if t in ("required_parameter", "optional_parameter"):
            pat = ch.child_by_field_name("pattern")
            ty = ch.child_by_field_name("type")
            tt = text(ty)[1:].strip() if ty is not None else ""
            out.append((i, pat, tt))
        elif t == "assignment_pattern":
            out.append((i, ch.child_by_field_name("left"), ""))
        else:
            out.append((i, ch, ""))
        i += 1
    return out


def _keep(chain: list[str] | None, module_names: dict[str, Binding], newvars: set[str]) -> bool:
    """Whether a call can matter to any rule (cheap filter before a record is made)."""
    if chain is None or len(chain) == 1:
        return True
    return (chain[-1] in _INTERESTING or chain[0] in _GLOBAL_ROOTS or chain[0] in module_names
            or chain[0] in newvars)


def load_params(funcs: list[Func], idx: int) -> None:
    """Bind a function's parameters (lazily: most functions never need them)."""
    f = funcs[idx]
    if f.params is not None:
        return
    params = _params(f.node) if idx else []
    f.params = params
    for pi, pat, _ty in params:
        if pat is None:
            continue
        if pat.type == "identifier":
            b = Binding("param", idx, text(pat), pat.start_byte, decl="param")
            b.param_index = pi
            _bind(funcs, idx, b)
        else:
            target = pat.named_children[0] if pat.type == "rest_pattern" and pat.named_children else pat
            for nm, key, nd in pattern_names(target):
                b = Binding("param", idx, nm, nd.start_byte, decl="param")
                b.param_index = pi
                b.key = key
                _bind(funcs, idx, b)


def _bind(funcs: list[Func], fi: int, b: Binding) -> None:
    names = funcs[fi].names
    old = names.get(b.name)
    # keep the first declaration of a function-level name, except that a real declaration beats a
    # parameter-free placeholder
    if old is None or (old.kind == "catch" and b.kind != "catch"):
        names[b.name] = b


def _string_value(node: Any) -> str | None:
    if node is None or node.type != "string":
        return None
    s = text(node)
    return s[1:-1] if len(s) >= 2 else ""


MAX_TREE_DEPTH = 20_000  # syntax tree levels; 500 levels of nested source code take about 3,000


def too_deep(root: Any, size: int) -> bool:
    """Whether the tree is deeper than MAX_TREE_DEPTH at one of 17 evenly spaced offsets (deep nesting
    is a long stretch of the file, so a sample finds it): a descent costs one step per level."""
    if size * 2 <= MAX_TREE_DEPTH:
        return False  # a level of nesting takes at least half a byte of source (`!!!a`, `((a))`, `- - 1`)
    for k in range(17):
        offset = min(size * k // 16, max(size - 1, 0))
        cursor = root.walk()
        depth = 0
        while cursor.goto_first_child_for_byte(offset) is not None:
            depth += 1
            if depth > MAX_TREE_DEPTH:
                return True
    return False


def collect(tree: Any, source: bytes, language: Any) -> Collected:
    from tree_sitter import QueryCursor

    col = Collected(source)
    root = tree.root_node
    module = Func(root, 0, len(source) + 1, -1, None)
    funcs = col.funcs
    funcs.append(module)
    calls = col.calls
    stack_ends: list[int] = [len(source) + 1]
    stack_idx: list[int] = [0]
    pending_name: dict[int, str] = {}
    module_names = module.names
    last_call_start = -1
    last_call: tuple[Any, int, Call | None] | None = None

    cursor = QueryCursor(query_for(language))
    # Past a few thousand levels tree-sitter's query slows down sharply (10 s at 100,000 levels of
    # nested functions) and then drops captures: the frontend reports such files (see too_deep)
    cursor.set_max_start_depth(MAX_TREE_DEPTH)
    caps = cursor.captures(root)
    nodes = caps.get("n", [])
    # The binding groups captures per pattern; a stable sort by start keeps outer nodes first.
    nodes.sort(key=_START)

    for n in nodes:
        s = n.start_byte
        while stack_ends[-1] <= s:
            stack_ends.pop()
            stack_idx.pop()
        fi = stack_idx[-1]
        t = n.type
        if t == "call_expression":
            outer = False
            if s == last_call_start and last_call is not None:
                # Several calls start here (`a.b(x).c(y)`, `f(x)(y)`): only the innermost one has the
                # simple head the byte pattern sees; the outer ones take their callee from the tree.
                prev_node, prev_fi, prev_rec = last_call
                if n.end_byte < prev_node.end_byte:
                    callee = prev_node.child_by_field_name("function")
                    chain = chain_of(callee) if callee is not None else None
                    if prev_rec is not None:
                        prev_rec.chain = chain
                    elif _keep(chain, module_names, col.newvars):
                        calls.append(Call(prev_node, prev_fi, chain, s))
                else:
                    outer = True
            last_call_start = s
            # the callee read straight from the source bytes: `a.b.c(` / `f<T>(`; else from the tree
            m = None if outer else _CALL_HEAD_RE.match(source, s, s + 200)
            if m is not None:
                head = m.group(1).decode()
                chain = _SPLIT_RE.split(head) if "." in head else [head]
            else:
                callee = n.child_by_field_name("function")
                if callee is not None and callee.type == "await_expression":
                    # `await ctx.step<T>(...)` parses as a call of `await ctx.step`: the call is
                    # really the awaited one, so it starts after the keyword
                    callee = _awaited_callee(callee)
                    if callee is not None:
                        s = callee.start_byte
                chain = chain_of(callee) if callee is not None else None
            # only calls a rule can care about become records
            if not _keep(chain, module_names, col.newvars):
                if not outer:
                    last_call = (n, fi, None)
                continue
            rec = Call(n, fi, chain, s)
            calls.append(rec)
            if not outer:
                last_call = (n, fi, rec)
        elif t in FUNC_TYPES:
            name = pending_name.pop(s, None)
            if name is None and t != "arrow_function":
                nn = n.child_by_field_name("name")
                if nn is not None:
                    name = text(nn)
            idx = len(funcs)
            if fi == 0 and _DEFAULT_RE.search(source, max(0, s - 40), s):
                col.default_exports.add(idx)
                name = name or "default"
            end = n.end_byte
            if t == "arrow_function" and source.startswith(b"`", end):
                # `async () => sql<Row[]>`...``: the grammar ends the arrow before the template and makes
                # it a call of the arrow (see frontend._typed_tag_gap); the template is the arrow's body
                parent = n.parent
                if parent is not None and parent.type == "call_expression" and parent.start_byte == s:
                    end = parent.end_byte
            f = Func(n, s, end, fi, name)
            funcs.append(f)
            if name:
                col.fn_names.add(name)
            col.by_start[s] = idx
            if t in ("function_declaration", "generator_function_declaration") and name:
                b = Binding("func", fi, name, s)
                b.func = idx
                _bind(funcs, fi, b)
            elif t in ("function_expression", "generator_function") and name:
                nn = n.child_by_field_name("name")
                if nn is not None:
                    b = Binding("func", idx, text(nn), s)
                    b.func = idx
                    _bind(funcs, idx, b)
            stack_ends.append(end)
            stack_idx.append(idx)
        elif t == "new_expression":
            ctor = n.child_by_field_name("constructor")
            an = n.child_by_field_name("arguments")
            args = [a for a in an.named_children if a.type != "comment"] if an is not None else None
            col.news.append((n, fi, chain_of(ctor), args))
        elif t == "variable_declarator":
            nn = n.child_by_field_name("name")
            if nn is None:
                continue
            val = n.child_by_field_name("value")
            # the keyword sits right before the first declarator; later ones in a list count as `let`
            km = _KIND_RE.search(source, max(0, s - 16), s)
            kind = km.group(1).decode() if km else "let"
            bs: list[Binding] = []
            if nn.type == "identifier":
                b = Binding("var", fi, nn.text.decode(), nn.start_byte, value=val, decl=kind)  # type: ignore[union-attr]
                bs.append(b)
                if val is not None:
                    vt = val.type
                    v = val
                    if vt in _UNWRAP_TYPES:
                        v = unwrap(val)
                        vt = v.type if v is not None else ""
                    if vt in FUNC_VALUE_TYPES:
                        pending_name[v.start_byte] = b.name
                    elif vt == "new_expression" or (vt == "call_expression" and (_FACTORY_RE.match(
                            source, v.start_byte, v.start_byte + 200) or _MODULE_VALUE_RE.match(
                            source, v.start_byte))):
                        # a module namespace too (`const ids = require("./ids")` or `await import(...)`
                        # in a function): `ids.makeId()` is kept although `ids` is no module-level name
                        col.newvars.add(b.name)
            else:
                for nm, key, nd in pattern_names(nn):
                    b = Binding("var", fi, nm, nd.start_byte, value=val, decl=kind)
                    b.key = key
                    bs.append(b)
            for b in bs:
                _bind(funcs, fi, b)
            col.decls.append((fi, nn, val, bs))
        elif t in ("assignment_expression", "augmented_assignment_expression"):
            left = n.child_by_field_name("left")
            col.writes.append((n, fi, left, t))
            if fi == 0 and left is not None and left.type == "member_expression":
                m = _EXPORTS_RE.match(left.text)  # type: ignore[arg-type]  # bytes: the tree keeps its source
                right = n.child_by_field_name("right")
                if m and right is not None and right.type in FUNC_VALUE_TYPES:
                    pending_name[right.start_byte] = m.group(1).decode()
                elif right is not None and right.type == "object" and left.text in (b"module.exports", b"exports"):
                    # `module.exports = { makeId: () => ..., save: async function () {...} }`
                    for pair in right.named_children:
                        if pair.type == "spread_element":  # a CommonJS barrel: `{ ...require("./ids") }`
                            _export_whole(col, pair.named_children[0] if pair.named_children else None)
                            continue
                        if pair.type == "shorthand_property_identifier":
                            col.export_locals.append((text(pair), text(pair)))
                            continue
                        if pair.type != "pair":
                            continue
                        kn, value = pair.child_by_field_name("key"), unwrap(pair.child_by_field_name("value"))
                        if kn is None or kn.type != "property_identifier" or value is None:
                            continue
                        if value.type in FUNC_VALUE_TYPES:
                            pending_name[value.start_byte] = text(kn)
                        elif value.type == "identifier":
                            col.export_locals.append((text(kn), text(value)))
                elif right is not None and left.text == b"module.exports":
                    _export_whole(col, right)  # `module.exports = require("./ids")`
        elif t == "update_expression":
            col.writes.append((n, fi, n.child_by_field_name("argument"), t))
        elif t == "unary_expression":
            col.writes.append((n, fi, n.child_by_field_name("argument"), "delete"))
        elif t == "import_statement":
            _import(col, funcs, n)
        elif t == "export_statement":
            src = _string_value(n.child_by_field_name("source")) or ""
            star = ""  # "*", or the namespace of `export * as ns`
            for ch in n.children:
                if ch.type == "export_clause":
                    for sp in ch.named_children:
                        if sp.type != "export_specifier":
                            continue
                        sn = sp.child_by_field_name("name")  # nm is a str in this function
                        al = sp.child_by_field_name("alias")
                        col.reexports.append((text(al or sn), src, text(sn)))
                elif ch.type == "*" and not star:
                    star = "*"
                elif ch.type == "namespace_export":
                    ids = [c for c in ch.named_children if c.type == "identifier"]
                    star = text(ids[0]) if ids else ""
                elif ch.type == "ERROR":
                    star = ""  # `export type * from`: types only
                    break
            if star:
                col.star_exports.append(("" if star == "*" else star, src))
        elif t == "catch_clause":
            p = n.child_by_field_name("parameter")
            if p is not None:
                for nm, _k, nd in pattern_names(p):
                    _bind(funcs, fi, Binding("catch", fi, nm, nd.start_byte, decl="let"))
        elif t == "for_in_statement":
            left = n.child_by_field_name("left")
            kind_node = n.child_by_field_name("kind")
            if left is not None and kind_node is not None:
                for nm, _k, nd in pattern_names(left):
                    _bind(funcs, fi, Binding("loop", fi, nm, nd.start_byte, decl=kind_node.type))
    # member reads the rules care about, found by a byte search instead of a (slow) predicate query
    for s, e, prop in member_spans(source):
        node = root.named_descendant_for_byte_range(s, e)
        if node is not None and node.type == "property_identifier":
            node = node.parent
        if node is None or node.type != "member_expression":
            continue
        fi = _enclosing(funcs, s)
        col.members.append((node, fi, prop))
    return col


# What `\bprocess\s*\.\s*(env|pid)\b|(?<=\.)\s*awsRequestId\b` finds, without running a regex at every
# byte of the file (a leading \b or look-behind defeats the regex engine's literal search).
_PROCESS_REST_RE = re.compile(rb"process\s*\.\s*(env|pid)\b")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SPACE_BYTES = frozenset(b" \t\n\r\f\v")


def member_spans(source: bytes) -> list[tuple[int, int, str]]:
    """(start, end, "env" | "pid" | "awsRequestId") of `process.env`, `process.pid` and `.awsRequestId`
    (the span starting after the dot), in source order."""
    out: list[tuple[int, int, str]] = []
    i = source.find(b"process")
    while i >= 0:
        if i == 0 or source[i - 1] not in _WORD_BYTES:
            m = _PROCESS_REST_RE.match(source, i)
            if m is not None:
                out.append((i, m.end(), m.group(1).decode()))
        i = source.find(b"process", i + 7)
    i = source.find(b"awsRequestId")
    n = len(source)
    while i >= 0:
        end = i + 12
        if end == n or source[end] not in _WORD_BYTES:
            j = i
            while j > 0 and source[j - 1] in _SPACE_BYTES:
                j -= 1
            if j > 0 and source[j - 1] == 0x2E:  # "."
                out.append((j, end, "awsRequestId"))
        i = source.find(b"awsRequestId", end)
    out.sort()
    return out


def _enclosing(funcs: list[Func], pos: int, starts: list[int] | None = None) -> int:
    """Innermost function containing byte offset pos (functions are in document order)."""
    if starts is not None:
        i = bisect.bisect_right(starts, pos) - 1
    else:  # bisect_right over the functions' starts without building their list (a compiled class
        # with __getitem__ is no sequence to bisect)
        lo, hi = 0, len(funcs)
        while lo < hi:
            mid = (lo + hi) // 2
            if pos < funcs[mid].start:
                hi = mid
            else:
                lo = mid + 1
        i = lo - 1
    while i > 0:
        f = funcs[i]
        if f.start <= pos < f.end:
            return i
        i = f.parent
    return 0


def required_module(node: Any) -> str | None:
    """The specifier of `require("<spec>")`, or None for any other expression."""
    node = unwrap(node)
    if node is None or node.type != "call_expression":
        return None
    fn = node.child_by_field_name("function")
    args = node.child_by_field_name("arguments")
    if fn is None or fn.type != "identifier" or fn.text != b"require" or args is None:
        return None
    named = [a for a in args.named_children if a.type != "comment"]
    return _string_value(named[0]) if len(named) == 1 else None


def awaited_import(node: Any) -> str | None:
    """The specifier of `await import("<spec>")` (parentheses and casts around it allowed): the module
    namespace, as `require("<spec>")` gives it. An import() not awaited is a promise, so None."""
    inner = unwrap(node)
    if inner is None or inner.type != "call_expression":
        return None
    fn = inner.child_by_field_name("function")
    args = inner.child_by_field_name("arguments")
    if fn is None or fn.type != "import" or args is None:
        return None
    named = [a for a in args.named_children if a.type != "comment"]
    if not 1 <= len(named) <= 2:  # a second argument holds import attributes
        return None
    p = inner.parent
    while p is not None and node.start_byte <= p.start_byte and p.end_byte <= node.end_byte:
        if p.type == "await_expression":
            return _string_value(named[0])
        p = p.parent
    return None


def loaded_module(node: Any) -> str | None:
    """The specifier of `require("<spec>")` or `await import("<spec>")`: an expression that is the module."""
    return required_module(node) or awaited_import(node)


def _export_whole(col: Collected, node: Any) -> None:
    """`module.exports = require("./x")` or `{ ...require("./x") }` / `{ ...x }`: all of x is exported."""
    mod = required_module(node)
    if mod is not None:
        col.star_exports.append(("", mod))
    elif node is not None and node.type == "identifier":
        col.export_locals.append(("...", text(node)))


def _import(col: Collected, funcs: list[Func], n: Any) -> None:
    src = _string_value(n.child_by_field_name("source"))
    if src is None:
        return
    for clause in n.named_children:
        if clause.type != "import_clause":
            continue
        for ch in clause.named_children:
            if ch.type == "identifier":
                _add_import(col, funcs, text(ch), src, "default", ch.start_byte)
            elif ch.type == "namespace_import":
                for idn in ch.named_children:
                    if idn.type == "identifier":
                        _add_import(col, funcs, text(idn), src, "*", idn.start_byte)
            elif ch.type == "named_imports":
                for sp in ch.named_children:
                    if sp.type != "import_specifier":
                        continue
                    nm = sp.child_by_field_name("name")
                    al = sp.child_by_field_name("alias")
                    _add_import(col, funcs, text(al or nm), src, text(nm), sp.start_byte)


def _add_import(col: Collected, funcs: list[Func], local: str, module: str, imported: str, start: int) -> None:
    b = Binding("import", 0, local, start)
    b.module = module
    b.imported = imported
    col.imports[local] = b
    funcs[0].names[local] = b


def module_of(b: Binding) -> str:
    return normalize_module(b.module)
