"""CDK apps in TypeScript -> ``DurableFn`` records (tree-sitter, imported lazily).

Recognises ``new lambda.Function`` / ``NodejsFunction`` / ``PythonFunction`` / ``CfnFunction`` with a
``durableConfig`` prop, following ``const`` identifiers in the same file. ``Duration.seconds``,
``minutes``, ``hours``, ``days`` and ``millis`` are evaluated when their argument is a number.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import EnvTarget
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

FUNCTION_CLASSES = {"Function", "NodejsFunction", "PythonFunction", "CfnFunction"}
_UNIT_SECONDS = {"millis": 0.001, "seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _parser() -> Any:
    import tree_sitter
    import tree_sitter_typescript

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_typescript.language_typescript()))


def _text(n: Any) -> str:
    return n.text.decode("utf-8", "replace") if n is not None and n.text is not None else ""


def _pos(n: Any) -> Pos:
    row, col = n.start_point
    erow, ecol = n.end_point
    return Pos(row + 1, col + 1, (ecol + 1) if erow == row else col + 2)


def _walk(n: Any, depth: int = 0) -> Any:
    stack = [n]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(reversed(cur.named_children))


def _without_comments(source: str, tree: Any) -> str:
    """``source`` with every comment blanked (newlines kept, so offsets and lines stay): a comment that
    names ``fn.currentVersion`` publishes nothing."""
    data = source.encode("utf-8")
    parts: list[str] = []
    done = 0
    for n in _walk(tree.root_node):
        if n.type == "comment" and n.start_byte >= done:
            parts.append(data[done:n.start_byte].decode("utf-8", "replace"))
            parts.append(re.sub(r"[^\n]", " ", data[n.start_byte:n.end_byte].decode("utf-8", "replace")))
            done = n.end_byte
    parts.append(data[done:].decode("utf-8", "replace"))
    return "".join(parts)


class _File:
    def __init__(self, source: str, path: Path) -> None:
        self.source = source
        self.path = path
        self.tree = _parser().parse(source.encode("utf-8"))
        self.code = _without_comments(source, self.tree)  # what the regexes below read
        self.consts: dict[str, Any] = {}
        self.constructed: dict[str, str] | None = None  # see _constructed(), built when first needed
        self.new_nodes: dict[str, Any] = {}  # variable -> its `new` expression, with `constructed`
        # calls by the root of their callee (`role.addToPolicy` under "role") and `new iam.Policy(...)`
        # / `new iam.ManagedPolicy(...)` nodes, indexed once: each function's role check reads them
        self._grants: tuple[dict[str, list[tuple[str, Any]]], list[Any]] | None = None
        self.ts_names: dict[str, str] | None = None  # see _ts_names, read once per file
        for n in _walk(self.tree.root_node):
            if n.type == "variable_declarator":
                name, value = n.child_by_field_name("name"), n.child_by_field_name("value")
                if name is not None and value is not None and name.type == "identifier":
                    self.consts.setdefault(_text(name), value)

    def grants(self) -> tuple[dict[str, list[tuple[str, Any]]], list[Any]]:
        if self._grants is None:
            calls: dict[str, list[tuple[str, Any]]] = {}
            policies: list[Any] = []
            for m in _walk(self.tree.root_node):
                if m.type == "call_expression":
                    callee = _text(m.child_by_field_name("function"))
                    root = _CALLEE_ROOT.match(callee)  # ("" for `(x as any).role.addToPolicy`)
                    calls.setdefault(root.group(0) if root is not None else "", []).append((callee, m))
                elif m.type == "new_expression" and _text(m.child_by_field_name("constructor")).rsplit(
                        ".", 1)[-1] in ("Policy", "ManagedPolicy"):
                    policies.append(m)
            self._grants = (calls, policies)
        return self._grants

    def deref(self, n: Any, depth: int = 0) -> Any:
        while n is not None and depth < 10:
            if n.type in ("parenthesized_expression", "as_expression", "satisfies_expression",
                          "non_null_expression", "type_assertion"):
                n = n.named_children[0] if n.named_children else None
            elif n.type in ("identifier", "shorthand_property_identifier") and _text(n) in self.consts:
                n = self.consts[_text(n)]
            else:
                return n
            depth += 1
        return n

    def props(self, obj: Any, depth: int = 0) -> dict[str, tuple[Any, Any]]:
        """key -> (pair node, value node) of an object literal. ``...spread`` of a const object literal in
        this file is read in place, so later properties override earlier ones as in JavaScript; a spread
        of anything else adds nothing."""
        obj = self.deref(obj)
        out: dict[str, tuple[Any, Any]] = {}
        if obj is None or obj.type != "object":
            return out
        for pair in obj.named_children:
            if pair.type == "spread_element" and pair.named_children and depth < 10:
                for key, value in self.props(pair.named_children[0], depth + 1).items():
                    out.pop(key, None)  # keep the order JavaScript gives the keys
                    out[key] = value
            elif pair.type == "pair":
                k = pair.child_by_field_name("key")
                key = _text(k).strip("'\"`") if k is not None else ""
                out[key] = (pair, pair.child_by_field_name("value"))
            elif pair.type == "shorthand_property_identifier":
                out[_text(pair)] = (pair, pair)
        return out

    def number(self, n: Any) -> Any:
        n = self.deref(n)
        if n is None:
            return UNKNOWN
        if n.type == "number":
            try:
                return float(_text(n).replace("_", ""))
            except ValueError:
                return UNKNOWN
        if n.type == "unary_expression" and _text(n).startswith("-") and n.named_children:
            v = self.number(n.named_children[-1])
            return -v if v is not UNKNOWN else UNKNOWN
        if n.type == "binary_expression":
            a, b = self.number(n.child_by_field_name("left")), self.number(n.child_by_field_name("right"))
            op = _text(n.child_by_field_name("operator"))
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            if op == "*":
                return a * b
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "/" and b:
                return a / b
        return UNKNOWN

    def duration_seconds(self, n: Any) -> Any:
        n = self.deref(n)
        if n is None or n.type != "call_expression":
            return UNKNOWN
        callee = n.child_by_field_name("function")
        args = n.child_by_field_name("arguments")
        if callee is None or callee.type != "member_expression" or args is None:
            return UNKNOWN
        unit = _text(callee.child_by_field_name("property"))
        if unit not in _UNIT_SECONDS or not _text(callee.child_by_field_name("object")).endswith("Duration"):
            return UNKNOWN
        if not args.named_children:
            return UNKNOWN
        v = self.number(args.named_children[0])
        return UNKNOWN if v is UNKNOWN else v * _UNIT_SECONDS[unit]

    def string(self, n: Any) -> str | None:
        n = self.deref(n)
        if n is not None and n.type == "string":
            return _text(n)[1:-1]
        if n is not None and n.type == "template_string" and not any(
                c.type == "template_substitution" for c in n.named_children):
            return _text(n)[1:-1]
        return None


def functions(source: str, path: Path) -> list[DurableFn]:
    f = _File(source, path)
    out: list[DurableFn] = []
    for n in _walk(f.tree.root_node):
        if n.type != "new_expression":
            continue
        ctor = n.child_by_field_name("constructor")
        cls = _text(ctor).rsplit(".", 1)[-1]
        if cls not in FUNCTION_CLASSES:
            continue
        args = n.child_by_field_name("arguments")
        if args is None or len(args.named_children) < 3:
            continue
        props = f.props(args.named_children[2])
        if "durableConfig" not in props:
            plain = _without_config(f, n, cls, args, props)
            if plain is not None:
                out.append(plain)
            continue
        if _text(props["durableConfig"][1]) in ("undefined", "null"):
            continue
        fn = _function(f, n, cls, args, props)
        if fn is not None:
            out.append(fn)
    return out


def _without_config(f: _File, n: Any, cls: str, args: Any, props: dict[str, tuple[Any, Any]]) -> DurableFn | None:
    """A function with no durableConfig, kept to check that its handler is no durable one (DUR050)."""
    if cls == "CfnFunction":
        return None
    literal = f.string(args.named_children[1])
    var = _var_name(n)
    ident = literal or _text(args.named_children[1])
    shown = ident if literal is not None or not var else f"{var} (id {' '.join(ident.split())})"
    fn = DurableFn(name=shown, pos=_pos(n), durable_pos=_pos(n), syntax="cdk", durable=False,
                   durable_text="durableConfig", py_names=_ts_names(f))
    handler = f.string(props["handler"][1]) if "handler" in props else None
    if handler is None and "handler" in props:
        return None  # computed: unknown
    fn.handler = handler or ("handler" if cls in ("NodejsFunction", "PythonFunction") else "")
    _code(f, fn, cls, ident, props)
    runtime = _runtime(f, props["runtime"][1]) if "runtime" in props else None
    fn.code_files = in_runtime_language(fn.code_files, runtime, node=cls == "NodejsFunction")
    return fn if fn.handler and fn.code_files else None


def _var_name(new_node: Any) -> str | None:
    p = new_node.parent
    while p is not None and p.type in ("parenthesized_expression", "as_expression", "non_null_expression"):
        p = p.parent
    if p is None:
        return None
    if p.type == "variable_declarator":
        return _text(p.child_by_field_name("name")) or None
    if p.type == "assignment_expression":
        return _text(p.child_by_field_name("left")) or None
    if p.type == "public_field_definition":
        name = p.child_by_field_name("name")
        return ("this." + _text(name)) if name is not None else None
    return None


def _function(f: _File, n: Any, cls: str, args: Any, props: dict[str, tuple[Any, Any]]) -> DurableFn | None:
    cfn = cls == "CfnFunction"
    var = _var_name(n)
    literal = f.string(args.named_children[1])
    ident = literal or _text(args.named_children[1])
    # a construct id computed at synth time: name the function by its variable too
    shown = ident if literal is not None or not var else f"{var} (id {' '.join(ident.split())})"
    d_pair, d_val = props["durableConfig"]
    fn = DurableFn(name=shown, pos=_pos(n), durable_pos=_pos(d_pair.child_by_field_name("key") or d_pair),
                   timeout_text="executionTimeout",
                   retention_text="retentionPeriodInDays" if cfn else "retentionPeriod",
                   function_name_text="functionName", syntax="cdk", durable_text="durableConfig")
    dprops = f.props(d_val)
    if f.deref(d_val) is None or f.deref(d_val).type != "object":
        fn.timeout = UNKNOWN
    if "executionTimeout" in dprops:
        pair, val = dprops["executionTimeout"]
        fn.timeout = f.number(val) if cfn else f.duration_seconds(val)
        fn.timeout_pos = _pos(pair)
    if cfn and "retentionPeriodInDays" in dprops:
        pair, val = dprops["retentionPeriodInDays"]
        fn.retention, fn.retention_pos = f.number(val), _pos(pair)
    elif not cfn and "retentionPeriod" in dprops:
        pair, val = dprops["retentionPeriod"]
        secs = f.duration_seconds(val)
        fn.retention, fn.retention_pos = (UNKNOWN if secs is UNKNOWN else secs / 86400), _pos(pair)

    if "runtime" in props:
        pair, val = props["runtime"]
        fn.runtime, fn.runtime_pos = _runtime(f, val), _pos(pair)
        fn.runtime_text = _text(val)
    if "functionName" in props and not re.search(r"PhysicalName\s*\.\s*GENERATE_IF_NEEDED|^undefined$",
                                                  _text(props["functionName"][1])):
        fn.function_name_pos = _pos(props["functionName"][0])
        fn.name_refs = _name_references(f, props["functionName"][1])
    if "role" in props and not cfn:
        fn.role = _role_check(f, props["role"][1], var)

    fn.has_version = _has_version(f, n, var, cfn) or _exposed(n, var)
    # the alias is what callers invoke and what grants name: currentVersion alone publishes nothing to call
    shown_var = var or "fn"
    fn.py_names = _ts_names(f)
    alias_class, import_note = _alias_class(f)
    live, live_id = _alias_names(shown_var)
    alias = (f'const {live} = new {alias_class}(this, "{live_id}", {{ aliasName: "live", version: '
             f'{shown_var}.currentVersion }})')
    assign = "" if var else f"Assign the function to a const (const fn = new {cls}(...)), then c"
    fn.version_hint = (f"{assign or 'C'}reate an alias on a published version: {alias}{import_note}; invoke and grant "
                       f"on the alias ({live}.functionArn).")
    if not fn.has_version and var and re.search(rf"(?<![\w$.]){re.escape(var)}\s*\??\.\s*latestVersion\b", f.code):
        fn.version_note = ("has only latestVersion, which is $LATEST (an alias on it still runs whatever was "
                           "deployed last)")
        fn.version_hint = (f"Create an alias on a published version: {alias}{import_note}; invoke and grant on the "
                           f"alias ({live}.functionArn; in IAM `${{{var}.functionArn}}:*` covers every version) instead "
                           f"of {var}.latestVersion.")
    _code(f, fn, cls, ident, props)
    fn.env_targets = _env_targets(f, props, var, fn.code_dir)
    return fn


_LAMBDA_NAMESPACE = re.compile(r"""import\s*\*\s*as\s+([\w$]+)\s+from\s*["']aws-cdk-lib/aws-lambda["']""")
_LAMBDA_NAMED = re.compile(r"""import\s*(?:type\s+)?\{([^}]*)\}\s*from\s*["']aws-cdk-lib/aws-lambda["']""")
_CDK_NAMED = re.compile(r"""import\s*\{([^}]*)\}\s*from\s*["']aws-cdk-lib["']""")
_CDK_NAMESPACE = re.compile(r"""import\s*\*\s*as\s+([\w$]+)\s+from\s*["']aws-cdk-lib["']""")


def _alias_names(var: str) -> tuple[str, str]:
    """The alias's const and construct id for the function in `var`: one alias per function, so that
    two fixes in one stack declare neither the same const nor the same construct id."""
    return f"{var}Live", f"{var[:1].upper()}{var[1:]}Live"


_IAM_NAMESPACE = re.compile(r"""import\s*\*\s*as\s+([\w$]+)\s+from\s*["']aws-cdk-lib/aws-iam["']""")
_IAM_NAMED = re.compile(r"""import\s*(?:type\s+)?\{([^}]*)\}\s*from\s*["']aws-cdk-lib/aws-iam["']""")


def _ts_names(f: _File) -> dict[str, str]:
    """How fixes spell Duration and ManagedPolicy in this file, as its imports name them, and what to add
    to the imports when it has neither (keys "Duration_import", "ManagedPolicy_import")."""
    if f.ts_names is not None:
        return dict(f.ts_names)
    out: dict[str, str] = {}
    core = [p.split() for m in _CDK_NAMED.finditer(f.code) for p in m.group(1).split(",")]
    ns = _CDK_NAMESPACE.search(f.code)
    duration = next((p[-1] for p in core if p and p[0] == "Duration"), None)
    if duration is None and ns:
        duration = f"{ns.group(1)}.Duration"
    out["Duration"] = duration or "Duration"
    if duration is None:
        out["Duration_import"] = ' (with import { Duration } from "aws-cdk-lib")'
    policy = None
    if m := _IAM_NAMESPACE.search(f.code):
        policy = f"{m.group(1)}.ManagedPolicy"
    elif iam := next((p[-1] for p in core if p and p[0] == "aws_iam"), None):
        policy = f"{iam}.ManagedPolicy"
    elif named := _IAM_NAMED.search(f.code):
        parts = [p.split() for p in named.group(1).split(",")]
        policy = next((p[-1] for p in parts if p and p[0] == "ManagedPolicy"), None)
        if policy is None:
            out["ManagedPolicy_import"] = ' (add ManagedPolicy to the import from "aws-cdk-lib/aws-iam")'
            policy = "ManagedPolicy"
    elif ns:
        policy = f"{ns.group(1)}.aws_iam.ManagedPolicy"
    out["ManagedPolicy"] = policy or "iam.ManagedPolicy"
    if policy is None:
        out["ManagedPolicy_import"] = ' (with import * as iam from "aws-cdk-lib/aws-iam")'
    f.ts_names = out
    return dict(out)


def _alias_class(f: _File) -> tuple[str, str]:
    """How this file can name lambda.Alias in a fix, and what to add to its imports for that ("" when
    nothing): `lambda.Alias` after `import * as lambda from "aws-cdk-lib/aws-lambda"` or `{ aws_lambda as
    lambda }`, `Alias` after a named import, `cdk.aws_lambda.Alias` after `import * as cdk`."""
    if m := _LAMBDA_NAMESPACE.search(f.code):
        return f"{m.group(1)}.Alias", ""
    for m in _CDK_NAMED.finditer(f.code):
        for part in m.group(1).split(","):
            names = part.split()
            if names and names[0] == "aws_lambda":
                return f"{names[-1]}.Alias", ""
    named = _LAMBDA_NAMED.search(f.code)
    if named:
        for part in named.group(1).split(","):
            names = part.split()
            if names and names[0] == "Alias":
                return names[-1], ""  # `Alias` or `Alias as LambdaAlias`
        return "Alias", ' (add Alias to the import from "aws-cdk-lib/aws-lambda")'
    if m := _CDK_NAMESPACE.search(f.code):
        return f"{m.group(1)}.aws_lambda.Alias", ""
    return "lambda.Alias", ' (with import * as lambda from "aws-cdk-lib/aws-lambda")'


def _name_references(f: _File, value: Any) -> list[str]:
    """Other places in the file that use a fixed ``functionName`` as the function's name ("line N", for
    DUR053's fix): the same text (or the const holding it) as a whole environment value, or after
    ``:function:`` in an ARN or ``/aws/lambda/`` in a log group name. ``fn.functionName`` keeps working."""
    literal = f.string(value)
    ident = _text(value) if value.type == "identifier" else ""
    if not literal and not ident:
        return []
    skip = {(value.start_byte, value.end_byte)}
    if ident in f.consts:
        skip.add((f.consts[ident].start_byte, f.consts[ident].end_byte))
    names = [re.escape(literal)] if literal else []
    if ident:
        names.append(r"\$\{\s*" + re.escape(ident) + r"\s*\}")
    in_arn = re.compile(r"(?::function:|/aws/lambda/)(?:" + "|".join(names) + r")(?![\w-])")
    lines: set[int] = set()
    for n in _walk(f.tree.root_node):
        if (n.start_byte, n.end_byte) in skip:
            continue
        whole = _environment_value(n)
        if n.type in ("string", "template_string"):
            if in_arn.search(_text(n)) or (whole and literal and f.string(n) == literal):
                lines.add(n.start_point[0] + 1)
        elif n.type == "identifier" and ident and _text(n) == ident and whole:
            lines.add(n.start_point[0] + 1)
    return [f"line {line}" for line in sorted(lines)]


def _environment_value(n: Any) -> bool:
    """Whether a node is a whole environment value: ``environment: { X: n }`` or ``addEnvironment('X', n)``."""
    p = n.parent
    if p is not None and p.type == "pair" and p.child_by_field_name("value") == n:
        outer = p.parent.parent if p.parent is not None else None
        key = outer.child_by_field_name("key") if outer is not None and outer.type == "pair" else None
        return key is not None and _text(key).strip("'\"") == "environment"
    if p is not None and p.type == "arguments" and len(p.named_children) >= 2 and p.named_children[1] == n:
        call = p.parent
        return call is not None and _text(call.child_by_field_name("function")).endswith("addEnvironment")
    return False


_FUNCTION_KINDS = FUNCTION_CLASSES | {"DockerImageFunction", "SingletonFunction"}
_QUALIFIED_KINDS = {"Alias", "Version", "CfnAlias", "CfnVersion"}


def _constructed(f: _File) -> dict[str, str]:
    """Variable (or ``this.field``) -> class of the ``new`` expression assigned to it."""
    if f.constructed is None:
        f.constructed = {}
        for n in _walk(f.tree.root_node):
            if n.type == "new_expression":
                var = _var_name(n)
                if var:
                    f.constructed.setdefault(var, _text(n.child_by_field_name("constructor")).rsplit(".", 1)[-1])
                    f.new_nodes.setdefault(var, n)
    return f.constructed


def _target_durable(f: _File, target: str) -> str:
    """Whether the function a variable holds has durableConfig: "yes", "no" (its props are an object literal
    without it, read whole), or "unknown" (DUR032 skips "no" only)."""
    var = target.replace(" ", "")
    if _constructed(f).get(var) not in _FUNCTION_KINDS:
        return "unknown"
    args = f.new_nodes[var].child_by_field_name("arguments")
    if args is None or len(args.named_children) < 3:
        return "no" if args is not None and len(args.named_children) == 2 else "unknown"
    props = f.props(args.named_children[2])
    if "durableConfig" in props:
        return "no" if _text(props["durableConfig"][1]) in ("undefined", "null") else "yes"
    return "no" if _whole_object(f, args.named_children[2]) else "unknown"


def _whole_object(f: _File, n: Any, depth: int = 0) -> bool:
    """Whether an object literal's keys are all known: every spread is a const object literal of this file."""
    obj = f.deref(n)
    if obj is None or obj.type != "object" or depth > 10:
        return False
    return all(c.type != "spread_element" or (c.named_children and _whole_object(f, c.named_children[0], depth + 1))
               for c in obj.named_children)


def _env_targets(f: _File, props: dict[str, tuple[Any, Any]], var: str | None,
                 code_dir: Path | None) -> list[EnvTarget]:
    """``environment: { X: other.functionArn }`` and ``fn.addEnvironment('X', ...)`` (DUR032)."""
    pairs: list[tuple[str, Any, Any]] = []
    if "environment" in props:
        for key, (pair, value) in f.props(props["environment"][1]).items():
            pairs.append((key, pair, value))
    if var:
        pattern = re.compile(rf"(?<![\w$.]){re.escape(var)}\s*\.\s*addEnvironment\s*\(")
        for m in pattern.finditer(f.code):
            call = f.tree.root_node.descendant_for_byte_range(len(f.source[:m.end() - 1].encode()),
                                                              len(f.source[:m.end()].encode()))
            while call is not None and call.type != "call_expression":
                call = call.parent
            args = call.child_by_field_name("arguments") if call is not None else None
            if args is not None and len(args.named_children) >= 2:
                key = f.string(args.named_children[0])
                if key:
                    pairs.append((key, call, args.named_children[1]))
    out: list[EnvTarget] = []
    for key, at, value in pairs:
        state, target = _env_value(f, value)
        if state == "unknown":
            continue
        name = target or "fn"
        live, live_id = _alias_names(name)
        fix = (f"set {key} to a version or alias ARN, e.g. {live}.functionArn, with one alias per function (the "
               f"one the DUR052 fix adds, if any): const {live} = new lambda.Alias(this, '{live_id}', {{ aliasName: "
               f"'live', version: {name}.currentVersion }})")
        shown = " ".join(_text(value).split())
        out.append(EnvTarget(var=key, state=state, value=shown if len(shown) <= 80 else shown[:77] + "...",
                             line=at.start_point[0] + 1, fix=fix,
                             code_dir=os.path.normpath(code_dir.absolute()) if code_dir is not None else None,
                             durable=_target_durable(f, target) if target else "unknown"))
    return out


def _env_value(f: _File, n: Any) -> tuple[str, str]:
    """(state, the target function's variable or "") of an environment value."""
    n = f.deref(n)
    if n is None:
        return "unknown", ""
    literal = f.string(n)
    if literal is not None:
        return function_id_state(literal), ""
    if n.type == "binary_expression" and _text(n.child_by_field_name("operator")) == "+":
        base = _env_value(f, n.child_by_field_name("left"))
        suffix = f.string(n.child_by_field_name("right"))
        if base[0] == "unqualified" and suffix is not None and suffix.startswith(":"):
            return qualifier_state(suffix[1:]), base[1]
        return "unknown", ""
    if n.type == "template_string":
        subs = [c for c in n.named_children if c.type == "template_substitution"]
        rest = _text(n)[1:-1]
        if len(subs) == 1 and rest.startswith("${"):
            inner = subs[0].named_children[0] if subs[0].named_children else None
            base = _env_value(f, inner)
            suffix = rest[len(_text(subs[0])):]
            if base[0] == "unqualified":
                if not suffix:
                    return base
                if re.fullmatch(r":[\w$-]+", suffix):
                    return qualifier_state(suffix[1:]), base[1]
        return "unknown", ""
    if n.type == "member_expression" and _text(n.child_by_field_name("property")) in ("functionArn", "functionName"):
        written = n.child_by_field_name("object")
        obj = f.deref(written)
        if obj is None:
            return "unknown", ""
        if obj.type == "member_expression":
            prop = _text(obj.child_by_field_name("property"))
            if prop == "currentVersion":
                return "qualified", ""
            if prop == "latestVersion":
                return "latest", _text(obj.child_by_field_name("object"))
        if obj.type == "call_expression" and _text(obj.child_by_field_name("function")).endswith(".addAlias"):
            return "qualified", ""
        if obj.type == "new_expression":
            cls = _text(obj.child_by_field_name("constructor")).rsplit(".", 1)[-1]
            if cls in _FUNCTION_KINDS:
                return "unqualified", _text(written)
            return ("qualified", "") if cls in _QUALIFIED_KINDS else ("unknown", "")
        cls = _constructed(f).get(_text(obj).replace(" ", ""), "")
        if cls in _FUNCTION_KINDS:
            return "unqualified", _text(obj)
        if cls in _QUALIFIED_KINDS:
            return "qualified", ""
    return "unknown", ""


# Runtime.<NAME> -> runtime id, as aws-cdk-lib 2.276 defines them (aws-lambda/lib/runtime.js).
CDK_RUNTIMES = {
    "NODEJS": "nodejs", "NODEJS_4_3": "nodejs4.3", "NODEJS_6_10": "nodejs6.10",
    "NODEJS_8_10": "nodejs8.10", "NODEJS_10_X": "nodejs10.x", "NODEJS_12_X": "nodejs12.x",
    "NODEJS_14_X": "nodejs14.x", "NODEJS_16_X": "nodejs16.x", "NODEJS_18_X": "nodejs18.x",
    "NODEJS_20_X": "nodejs20.x", "NODEJS_22_X": "nodejs22.x", "NODEJS_24_X": "nodejs24.x",
    "PYTHON_2_7": "python2.7", "PYTHON_3_6": "python3.6", "PYTHON_3_7": "python3.7",
    "PYTHON_3_8": "python3.8", "PYTHON_3_9": "python3.9", "PYTHON_3_10": "python3.10",
    "PYTHON_3_11": "python3.11", "PYTHON_3_12": "python3.12", "PYTHON_3_13": "python3.13",
    "PYTHON_3_14": "python3.14", "PYTHON_3_15": "python3.15", "JAVA_8": "java8",
    "JAVA_8_CORRETTO": "java8.al2", "JAVA_11": "java11", "JAVA_17": "java17", "JAVA_21": "java21",
    "JAVA_25": "java25", "JAVA_8_AL2023": "java8.al2023", "JAVA_11_AL2023": "java11.al2023",
    "JAVA_17_AL2023": "java17.al2023", "DOTNET_6": "dotnet6", "DOTNET_8": "dotnet8",
    "DOTNET_9": "dotnet9", "DOTNET_10": "dotnet10", "DOTNET_CORE_1": "dotnetcore1.0",
    "DOTNET_CORE_2": "dotnetcore2.0", "DOTNET_CORE_2_1": "dotnetcore2.1",
    "DOTNET_CORE_3_1": "dotnetcore3.1", "GO_1_X": "go1.x", "RUBY_2_5": "ruby2.5", "RUBY_2_7": "ruby2.7",
    "RUBY_3_2": "ruby3.2", "RUBY_3_3": "ruby3.3", "RUBY_3_4": "ruby3.4", "RUBY_4_0": "ruby4.0",
    "PROVIDED": "provided", "PROVIDED_AL2": "provided.al2", "PROVIDED_AL2023": "provided.al2023",
}


def _runtime(f: _File, val: Any) -> Any:
    s = f.string(val)
    if s is not None:
        return s
    n = f.deref(val)
    if n is None:
        return UNKNOWN
    if n.type == "new_expression":  # new lambda.Runtime('nodejs22.x', ...)
        a = n.child_by_field_name("arguments")
        return (f.string(a.named_children[0]) if a is not None and a.named_children else None) or UNKNOWN
    if n.type != "member_expression":
        return UNKNOWN
    return CDK_RUNTIMES.get(_text(n.child_by_field_name("property")), UNKNOWN)


def _has_version(f: _File, n: Any, var: str | None, cfn: bool) -> bool:
    p = n.parent
    while p is not None and p.type in ("parenthesized_expression", "as_expression", "non_null_expression"):
        p = p.parent
    if p is not None and p.type == "member_expression" and _text(p.child_by_field_name("property")) in (
            "currentVersion", "addAlias"):
        return True
    if p is not None and p.type in ("return_statement", "arrow_function"):
        return True  # handed to the caller, who may publish it: not judged
    if not var:
        return False
    v = re.escape(var)
    if re.search(rf"(?<![\w$.]){v}\s*\??\.\s*(currentVersion|addAlias)\b", f.code):
        return True
    if re.search(rf"\breturn\s+{v}\s*[;}}\n]", f.code):
        return True
    for m in _walk(f.tree.root_node):
        if m.type != "new_expression":
            continue
        cls = _text(m.child_by_field_name("constructor")).rsplit(".", 1)[-1]
        body = _text(m.child_by_field_name("arguments"))
        if cls == "Version" and re.search(rf"\blambda\s*:\s*{v}(?![\w$])", body):
            return True
        if cls in ("CfnVersion", "CfnAlias") and re.search(rf"(?<![\w$.]){v}\s*\.\s*(ref|attrArn)\b", body):
            return True
    return False


def _exposed(n: Any, var: str | None) -> bool:
    """Whether a construct hands the function to its users in a field that is not private
    (``this.fn = new lambda.Function(...)``, or ``this.fn = fn``): they may publish it (``w.fn.addAlias``)."""
    cls = n.parent
    while cls is not None and cls.type not in ("class_declaration", "class", "abstract_class_declaration"):
        cls = cls.parent
    body = cls.child_by_field_name("body") if cls is not None else None
    if body is None or not var:
        return False
    fields = []
    if var.startswith("this."):
        fields.append(var[len("this."):].strip())
    else:
        for m in _walk(body):
            if m.type == "assignment_expression":
                left, right = m.child_by_field_name("left"), m.child_by_field_name("right")
                if right is not None and right.type == "identifier" and _text(right) == var and left is not None \
                        and left.type == "member_expression" and _text(left.child_by_field_name("object")) == "this":
                    fields.append(_text(left.child_by_field_name("property")))
    for name in fields:
        if name.startswith("#"):
            continue
        decl = next((c for c in body.named_children if c.type == "public_field_definition"
                     and _text(c.child_by_field_name("name")) == name), None)
        if decl is None or not any(c.type == "accessibility_modifier" and _text(c) == "private"
                                   for c in decl.children):
            return True
    return False


_GRANT_METHODS = r"(addManagedPolicy|addToPolicy|addToPrincipalPolicy|attachInlinePolicy)"
_CALLEE_ROOT = re.compile(r"[\w$]+")


def _calls_of(calls: dict[str, list[tuple[str, Any]]], var: str) -> list[tuple[str, Any]]:
    """The indexed calls whose callee starts like ``var`` (``role``, ``this.role``); every call when
    ``var`` starts otherwise (``(x as any).role``), as the regexes then decide."""
    root = _CALLEE_ROOT.match(var)
    if root is not None:
        return calls.get(root.group(0), [])
    return [c for group in calls.values() for c in group]


def _role_check(f: _File, val: Any, fn_var: str | None) -> RoleCheck | None:
    role_node = f.deref(val)
    if role_node is None or role_node.type != "new_expression":
        return None  # Role.fromRoleArn, a parameter, a role from another stack: not verifiable here
    if _text(role_node.child_by_field_name("constructor")).rsplit(".", 1)[-1] != "Role":
        return None
    role_var = _var_name(role_node) or ""
    nodes = [role_node]
    rv = re.escape(role_var) if role_var else None
    fv = re.escape(fn_var) if fn_var else None
    calls, policies = f.grants()
    found: list[Any] = []
    if rv:
        grant = re.compile(rf"{rv}\s*\??\.\s*{_GRANT_METHODS}")
        found += [m for callee, m in _calls_of(calls, role_var) if grant.fullmatch(callee)]
        listed = re.compile(rf"\broles\s*:\s*\[[^\]]*(?<![\w$.]){rv}(?![\w$])")
        found += [m for m in policies if listed.search(_text(m))]
    if fv:
        grant = re.compile(rf"{fv}\s*!?\??\.\s*(addToRolePolicy|role\s*!?\s*\??\.\s*{_GRANT_METHODS})")
        found += [m for callee, m in _calls_of(calls, fn_var) if grant.fullmatch(callee)]
    nodes += sorted(found, key=lambda m: m.start_byte)  # in file order, as the walk found them
    # Follow consts (a policy statement or document built above), and notice what cannot be followed.
    visited: list[Any] = []
    unknown = False
    seen: set[int] = set()
    todo = list(nodes)
    while todo and len(seen) < 200:
        node = todo.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        visited.append(node)
        for ident in _walk(node):
            if ident.type not in ("identifier", "shorthand_property_identifier"):
                continue
            name = _text(ident)
            if name in (role_var, fn_var, "this", "iam", "cdk", "lambda", "undefined"):
                continue
            if name in f.consts:
                todo.append(f.consts[name])
            elif ident.parent is not None and (ident.parent.type == "array" or (
                    ident.parent.type == "arguments" and ident.parent.parent is not None
                    and ident.parent.parent.type == "call_expression")):
                unknown = True  # a policy handed over from elsewhere may grant anything
    name = role_var or "role"
    pos = _pos(role_node)
    # ManagedPolicy.fromManagedPolicyArn(this, id, "arn:${AWS::Partition}:...") keeps the text as is: invalid
    bad: set[str] = set()
    allowed: list[str] = []
    denied: list[str] = []
    for node in visited:
        for m in _walk(node):
            if m.type == "call_expression" and _text(m.child_by_field_name("function")).endswith(
                    "fromManagedPolicyArn"):
                a = m.child_by_field_name("arguments")
                arn_node = f.deref(a.named_children[2]) if a is not None and len(a.named_children) > 2 else None
                arn = f.string(arn_node) if arn_node is not None else None
                if arn is not None and "${" in arn and DURABLE_POLICY in arn:
                    bad.add(_text(arn_node))
            elif m.type == "object":
                unknown |= _statement(f, m, allowed, denied)
    joined = "\n".join(_text(node) for node in visited)
    for b in bad:
        joined = joined.replace(b, "")
    blocked = denies_actions(denied)
    if blocked:
        return RoleCheck("missing", pos, name, problem="deny", detail=", ".join(blocked))
    if DURABLE_POLICY in joined or allows_actions(allowed):
        return RoleCheck("ok", pos, name)
    if unknown or re.search(r"(managedPolicies|inlinePolicies)\s*:\s*(?![\s\[{])", joined):
        return RoleCheck("unknown", pos, name)
    return RoleCheck("missing", pos, name, problem="nosub" if bad else "")


def _statement(f: _File, obj: Any, allowed: list[str], denied: list[str]) -> bool:
    """Read one ``{ effect, actions, resources }`` object of a PolicyStatement into ``allowed`` or ``denied``
    (a Deny only when it surely applies: every resource, no condition); True when it cannot be read."""
    props = f.props(obj)
    if "actions" not in props:
        return False
    arr = f.deref(props["actions"][1])
    if arr is None or arr.type != "array":
        return True
    actions = [f.string(a) for a in arr.named_children]
    effect = _text(props["effect"][1]).replace(" ", "") if "effect" in props else "Effect.ALLOW"
    if effect.endswith("Effect.ALLOW"):
        allowed.extend(a for a in actions if a)
        return False
    if effect.endswith("Effect.DENY"):
        res = f.deref(props["resources"][1]) if "resources" in props else None
        every = res is not None and res.type == "array" and [f.string(r) for r in res.named_children] == ["*"]
        if every and not {"conditions", "notResources", "principals", "notPrincipals"} & set(props):
            denied.extend(a for a in actions if a)
        return False
    return True


def _path_arg(f: _File, n: Any) -> tuple[str, bool] | None:
    """(path, relative to this file) for 'dir', path.join(__dirname, 'a'), `${__dirname}/a`."""
    n = f.deref(n)
    if n is None:
        return None
    s = f.string(n)
    if s is not None:
        return s, False
    if n.type == "call_expression":
        callee = _text(n.child_by_field_name("function"))
        args = n.child_by_field_name("arguments")
        if callee in ("path.join", "path.resolve", "join", "resolve") and args is not None and args.named_children:
            first, *rest = args.named_children
            parts = [f.string(a) for a in rest]
            if _text(first) == "__dirname" and all(p is not None for p in parts):
                return "/".join(p for p in parts if p), True
            if all(p is not None for p in [f.string(first), *parts]):
                return "/".join([f.string(first) or "", *[p for p in parts if p]]), False
    if n.type == "template_string":
        t = _text(n)[1:-1]
        if t.startswith("${__dirname}"):
            rest = t[len("${__dirname}"):]
            if "${" not in rest:
                return rest.lstrip("/"), True
    return None


def _app_dirs(path: Path) -> list[Path]:
    """Where a relative asset path may start: the CDK app folder (cdk.json), then the file's folder."""
    dirs = []
    for parent in path.parents:
        if (parent / "cdk.json").is_file():
            dirs.append(parent)
            break
    dirs.append(path.parent)
    return dirs


def _resolve(f: _File, arg: tuple[str, bool]) -> list[Path]:
    rel, from_file = arg
    if Path(rel).is_absolute():
        return [Path(rel)]
    return [f.path.parent / rel] if from_file else [d / rel for d in _app_dirs(f.path)]


def _code(f: _File, fn: DurableFn, cls: str, ident: str, props: dict[str, tuple[Any, Any]]) -> None:
    files: list[Path] = []
    handler = f.string(props["handler"][1]) if "handler" in props else None
    if cls == "NodejsFunction":
        entry = _path_arg(f, props["entry"][1]) if "entry" in props else None
        if entry:
            files += _resolve(f, entry)
        else:
            stem = f.path.name.rsplit(".", 1)[0]
            files += [f.path.parent / f"{stem}.{ident}{ext}" for ext in (".ts", ".js")]
        if files:
            fn.code_dir = files[0].parent
    elif cls == "PythonFunction":
        entry = _path_arg(f, props["entry"][1]) if "entry" in props else None
        if entry:
            index = f.string(props["index"][1]) if "index" in props else "index.py"
            dirs = _resolve(f, entry)
            files += [d / (index or "index.py") for d in dirs]
            fn.code_dir = next((d for d in dirs if d.is_dir()), dirs[0])
    elif "code" in props:
        code = f.deref(props["code"][1])
        if code is not None and code.type == "call_expression" and \
                _text(code.child_by_field_name("function")).endswith("fromAsset"):
            a = code.child_by_field_name("arguments")
            asset = _path_arg(f, a.named_children[0]) if a is not None and a.named_children else None
            if asset:
                dirs = _resolve(f, asset)
                fn.code_dir = next((d for d in dirs if d.is_dir()), dirs[0])
                if handler:
                    for d in dirs:
                        files += handler_files(d, handler)
    fn.code_files = files
