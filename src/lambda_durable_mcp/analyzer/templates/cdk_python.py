"""CDK apps in Python -> ``DurableFn`` records (stdlib ``ast``).

Reads ``aws_lambda.Function`` / ``CfnFunction``, ``aws_lambda_nodejs.NodejsFunction`` and
``aws_lambda_python_alpha.PythonFunction`` calls, resolved through the file's ``aws_cdk`` imports
(``from aws_cdk import aws_lambda as _lambda``, ``import aws_cdk as cdk`` then ``cdk.aws_lambda``, direct
and ``*`` imports), with a ``durable_config`` keyword. Values come from literals and from names assigned
once in this file (a local of the enclosing function, else a module constant); ``**`` of a dict literal or
``dict(...)`` is read in place. Anything else (a parameter, a helper's result, another module's constant)
is UNKNOWN and not judged. ``Duration.seconds/minutes/hours/days/millis`` are evaluated.
"""

from __future__ import annotations

import ast
import math
import os
import re
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import EnvTarget
from lambda_durable_mcp.analyzer.templates.cdk import CDK_RUNTIMES, _app_dirs
from lambda_durable_mcp.analyzer.templates.rules import (
    DURABLE_POLICY,
    UNKNOWN,
    DurableFn,
    Pos,
    RoleCheck,
    allows_actions,
    denies_actions,
    function_id_state,
    handler_files,
    in_runtime_language,
    qualifier_state,
)

_LAMBDA = "aws_cdk.aws_lambda"
_IAM = "aws_cdk.aws_iam"
FUNCTION_CLASSES = {
    f"{_LAMBDA}.Function": "Function",
    f"{_LAMBDA}.CfnFunction": "CfnFunction",
    "aws_cdk.aws_lambda_nodejs.NodejsFunction": "NodejsFunction",
    "aws_cdk.aws_lambda_python_alpha.PythonFunction": "PythonFunction",
}
_FUNCTION_KINDS = set(FUNCTION_CLASSES) | {f"{_LAMBDA}.DockerImageFunction", f"{_LAMBDA}.SingletonFunction"}
_QUALIFIED_KINDS = {f"{_LAMBDA}.{c}" for c in ("Alias", "Version", "CfnAlias", "CfnVersion")}
_UNIT_SECONDS = {"millis": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# What a `from aws_cdk.aws_lambda import *` may bring in that this module reads.
_STAR_KNOWN = _FUNCTION_KINDS | _QUALIFIED_KINDS | {
    f"{_LAMBDA}.{c}" for c in ("Runtime", "Code", "DurableConfig", "CfnFunction")} | {
    f"{_IAM}.{c}" for c in ("Role", "PolicyStatement", "ManagedPolicy", "Effect", "Policy", "PolicyDocument")} | {
    "aws_cdk.Duration", "aws_cdk.PhysicalName"}
_GRANT_METHODS = ("add_managed_policy", "add_to_policy", "add_to_principal_policy", "attach_inline_policy")
_POLICY_METHODS = (*_GRANT_METHODS, "add_to_role_policy", "add_statements")
_POLICY_KEYWORDS = ("managed_policies", "inline_policies", "statements", "document")
_SCOPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _pos(n: Any) -> Pos:
    line, col = n.lineno, n.col_offset
    same = (n.end_lineno or line) == line
    return Pos(line, col + 1, ((n.end_col_offset or col) + 1) if same else col + 2)


def _key_pos(at: Any) -> Pos:
    """The key alone: ``durable_config`` of ``durable_config=...``, or a dict key."""
    if isinstance(at, ast.keyword) and at.arg:
        return Pos(at.lineno, at.col_offset + 1, at.col_offset + 1 + len(at.arg))
    return _pos(at)


def _pair_pos(at: Any, value: Any) -> Pos:
    """From the key to the end of its value (a multi-line value ends one column after the start, as in cdk.py)."""
    same = (value.end_lineno or value.lineno) == at.lineno
    return Pos(at.lineno, at.col_offset + 1, ((value.end_col_offset or 0) + 1) if same else at.col_offset + 2)


def _ref(n: Any) -> str | None:
    """``fn`` or ``self.fn``: what a variable reference is written as; None for anything else."""
    parts: list[str] = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name):
        return None
    return ".".join([n.id, *reversed(parts)])


Props = dict[str, tuple[Any, Any]]  # keyword -> (where it is written, value)


class _File:
    def __init__(self, source: str, path: Path, tree: ast.Module) -> None:
        self.source = source
        self.path = path
        self.tree = tree
        self.parent: dict[ast.AST, ast.AST] = {}
        self.scope: dict[ast.AST, ast.AST] = {}  # node -> innermost module/def/lambda/class around it
        self.names: dict[str, str] = {}          # local name -> what it imports from aws_cdk
        self.star: list[str] = []                # aws_cdk modules imported with *
        # (id of a scope, name) -> the value assigned once there; None when assigned otherwise or more than once
        self.values: dict[tuple[int, str], ast.AST | None] = {}
        self.nodes: list[ast.AST] = []
        self._index()
        # what the per-function checks look up, found once per file (not once per function): the name and
        # self.x references by how they are written, and the calls by what they construct
        self.order = {id(n): i for i, n in enumerate(self.nodes)}
        self.refs: dict[str, list[ast.AST]] = {}
        for n in self.nodes:
            if isinstance(n, ast.Name) or (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                                           and n.value.id == "self"):
                written = _ref(n)
                if written:
                    self.refs.setdefault(written, []).append(n)
        self._by_qual: dict[str, list[ast.Call]] | None = None

    def calls_of(self, *quals: str) -> list[ast.Call]:
        """The calls of these aws_cdk classes or functions, in file order."""
        if self._by_qual is None:
            self._by_qual = {}
            for n in self.nodes:
                if isinstance(n, ast.Call):
                    q = self.call_qual(n)
                    if q:
                        self._by_qual.setdefault(q, []).append(n)
        out = [c for q in quals for c in self._by_qual.get(q, ())]
        return sorted(out, key=lambda c: self.order[id(c)]) if len(quals) > 1 else out

    def uses(self, var: str, at: ast.AST) -> list[ast.AST]:
        """Where the variable ``var`` bound at ``at`` is written (see ``same``), in file order."""
        return [n for n in self.refs.get(var, ()) if self.same(n, var, at)]

    def method_calls(self, var: str, at: ast.AST, *methods: str) -> list[ast.Call]:
        """``var.method(...)`` calls, in file order."""
        out = []
        for n in self.uses(var, at):
            p = self.parent.get(n)
            if isinstance(p, ast.Attribute) and p.attr in methods:
                c = self.parent.get(p)
                if isinstance(c, ast.Call) and c.func is p:
                    out.append(c)
        return out

    def _bind(self, scope: ast.AST, name: str, value: ast.AST | None) -> None:
        key = (id(scope), name)
        self.values[key] = None if key in self.values else value

    def _index(self) -> None:
        stack: list[tuple[ast.AST, ast.AST]] = [(self.tree, self.tree)]
        while stack:
            node, scope = stack.pop()
            self.nodes.append(node)
            self.scope[node] = scope
            inner = node if isinstance(node, _SCOPES) else scope
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                a = node.args
                for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                    if arg is not None:
                        self.values[(id(node), arg.arg)] = None  # a parameter: unknown
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        self._bind(scope, t.id, node.value)
                    elif isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                        cls = self.class_of(node)
                        if cls is not None:
                            self._bind(cls, "self." + t.attr, node.value)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
                parent = self.parent.get(node)
                if not (isinstance(parent, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node in (
                        parent.targets if isinstance(parent, ast.Assign) else [parent.target])):
                    self.values[(id(scope), node.id)] = None  # a loop variable, a tuple target, x += 1
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == "aws_cdk" or alias.name.startswith("aws_cdk."):
                        if alias.asname:
                            self.names[alias.asname] = alias.name
                        else:
                            self.names["aws_cdk"] = "aws_cdk"
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                    node.module == "aws_cdk" or node.module.startswith("aws_cdk.")):
                for alias in node.names:
                    if alias.name == "*":
                        self.star.append(node.module)
                    else:
                        self.names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            for child in reversed(list(ast.iter_child_nodes(node))):
                self.parent[child] = node
                stack.append((child, inner))

    def class_of(self, n: ast.AST) -> ast.AST | None:
        p = self.parent.get(n)
        while p is not None and not isinstance(p, ast.ClassDef):
            p = self.parent.get(p)
        return p

    def fn_scope(self, n: ast.AST) -> ast.AST:
        """The function (or module) whose locals ``n`` sees: class bodies are skipped, as in Python."""
        s = self.scope.get(n, self.tree)
        while isinstance(s, ast.ClassDef):
            s = self.scope.get(s, self.tree)
        return s

    def _lookup(self, n: ast.AST) -> tuple[bool, ast.AST | None]:
        """(found, value) of a name or ``self.x`` as assigned in this file."""
        if isinstance(n, ast.Name):
            s: ast.AST = self.scope.get(n, self.tree)
            first = True
            while True:
                if (first or not isinstance(s, ast.ClassDef)) and (id(s), n.id) in self.values:
                    return True, self.values[(id(s), n.id)]
                if s is self.tree:
                    return False, None
                first = False
                s = self.scope.get(s, self.tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self":
            cls = self.class_of(n)
            if cls is not None and (id(cls), "self." + n.attr) in self.values:
                return True, self.values[(id(cls), "self." + n.attr)]
        return False, None

    def deref(self, n: ast.AST | None) -> ast.AST | None:
        for _ in range(12):
            if n is None:
                return None
            found, value = self._lookup(n)
            if not found or value is None:
                return n
            n = value
        return n

    def qual(self, n: ast.AST | None) -> str | None:
        """``aws_cdk.aws_lambda.Function`` for ``_lambda.Function``; None when it is not from aws_cdk."""
        ref = _ref(n)
        if ref is None:
            return None
        head, dot, rest = ref.partition(".")
        base = self.names.get(head)
        if base is None:
            base = next((f"{m}.{head}" for m in self.star if f"{m}.{head}" in _STAR_KNOWN), None)
            if base is None:
                return None
        return base + dot + rest

    def call_qual(self, n: ast.AST | None) -> str:
        return (self.qual(n.func) or "") if isinstance(n, ast.Call) else ""

    def call_props(self, call: ast.Call, depth: int = 0) -> tuple[Props, bool]:
        """The keywords of a call, ``**`` of a dict in this file read in place; False when a ``**`` is not."""
        out: Props = {}
        whole = True
        for kw in call.keywords:
            if kw.arg is not None:
                out[kw.arg] = (kw, kw.value)
            else:
                sub, ok = self.mapping(kw.value, depth + 1)
                whole &= ok
                out.update(sub)
        return out, whole

    def mapping(self, node: ast.AST | None, depth: int = 0) -> tuple[Props, bool]:
        """The string keys of a dict literal or ``dict(k=v)``; later keys override earlier ones."""
        n = self.deref(node)
        if depth > 10:
            return {}, False
        if isinstance(n, ast.Dict):
            out: Props = {}
            whole = True
            for k, v in zip(n.keys, n.values, strict=False):
                if k is None:
                    sub, ok = self.mapping(v, depth + 1)
                    whole &= ok
                    for key, val in sub.items():
                        out.pop(key, None)
                        out[key] = val
                elif isinstance(k, ast.Constant) and isinstance(k.value, str):
                    out.pop(k.value, None)
                    out[k.value] = (k, v)
                else:
                    whole = False
            return out, whole
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "dict" and len(n.args) <= 1:
            base, whole = self.mapping(n.args[0], depth + 1) if n.args else ({}, True)  # dict(COMMON, k=v)
            if n.args and isinstance(self.deref(n.args[0]), ast.List | ast.Tuple | ast.ListComp | ast.GeneratorExp):
                return {}, False  # dict([("k", v)]): pairs, not read
            sub, ok = self.call_props(n, depth + 1)
            for key, val in sub.items():
                base.pop(key, None)
                base[key] = val
            return base, whole and ok
        return {}, False

    def number(self, node: ast.AST | None, depth: int = 0) -> Any:
        n = self.deref(node)
        if n is None or depth > 50:
            return UNKNOWN
        v: Any = UNKNOWN
        if isinstance(n, ast.Constant) and isinstance(n.value, int | float) and not isinstance(n.value, bool):
            try:
                v = float(n.value)
            except OverflowError:
                return UNKNOWN
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub | ast.UAdd):
            v = self.number(n.operand, depth + 1)
            if v is not UNKNOWN and isinstance(n.op, ast.USub):
                v = -v
        elif isinstance(n, ast.BinOp):
            a, b = self.number(n.left, depth + 1), self.number(n.right, depth + 1)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            if isinstance(n.op, ast.Mult):
                v = a * b
            elif isinstance(n.op, ast.Add):
                v = a + b
            elif isinstance(n.op, ast.Sub):
                v = a - b
            elif isinstance(n.op, ast.Div) and b:
                v = a / b
            elif isinstance(n.op, ast.FloorDiv) and b:
                v = float(a // b)
        return v if v is UNKNOWN or math.isfinite(v) else UNKNOWN

    def duration_seconds(self, node: ast.AST | None) -> Any:
        n = self.deref(node)
        q = self.call_qual(n)
        unit = q.rsplit(".", 1)[-1]
        if not isinstance(n, ast.Call) or q != f"aws_cdk.Duration.{unit}" or unit not in _UNIT_SECONDS:
            return UNKNOWN
        amount = n.args[0] if n.args else next((k.value for k in n.keywords if k.arg == "amount"), None)
        v = self.number(amount)
        return UNKNOWN if v is UNKNOWN else v * _UNIT_SECONDS[unit]

    def string(self, node: ast.AST | None, depth: int = 0) -> str | None:
        n = self.deref(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            return n.value
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and depth < 20:  # "arn:...:policy/" + NAME
            left, right = self.string(n.left, depth + 1), self.string(n.right, depth + 1)
            return None if left is None or right is None else left + right
        if isinstance(n, ast.JoinedStr) and all(isinstance(v, ast.Constant) for v in n.values):
            return "".join(str(v.value) for v in n.values if isinstance(v, ast.Constant))
        return None

    def same(self, n: ast.AST | None, var: str, at: ast.AST) -> bool:
        """Whether ``n`` refers to the variable ``var`` bound at ``at``: a local of the same function, or
        ``self.x`` of the same class."""
        if n is None or _ref(n) != var:
            return False
        if var.startswith("self."):
            return self.class_of(n) is self.class_of(at)
        return self.fn_scope(n) is self.fn_scope(at)

    def spell(self, qualified: str, default: str) -> str:
        """How this file writes ``aws_cdk.aws_lambda.Alias`` with its own imports (``Alias``,
        ``_lambda.Alias``, ``cdk.aws_lambda.Alias``): the shortest; ``default`` when nothing imports it."""
        found = []
        for local, q in self.names.items():
            if q == qualified:
                found.append(local)
            elif qualified.startswith(q + "."):
                found.append(local + qualified[len(q):])
        if not found and qualified.rsplit(".", 1)[0] in self.star:
            found.append(qualified.rsplit(".", 1)[1])
        return min(found, key=lambda s: (len(s), s)) if found else default


def _binding(f: _File, call: ast.AST) -> str | None:
    """The variable a call is assigned to: ``fn`` or ``self.fn``."""
    p = f.parent.get(call)
    if isinstance(p, ast.Assign) and p.value is call and len(p.targets) == 1:
        return _ref(p.targets[0])
    if isinstance(p, ast.AnnAssign | ast.NamedExpr) and p.value is call:
        return _ref(p.target)
    return None


def functions(source: str, path: Path) -> list[DurableFn]:
    from lambda_durable_mcp.analyzer.python.downlevel import parse_any

    tree, _ = parse_any(source, str(path))
    if tree is None:
        return []  # the Python frontend reports the syntax error
    f = _File(source, path, tree)
    if not f.names and not f.star:
        return []
    calls = sorted((n for n in f.nodes if isinstance(n, ast.Call) and f.call_qual(n) in FUNCTION_CLASSES),
                   key=lambda n: (n.lineno, n.col_offset))
    out: list[DurableFn] = []
    for call in calls:
        cls = FUNCTION_CLASSES[f.call_qual(call)]
        ident_node = call.args[1] if len(call.args) > 1 else next(
            (k.value for k in call.keywords if k.arg == "id"), None)
        if ident_node is None:
            continue
        props, whole = f.call_props(call)
        if "durable_config" not in props:
            if whole:  # a ``**`` not read may hold durable_config
                plain = _without_config(f, call, cls, ident_node, props)
                if plain is not None:
                    out.append(plain)
            continue
        value = f.deref(props["durable_config"][1])
        if isinstance(value, ast.Constant) and value.value is None:  # durable_config=None: none at all
            if whole:
                rest = {k: v for k, v in props.items() if k != "durable_config"}
                plain = _without_config(f, call, cls, ident_node, rest)
                if plain is not None:
                    plain.py_names["config_none"] = "yes"
                    plain.durable_text = "durable_config (it is None)"
                    out.append(plain)
            continue
        out.append(_function(f, call, cls, ident_node, props))
    return out


def _shown_name(f: _File, ident_node: ast.AST, var: str | None) -> tuple[str, str]:
    """(name in messages, construct id as written): a computed id is named by its variable too."""
    literal = f.string(ident_node)
    ident = literal if literal is not None else " ".join(ast.unparse(ident_node).split())
    return (ident if literal is not None or not var else f"{var} (id {ident})"), ident


def _without_config(f: _File, call: ast.Call, cls: str, ident_node: ast.AST, props: Props) -> DurableFn | None:
    """A function with no durable_config, kept to check that its handler is no durable one (DUR050)."""
    if cls == "CfnFunction":
        return None
    shown, ident = _shown_name(f, ident_node, _binding(f, call))
    fn = DurableFn(name=shown, pos=_pos(call), durable_pos=_pos(call), syntax="cdk-python", durable=False,
                   durable_text="durable_config")
    fn.py_names = _py_names(f)
    handler = f.string(props["handler"][1]) if "handler" in props else None
    if handler is None and "handler" in props:
        return None  # computed: unknown
    fn.handler = handler or ("handler" if cls in ("NodejsFunction", "PythonFunction") else "")
    _code(f, fn, cls, props)
    runtime = _runtime(f, props["runtime"][1]) if "runtime" in props else None
    fn.code_files = in_runtime_language(fn.code_files, runtime, node=cls == "NodejsFunction")
    return fn if fn.handler and fn.code_files else None


def _py_names(f: _File) -> dict[str, str]:
    """How fix texts spell what they add, with the file's own imports."""
    missing = []  # the imports DUR050's added durable_config needs, when the file lacks them
    if not f.spell(f"{_LAMBDA}.DurableConfig", ""):
        missing.append("from aws_cdk import aws_lambda as _lambda")
    if not f.spell("aws_cdk.Duration", ""):
        missing.append("from aws_cdk import Duration")
    return {
        "DurableConfig": f.spell(f"{_LAMBDA}.DurableConfig", "_lambda.DurableConfig"),
        "Duration": f.spell("aws_cdk.Duration", "Duration"),
        "ManagedPolicy": f.spell(f"{_IAM}.ManagedPolicy", "iam.ManagedPolicy"),
        "config_imports": "; ".join(missing),
    }


def _function(f: _File, call: ast.Call, cls: str, ident_node: ast.AST, props: Props) -> DurableFn:
    cfn = cls == "CfnFunction"
    var = _binding(f, call)
    shown, _ = _shown_name(f, ident_node, var)
    d_at, d_val = props["durable_config"]
    fn = DurableFn(name=shown, pos=_pos(call), durable_pos=_key_pos(d_at), timeout_text="execution_timeout",
                   retention_text="retention_period_in_days" if cfn else "retention_period",
                   function_name_text="function_name", syntax="cdk-python", durable_text="durable_config")
    fn.py_names = _py_names(f)
    config = f.deref(d_val)
    q = f.call_qual(config)
    if isinstance(config, ast.Call) and q in (f"{_LAMBDA}.DurableConfig", f"{_LAMBDA}.CfnFunction.DurableConfigProperty"):
        dprops, whole = f.call_props(config)
        whole = whole and not config.args
    elif isinstance(config, ast.Dict):  # the dict form of a Cfn* property type
        dprops, whole = f.mapping(config)
        # a key spelled otherwise (executionTimeout) may be read by jsii: not judged
        whole = whole and not any(k != "execution_timeout" and k.replace("_", "").lower() == "executiontimeout"
                                  for k in dprops)
    else:
        dprops, whole = {}, False
    if not whole and "execution_timeout" not in dprops:
        fn.timeout = UNKNOWN
    if "execution_timeout" in dprops:
        at, val = dprops["execution_timeout"]
        fn.timeout = f.number(val) if cfn else f.duration_seconds(val)
        fn.timeout_pos = _pair_pos(at, val)
    if cfn and "retention_period_in_days" in dprops:
        at, val = dprops["retention_period_in_days"]
        fn.retention, fn.retention_pos = f.number(val), _pair_pos(at, val)
    elif not cfn and "retention_period" in dprops:
        at, val = dprops["retention_period"]
        secs = f.duration_seconds(val)
        fn.retention, fn.retention_pos = (UNKNOWN if secs is UNKNOWN else secs / 86400), _pair_pos(at, val)

    if "runtime" in props:
        at, val = props["runtime"]
        fn.runtime, fn.runtime_pos = _runtime(f, val), _pair_pos(at, val)
        fn.runtime_text = ast.unparse(val)
    if "function_name" in props:
        at, val = props["function_name"]
        named = f.deref(val)
        if not (f.qual(named) == "aws_cdk.PhysicalName.GENERATE_IF_NEEDED"
                or (isinstance(named, ast.Constant) and named.value is None)):
            fn.function_name_pos = _pair_pos(at, val)
            fn.name_refs = _name_references(f, val)
    if "role" in props and not cfn:
        fn.role = _role_check(f, props["role"][1], var, call)

    fn.has_version = _has_version(f, call, var)
    shown_var = var or _var_name(f, ident_node)
    alias_cls = f.spell(f"{_LAMBDA}.Alias", "_lambda.Alias")
    live, live_id = _alias_names(shown_var)
    alias = f'{live} = {alias_cls}(self, "{live_id}", alias_name="live", version={shown_var}.current_version)'
    fn.version_hint = (f"Create an alias on a published version: {alias}; invoke and grant on the alias "
                       f"({live}.function_arn).")
    if not var:  # the function is not in a variable yet: the alias needs one
        written = " ".join(ast.unparse(call.func).split())
        fn.version_hint = (f"Assign the function to a variable ({shown_var} = {written}(self, ...)), then create "
                           f"an alias on a published version: {alias}; invoke and grant on the alias "
                           f"({live}.function_arn).")
    if not fn.has_version and var and any(isinstance(f.parent.get(n), ast.Attribute)
                                           and f.parent[n].attr == "latest_version" for n in f.uses(var, call)):
        fn.version_note = ("has only latest_version, which is $LATEST (an alias on it still runs whatever was "
                           "deployed last)")
        fn.version_hint = (f"Create an alias on a published version: {alias}; invoke and grant on the alias "
                           f"({live}.function_arn; in IAM f\"{{{var}.function_arn}}:*\" covers every version) "
                           f"instead of {var}.latest_version.")
    _code(f, fn, cls, props)
    fn.env_targets = _env_targets(f, props, var, call, fn.code_dir)
    return fn


def _alias_names(var: str) -> tuple[str, str]:
    """The alias's variable and construct id for the function in `var` (orders_fn -> orders_fn_live,
    "OrdersFnLive"): one alias per function, so that two fixes in one stack do not collide."""
    return f"{var}_live", "".join(p[:1].upper() + p[1:] for p in var.split("_") if p) + "Live"


def _var_name(f: _File, ident_node: ast.AST) -> str:
    """A variable name for an unassigned function, from its construct id: "OrdersFn" -> "orders_fn"."""
    import keyword

    ident = f.string(ident_node) or ""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", ident)
    name = re.sub(r"\W+", "_", name).strip("_").lower()
    if not name.isidentifier() or keyword.iskeyword(name) or name in ("self", "live") or name in f.names:
        return "fn"
    return name


def _runtime(f: _File, val: ast.AST) -> Any:
    s = f.string(val)
    if s is not None:
        return s
    n = f.deref(val)
    if isinstance(n, ast.Call) and f.call_qual(n) == f"{_LAMBDA}.Runtime":  # _lambda.Runtime("nodejs22.x", ...)
        first = n.args[0] if n.args else next((k.value for k in n.keywords if k.arg == "name"), None)
        return f.string(first) or UNKNOWN
    q = f.qual(n) or ""
    if q.startswith(f"{_LAMBDA}.Runtime.") and q.count(".") == 3:
        return CDK_RUNTIMES.get(q.rsplit(".", 1)[1], UNKNOWN)
    return UNKNOWN


def _has_version(f: _File, call: ast.Call, var: str | None) -> bool:
    p = f.parent.get(call)
    if isinstance(p, ast.Attribute) and p.attr in ("current_version", "add_alias"):
        return True
    if isinstance(p, ast.Return | ast.Lambda):
        return True  # handed to the caller, who may publish it: not judged
    if not var:
        return False
    if var.startswith("self.") and not var[len("self."):].startswith("_"):
        return True  # a public attribute of a construct: its users may publish it
    for u in f.uses(var, call):
        n = f.parent.get(u)
        if isinstance(n, ast.Attribute) and n.attr in ("current_version", "add_alias"):
            return True
        if isinstance(n, ast.Return) and n.value is u:
            return True
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and n.value is u:
            target = _ref(n.targets[0]) or ""
            if target.startswith("self.") and not target[len("self."):].startswith("_"):
                return True  # self.fn = fn: exposed
    for n in f.calls_of(f"{_LAMBDA}.Version"):
        props, _ = f.call_props(n)
        if "lambda_" in props and f.same(props["lambda_"][1], var, call):
            return True
    for n in f.calls_of(f"{_LAMBDA}.CfnVersion", f"{_LAMBDA}.CfnAlias"):
        if any(isinstance(m, ast.Attribute) and m.attr in ("ref", "attr_arn") and f.same(m.value, var, call)
               for m in ast.walk(n)):
            return True
    return False


def _environment_value(f: _File, n: ast.AST) -> bool:
    """Whether a node is a whole environment value: ``environment={"X": n}`` or ``add_environment("X", n)``."""
    p = f.parent.get(n)
    if isinstance(p, ast.Dict) and any(v is n for v in p.values):
        kw = f.parent.get(p)
        return isinstance(kw, ast.keyword) and kw.arg == "environment"
    if isinstance(p, ast.Call) and len(p.args) >= 2 and p.args[1] is n:
        return isinstance(p.func, ast.Attribute) and p.func.attr == "add_environment"
    return False


def _name_references(f: _File, value: ast.AST) -> list[str]:
    """Other places in the file that use a fixed ``function_name`` as the function's name ("line N", for
    DUR053's fix): the same text (or the constant holding it) as a whole environment value, or after
    ``:function:`` in an ARN or ``/aws/lambda/`` in a log group name. ``fn.function_name`` keeps working."""
    literal = f.string(value)
    ident = value.id if isinstance(value, ast.Name) else ""
    if not literal and not ident:
        return []
    skip: set[int] = {id(value)}
    held = f.deref(value)
    if held is not None:
        skip.add(id(held))
    names = [re.escape(literal)] if literal else []
    if ident:
        names.append(r"\{\s*" + re.escape(ident) + r"\s*\}")
    in_arn = re.compile(r"(?::function:|/aws/lambda/)(?:" + "|".join(names) + r")(?![\w-])")
    lines: set[int] = set()
    for n in f.nodes:
        if id(n) in skip:
            continue
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            if isinstance(f.parent.get(n), ast.JoinedStr):
                continue  # read with its f-string
            if in_arn.search(n.value) or (literal and n.value == literal and _environment_value(f, n)):
                lines.add(n.lineno)
        elif isinstance(n, ast.JoinedStr):
            text = "".join(str(v.value) if isinstance(v, ast.Constant) else
                           "{" + (_ref(v.value) or "?") + "}" if isinstance(v, ast.FormattedValue) else "?"
                           for v in n.values)
            if in_arn.search(text):
                lines.add(n.lineno)
        elif isinstance(n, ast.Name) and ident and n.id == ident and isinstance(n.ctx, ast.Load) \
                and _environment_value(f, n):
            lines.add(n.lineno)
    return [f"line {line}" for line in sorted(lines)]


# --- DUR051 -----------------------------------------------------------------------------------------

def _role_check(f: _File, val: ast.AST, fn_var: str | None, fn_call: ast.Call) -> RoleCheck | None:
    role_node = f.deref(val)
    if not isinstance(role_node, ast.Call) or f.call_qual(role_node) != f"{_IAM}.Role":
        return None  # Role.from_role_arn, a parameter, a role from another stack: not verifiable here
    role_var = _binding(f, role_node)
    # the calls that may grant to the role, in file order (looked up through the file's index)
    found: list[tuple[ast.Call, ast.AST]] = []
    if role_var:
        found += [(m, m) for m in f.method_calls(role_var, role_node, *_GRANT_METHODS)]
        for u in f.uses(role_var, role_node):
            m = f.parent.get(u)
            if isinstance(m, ast.Call) and m.args and m.args[0] is u and isinstance(m.func, ast.Attribute) \
                    and m.func.attr == "attach_to_role":
                found.append((m, f.deref(m.func.value) or m.func.value))  # policy.attach_to_role(role)
    if fn_var:
        found += [(m, m) for m in f.method_calls(fn_var, fn_call, "add_to_role_policy")]
        for u in f.uses(fn_var, fn_call):
            owner = f.parent.get(u)
            if isinstance(owner, ast.Attribute) and owner.attr == "role":
                grant = f.parent.get(owner)
                m = f.parent.get(grant) if grant is not None else None
                if isinstance(grant, ast.Attribute) and grant.attr in _GRANT_METHODS and isinstance(m, ast.Call) \
                        and m.func is grant:
                    found.append((m, m))  # fn.role.add_managed_policy(...)
    if role_var:
        for m in f.calls_of(f"{_IAM}.Policy", f"{_IAM}.ManagedPolicy"):
            roles = f.deref(next((k.value for k in m.keywords if k.arg == "roles"), None))
            if isinstance(roles, ast.List | ast.Tuple) and any(f.same(r, role_var, role_node) for r in roles.elts):
                found.append((m, m))
    found.sort(key=lambda pair: f.order[id(pair[0])])
    nodes: list[ast.AST] = [role_node, *(held for _, held in found)]
    # Follow names assigned in this file (a statement or document built above); a name in a policy position
    # that cannot be followed (a parameter, an import) may grant anything: not judged.
    visited: list[ast.AST] = []
    unknown = False
    seen: set[int] = set()
    policy_holders: set[int] = set()  # lists and dicts reached through a name in a policy position
    todo = list(nodes)
    while todo and len(seen) < 200:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        visited.append(node)
        for n in ast.walk(node):
            if not isinstance(n, ast.Name) and not (isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                                                    and n.value.id == "self"):
                continue
            if _ref(n) in (role_var, fn_var, "self") or f.qual(n) is not None \
                    or not _policy_position(f, n, policy_holders):
                continue  # only what holds a policy is followed: a function named in a Resource is not read
            held = f.deref(n)
            if held is not None and held is not n:
                todo.append(held)
                policy_holders.add(id(held))
            else:
                unknown = True
    name = role_var or "role"
    pos = _pos(role_node)
    # ManagedPolicy.from_managed_policy_arn(self, id, "arn:${AWS::Partition}:...") keeps the text as is: invalid
    bad: set[int] = set()
    allowed: list[str] = []
    denied: list[str] = []
    granted = False
    for node in visited:
        for m in ast.walk(node):
            if not isinstance(m, ast.Call):
                continue
            q = f.call_qual(m)
            if q == f"{_IAM}.ManagedPolicy.from_aws_managed_policy_name":
                name_node = m.args[0] if m.args else next(
                    (k.value for k in m.keywords if k.arg == "managed_policy_name"), None)
                granted |= DURABLE_POLICY in (f.string(name_node) or "")
            elif q == f"{_IAM}.ManagedPolicy.from_managed_policy_arn":
                arn_node = m.args[2] if len(m.args) > 2 else next(
                    (k.value for k in m.keywords if k.arg == "managed_policy_arn"), None)
                arn = f.string(arn_node)
                held = f.deref(arn_node)
                if arn is not None and held is not None and "${" in arn and DURABLE_POLICY in arn:
                    bad.update(id(x) for x in ast.walk(held))
                elif arn is not None and DURABLE_POLICY in arn:
                    granted = True
            elif q == f"{_IAM}.PolicyStatement":
                unknown |= _statement(f, m, allowed, denied)
            elif q.startswith(f"{_IAM}.") and q.endswith((".from_json", ".from_policy_name", ".from_managed_policy_name")):
                unknown = True  # a document or customer policy read from elsewhere
    for node in visited:
        for m in ast.walk(node):
            if isinstance(m, ast.Constant) and isinstance(m.value, str) and DURABLE_POLICY in m.value \
                    and id(m) not in bad:
                granted = True
    blocked = denies_actions(denied)
    if blocked:
        return RoleCheck("missing", pos, name, problem="deny", detail=", ".join(blocked))
    if granted or allows_actions(allowed):
        return RoleCheck("ok", pos, name)
    if unknown:
        return RoleCheck("unknown", pos, name)
    return RoleCheck("missing", pos, name, problem="nosub" if bad else "")


def _policy_position(f: _File, n: ast.AST, holders: set[int]) -> bool:
    """Whether a name stands where a policy, statement or document goes: ``managed_policies=[p]``,
    ``inline_policies={"x": doc}``, ``statements=[s]``, ``role.add_to_policy(s)``."""
    p = f.parent.get(n)
    if isinstance(p, ast.keyword):
        return p.arg in _POLICY_KEYWORDS
    if isinstance(p, ast.List | ast.Tuple | ast.Dict):
        if isinstance(p, ast.Dict) and not any(v is n for v in p.values):
            return False
        kw = f.parent.get(p)
        return id(p) in holders or (isinstance(kw, ast.keyword) and kw.arg in _POLICY_KEYWORDS)
    if isinstance(p, ast.Call) and any(a is n for a in p.args):
        return isinstance(p.func, ast.Attribute) and p.func.attr in _POLICY_METHODS
    return False


def _statement(f: _File, call: ast.Call, allowed: list[str], denied: list[str]) -> bool:
    """Read one ``PolicyStatement(effect=, actions=, resources=)`` into ``allowed`` or ``denied`` (a Deny only
    when it surely applies: every resource, no condition); True when it cannot be read."""
    props, whole = f.call_props(call)
    if "actions" not in props:
        return not whole or bool(call.args) or "not_actions" in props
    arr = f.deref(props["actions"][1])
    if not isinstance(arr, ast.List | ast.Tuple):
        return True
    actions = [f.string(a) for a in arr.elts]
    effect = f.qual(f.deref(props["effect"][1])) if "effect" in props else f"{_IAM}.Effect.ALLOW"
    if effect == f"{_IAM}.Effect.ALLOW":
        allowed.extend(a for a in actions if a)
        return False
    if effect == f"{_IAM}.Effect.DENY":
        res = f.deref(props["resources"][1]) if "resources" in props else None
        every = isinstance(res, ast.List | ast.Tuple) and [f.string(r) for r in res.elts] == ["*"]
        if every and not {"conditions", "not_resources", "principals", "not_principals"} & set(props):
            denied.extend(a for a in actions if a)
        return False
    return True


# --- DUR032: environment variables that name another function ------------------------------------------

def _env_targets(f: _File, props: Props, var: str | None, call: ast.Call, code_dir: Path | None) -> list[EnvTarget]:
    """``environment={"X": other.function_arn}`` and ``fn.add_environment("X", ...)`` (DUR032)."""
    pairs: list[tuple[str, ast.AST, ast.AST]] = []
    if "environment" in props:
        env, _ = f.mapping(props["environment"][1])
        for key, (at, value) in env.items():
            pairs.append((key, at, value))
    if var:
        for n in f.method_calls(var, call, "add_environment"):
            if len(n.args) >= 2:
                added = f.string(n.args[0])
                if added:
                    pairs.append((added, n, n.args[1]))
    alias_cls = f.spell(f"{_LAMBDA}.Alias", "_lambda.Alias")
    out: list[EnvTarget] = []
    for key, at, value in pairs:
        state, target = _env_value(f, value)
        if state == "unknown":
            continue
        name = _ref(target) if target is not None else None
        existing = _existing_alias(f, target, name) if target is not None and name else None
        if existing is None:
            live, live_id = _alias_names(name or "fn")
            fix = (f"set {key} to a version or alias ARN, e.g. {live}.function_arn, with one alias per function "
                   f'(the one the DUR052 fix adds, if any): {live} = {alias_cls}(self, "{live_id}", '
                   f"alias_name=\"live\", version={name or 'fn'}.current_version)")
        elif _binding(f, existing):  # a second alias of the same name would fail to deploy
            fix = f"set {key} to the existing alias's ARN: {_binding(f, existing)}.function_arn"
            if existing.lineno > getattr(at, "lineno", call.lineno):
                fix += f" (move that alias, line {existing.lineno}, above this line)"
        else:
            fix = (f"set {key} to the ARN of the existing alias on line {existing.lineno}: assign it "
                   f"({_alias_names(name)[0]} = {' '.join(ast.unparse(existing).split())}) and use "
                   f"{_alias_names(name)[0]}.function_arn")
        shown = " ".join(ast.unparse(value).split())
        out.append(EnvTarget(var=key, state=state, value=shown if len(shown) <= 80 else shown[:77] + "...",
                             line=getattr(at, "lineno", call.lineno), fix=fix,
                             code_dir=os.path.normpath(code_dir.absolute()) if code_dir is not None else None,
                             durable=_target_durable(f, target) if target is not None else "unknown"))
    return out


def _existing_alias(f: _File, target: ast.AST, name: str) -> ast.Call | None:
    """The first alias the file already makes on the function ``name``: ``name.add_alias(...)``,
    ``name.current_version.add_alias(...)`` or ``Alias(..., version=name.current_version)``."""
    def on_fn(n: ast.AST | None) -> bool:
        n = f.deref(n) if n is not None and not f.same(n, name, target) else n
        if isinstance(n, ast.Attribute) and n.attr == "current_version":
            n = n.value
        return n is not None and f.same(n, name, target)

    found = f.method_calls(name, target, "add_alias")
    for u in f.uses(name, target):
        version = f.parent.get(u)
        if isinstance(version, ast.Attribute) and version.attr == "current_version":
            method = f.parent.get(version)
            n = f.parent.get(method) if method is not None else None
            if isinstance(method, ast.Attribute) and method.attr == "add_alias" and isinstance(n, ast.Call) \
                    and n.func is method:
                found.append(n)
    for n in f.calls_of(f"{_LAMBDA}.Alias"):
        props, _ = f.call_props(n)
        if "version" in props and on_fn(props["version"][1]):
            found.append(n)
    return min(found, key=lambda n: (n.lineno, n.col_offset)) if found else None


def _env_value(f: _File, node: ast.AST, depth: int = 0) -> tuple[str, ast.AST | None]:
    """(state, the target function as written, or None) of an environment value."""
    n = f.deref(node)
    if n is None or depth > 10:
        return "unknown", None
    literal = f.string(n)
    if literal is not None:
        return function_id_state(literal), None
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
        base = _env_value(f, n.left, depth + 1)
        suffix = f.string(n.right)
        if base[0] == "unqualified" and suffix is not None and suffix.startswith(":"):
            return qualifier_state(suffix[1:]), base[1]
        return "unknown", None
    if isinstance(n, ast.JoinedStr) and n.values and isinstance(n.values[0], ast.FormattedValue):
        first = n.values[0]
        rest = n.values[1:]
        if first.conversion == -1 and first.format_spec is None and all(isinstance(v, ast.Constant) for v in rest):
            base = _env_value(f, first.value, depth + 1)
            suffix = "".join(str(v.value) for v in rest if isinstance(v, ast.Constant))
            if base[0] == "unqualified":
                if not suffix:
                    return base
                if re.fullmatch(r":[\w$-]+", suffix):
                    return qualifier_state(suffix[1:]), base[1]
        return "unknown", None
    if isinstance(n, ast.Attribute) and n.attr in ("function_arn", "function_name"):
        written = n.value
        obj = f.deref(written)
        if isinstance(obj, ast.Attribute):
            if obj.attr == "current_version":
                return "qualified", None
            if obj.attr == "latest_version":
                return "latest", obj.value
        if isinstance(obj, ast.Call):
            if isinstance(obj.func, ast.Attribute) and obj.func.attr == "add_alias":
                return "qualified", None
            q = f.call_qual(obj)
            if q in _FUNCTION_KINDS:
                return "unqualified", written
            if q in _QUALIFIED_KINDS:
                return "qualified", None
    return "unknown", None


def _target_durable(f: _File, target: ast.AST) -> str:
    """Whether the function a variable holds has durable_config: "yes", "no" (its keywords are all known and
    lack it), or "unknown" (DUR032 skips "no" only)."""
    call = f.deref(target)
    if not isinstance(call, ast.Call) or f.call_qual(call) not in _FUNCTION_KINDS:
        return "unknown"
    props, whole = f.call_props(call)
    if "durable_config" in props:
        value = f.deref(props["durable_config"][1])
        return "no" if isinstance(value, ast.Constant) and value.value is None else "yes"
    return "no" if whole else "unknown"


# --- where the handler code is (DUR050 without durable_config, DUR054 bundling, DUR055) -----------------

def _location(f: _File, node: ast.AST | None, depth: int = 0) -> tuple[str, str] | None:
    """("file", "") for ``__file__``; ("dir", rel) for a folder relative to this file's folder; ("cwd", rel)
    for a path relative to where ``cdk synth`` runs the app; None when it cannot be read."""
    n = f.deref(node)
    if n is None or depth > 20:
        return None
    s = f.string(n)
    if s is not None:
        return ("cwd", s) if not os.path.isabs(s) else ("abs", s)
    if isinstance(n, ast.Name) and n.id == "__file__":
        return "file", ""
    if isinstance(n, ast.Attribute) and n.attr == "parent":
        inner = _location(f, n.value, depth + 1)
        if inner is None:
            return None
        return ("dir", "") if inner[0] == "file" else (inner[0], _join(inner[1], ".."))
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div):
        inner, part = _location(f, n.left, depth + 1), f.string(n.right)
        return _extend(inner, [part])
    if isinstance(n, ast.JoinedStr) and n.values and isinstance(n.values[0], ast.FormattedValue) and all(
            isinstance(v, ast.Constant) for v in n.values[1:]):
        inner = _location(f, n.values[0].value, depth + 1)
        rest = "".join(str(v.value) for v in n.values[1:] if isinstance(v, ast.Constant))
        return _extend(inner, [rest.lstrip("/")]) if rest.startswith("/") or not rest else None
    if not isinstance(n, ast.Call):
        return None
    last = n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id if isinstance(n.func, ast.Name) else ""
    if isinstance(n.func, ast.Attribute) and last in ("resolve", "absolute") and not n.args:
        return _location(f, n.func.value, depth + 1)
    if isinstance(n.func, ast.Attribute) and last == "joinpath":
        return _extend(_location(f, n.func.value, depth + 1), [f.string(a) for a in n.args])
    if not n.args or n.keywords:
        return None
    first = _location(f, n.args[0], depth + 1)
    if last in ("abspath", "realpath", "normpath", "str", "fspath", "Path", "PurePath") and len(n.args) == 1:
        return first
    if last == "dirname" and first is not None and len(n.args) == 1:
        return ("dir", "") if first[0] == "file" else (first[0], _join(first[1], ".."))
    if last == "join":
        return _extend(first, [f.string(a) for a in n.args[1:]])
    return None


def _join(a: str, b: str) -> str:
    return f"{a.rstrip('/')}/{b}" if a else b


def _extend(base: tuple[str, str] | None, parts: list[str | None]) -> tuple[str, str] | None:
    if base is None or base[0] == "file" or any(p is None for p in parts):
        return None
    rel = base[1]
    for p in parts:
        if p:
            rel = _join(rel, p)
    return base[0], rel


def _paths(f: _File, node: ast.AST | None) -> list[Path]:
    """Where a path argument may point: from this file's folder, or from the CDK app folder (cdk.json) and
    then this file's folder for a relative path, as ``cdk synth`` runs the app from the app folder."""
    loc = _location(f, node)
    if loc is None or loc[0] == "file":
        return []
    kind, rel = loc
    if kind == "abs":
        return [Path(rel)]
    if kind == "dir":
        return [f.path.parent / rel if rel else f.path.parent]
    return [d / rel for d in _app_dirs(f.path)]


def _code(f: _File, fn: DurableFn, cls: str, props: Props) -> None:
    files: list[Path] = []
    handler = f.string(props["handler"][1]) if "handler" in props else None
    if cls == "NodejsFunction":
        files += _paths(f, props["entry"][1]) if "entry" in props else []
        if files:
            fn.code_dir = files[0].parent
    elif cls == "PythonFunction":
        dirs = _paths(f, props["entry"][1]) if "entry" in props else []
        if dirs:
            index = (f.string(props["index"][1]) if "index" in props else None) or "index.py"
            files += [d / index for d in dirs]
            fn.code_dir = next((d for d in dirs if d.is_dir()), dirs[0])
    elif "code" in props:
        code = f.deref(props["code"][1])
        if isinstance(code, ast.Call) and f.call_qual(code) == f"{_LAMBDA}.Code.from_asset":
            asset = code.args[0] if code.args else next((k.value for k in code.keywords if k.arg == "path"), None)
            dirs = _paths(f, asset)
            if dirs:
                fn.code_dir = next((d for d in dirs if d.is_dir()), dirs[0])
                if handler:
                    for d in dirs:
                        files += handler_files(d, handler)
    fn.code_files = files
