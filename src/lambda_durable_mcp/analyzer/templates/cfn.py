"""SAM and CloudFormation templates (YAML or JSON) -> ``DurableFn`` records."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import EnvTarget
from lambda_durable_mcp.analyzer.templates.loader import LDict, LList
from lambda_durable_mcp.analyzer.templates.rules import (
    DURABLE_ACTIONS,
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

_SUB_VAR = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def is_template(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    transform = doc.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    if any(isinstance(t, str) and t.startswith("AWS::Serverless") for t in names):
        return True
    res = doc.get("Resources")
    return isinstance(res, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::") for r in res.values()
    )


def _pos(d: Any, key: str) -> Pos:
    if isinstance(d, LDict):
        line, col = d.pos(key)
        return Pos(line, col, col + len(key))
    return Pos(1)


class _Template:
    def __init__(self, doc: LDict, base_dir: Path) -> None:
        self.doc = doc
        self.base_dir = base_dir
        res = doc.get("Resources")
        self.resources: dict[str, Any] = res if isinstance(res, dict) else {}
        params = doc.get("Parameters")
        self.params: dict[str, Any] = params if isinstance(params, dict) else {}
        glob = doc.get("Globals")
        gfn = glob.get("Function") if isinstance(glob, dict) else None
        self.globals: LDict | None = gfn if isinstance(gfn, LDict) else None

    # -- values --
    def resolve(self, v: Any) -> Any:
        """A literal, a parameter's literal default, or UNKNOWN."""
        if isinstance(v, dict):
            if len(v) == 1 and "Ref" in v and isinstance(v["Ref"], str):
                p = self.params.get(v["Ref"])
                if isinstance(p, dict) and "Default" in p and not isinstance(p["Default"], dict | list):
                    return p["Default"]
            return UNKNOWN
        if isinstance(v, list):
            return UNKNOWN
        return v

    def param_default(self, v: Any) -> tuple[str, int] | None:
        """(parameter, line of its Default) when ``v`` is a Ref that resolve() reads from a parameter default."""
        if isinstance(v, dict) and len(v) == 1 and isinstance(v.get("Ref"), str) and self.resolve(v) is not UNKNOWN:
            p = self.params[v["Ref"]]
            return v["Ref"], p.pos("Default")[0] if isinstance(p, LDict) else 1
        return None

    def rtype(self, logical_id: Any) -> str | None:
        r = self.resources.get(logical_id) if isinstance(logical_id, str) else None
        t = r.get("Type") if isinstance(r, dict) else None
        return t if isinstance(t, str) else None

    def props(self, logical_id: str) -> dict[str, Any]:
        r = self.resources.get(logical_id)
        p = r.get("Properties") if isinstance(r, dict) else None
        return p if isinstance(p, dict) else {}

    def refs(self, v: Any, depth: int = 0) -> set[str]:
        """Logical ids a value points at through Ref, GetAtt or ${X} in Sub."""
        out: set[str] = set()
        if depth > 50:
            return out
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "Ref" and isinstance(x, str):
                    out.add(x)
                elif k == "Fn::GetAtt":
                    first = x[0] if isinstance(x, list) and x else (x.split(".")[0] if isinstance(x, str) else None)
                    if isinstance(first, str):
                        out.add(first)
                elif k == "Fn::Sub":
                    s = x[0] if isinstance(x, list) and x else x
                    if isinstance(s, str):
                        out.update(_SUB_VAR.findall(s))
                    out |= self.refs(x, depth + 1)
                else:
                    out |= self.refs(x, depth + 1)
        elif isinstance(v, list):
            for x in v:
                out |= self.refs(x, depth + 1)
        return out

    def text(self, v: Any) -> str | None:
        """Flatten a string, Sub or Join into text (variables kept as ${X}); None when opaque."""
        v = self.resolve(v) if isinstance(v, dict) and "Ref" in v else v
        if isinstance(v, str):
            return v
        if isinstance(v, dict) and len(v) == 1:
            (k, x), = v.items()
            if k == "Fn::Sub":
                s = x[0] if isinstance(x, list) and x else x
                return s if isinstance(s, str) else None
            if k == "Fn::Join" and isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) \
                    and isinstance(x[1], list):
                parts = []
                for p in x[1]:
                    if isinstance(p, dict) and "Ref" in p and isinstance(p["Ref"], str) and p["Ref"].startswith("AWS::"):
                        parts.append("${" + p["Ref"] + "}")
                        continue
                    t = self.text(p)
                    if t is None:
                        return None
                    parts.append(t)
                return x[0].join(parts)
        return None


def functions(doc: LDict, base_dir: Path, syntax: str = "yaml") -> list[DurableFn]:
    """The durable functions of a template; ``syntax`` ("yaml" or "json") decides how fixes are written."""
    t = _Template(doc, base_dir)
    out: list[DurableFn] = []
    for logical_id, res in t.resources.items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        if rtype == "AWS::Lambda::Function":
            fn = _function(t, logical_id, res, sam=False)
        elif rtype == "AWS::Serverless::Function":
            fn = _function(t, logical_id, res, sam=True)
        else:
            continue
        if fn is not None:
            fn.syntax = syntax
            out.append(fn)
    unversioned = [fn for fn in out if not fn.has_version and fn.sam and fn.durable]
    if len(unversioned) > 1:
        # one Globals entry fixes them all: say so instead of the same fix N times
        for fn in unversioned:
            fn.version_hint = (f"Add AutoPublishAlias: live here, or once under Globals: Function: for all "
                               f"{len(unversioned)} durable functions in this template.")
    return out


def _function(t: _Template, logical_id: str, res: dict[str, Any], *, sam: bool) -> DurableFn | None:
    props = res.get("Properties")
    props = props if isinstance(props, dict) else LDict()

    gl = function_globals(t.globals, res.get("IgnoreGlobals")) if sam else None

    def get(key: str) -> tuple[Any, Any]:
        if key in props:
            return props[key], props
        if gl is not None and key in gl:
            return gl[key], gl
        return None, None

    durable, d_owner = durable_config(props, gl, sam=sam)
    if durable is None:  # no DurableConfig at all: kept to check that its handler is no durable one
        plain = DurableFn(name=logical_id, pos=_pos(t.resources, logical_id), durable_pos=_pos(t.resources, logical_id),
                          durable=False, sam=sam)
        _code_location(t, plain, res, get, sam)
        handler, _ = get("Handler")
        handler = t.resolve(handler) if handler is not None else None
        plain.handler = handler if isinstance(handler, str) else ""
        runtime, _ = get("Runtime")
        runtime = t.resolve(runtime) if runtime is not None else None
        plain.code_files = in_runtime_language(plain.code_files, runtime)
        return plain if plain.handler and plain.code_files else None
    if durable_state(durable) == "no":
        return None  # `!Ref AWS::NoValue` (an opt-out of Globals), or an Fn::If of that and nothing
    from_globals = d_owner is not None and d_owner is gl

    fn = DurableFn(name=logical_id, pos=_pos(t.resources, logical_id), durable_pos=_pos(d_owner, "DurableConfig"),
                   config_from="Globals" if from_globals else "")
    if isinstance(durable, dict) and not _is_intrinsic(durable):
        if "ExecutionTimeout" in durable:
            fn.timeout = t.resolve(durable["ExecutionTimeout"])
            fn.timeout_pos = _pos(durable, "ExecutionTimeout")
            fn.timeout_param = t.param_default(durable["ExecutionTimeout"])
        else:
            fn.timeout_case = next((k for k in durable if isinstance(k, str) and k.lower() == "executiontimeout"), "")
        if "RetentionPeriodInDays" in durable:
            fn.retention = t.resolve(durable["RetentionPeriodInDays"])
            fn.retention_pos = _pos(durable, "RetentionPeriodInDays")
            fn.retention_param = t.param_default(durable["RetentionPeriodInDays"])
    else:
        fn.timeout = UNKNOWN  # an intrinsic: not ours to judge

    runtime, r_owner = get("Runtime")
    if runtime is not None:
        fn.runtime = t.resolve(runtime)
        fn.runtime_pos = _pos(r_owner, "Runtime")
    if "FunctionName" in props and not _is_no_value(props["FunctionName"]):
        fn.function_name_pos = _pos(props, "FunctionName")

    # DUR051: only an explicit role defined in this template can be judged.
    role, role_owner = get("Role")
    if fn.function_name_pos is not None:
        roles = {r for r in t.refs(role) if t.rtype(r) == "AWS::IAM::Role"} if role is not None else set()
        fn.name_refs = _name_references(t, logical_id, props["FunctionName"], roles)
    if role is not None:
        fn.role = _role_check(t, role, logical_id)
        if sam and "Policies" in props and fn.role is not None:
            fn.role_note = f"; SAM ignores the Policies listed on {logical_id} when Role is set"
    elif not sam:
        fn.role = None  # CloudFormation requires Role; cfn-lint reports its absence

    # DUR052
    alias, _ = get("AutoPublishAlias")
    fn.has_version = (sam and alias is not None) or _has_version_resource(t, logical_id)
    fn.sam = sam
    fn.version_hint = ("Add AutoPublishAlias: live (SAM publishes a version and an alias on each deploy)." if sam
                       else "Add an AWS::Lambda::Version and an AWS::Lambda::Alias for this function.")

    # DUR054/DUR055: where the handler's code lives
    _code_location(t, fn, res, get, sam)
    fn.env_targets = _env_targets(t, props, fn, gl)
    return fn


_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_QUALIFIED_TYPES = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
_PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


def _env_targets(t: _Template, props: dict[str, Any], fn: DurableFn, gl: dict[str, Any] | None) -> list[EnvTarget]:
    """Environment variables whose value the template makes a Lambda function id (DUR032)."""
    merged: dict[str, tuple[Any, LDict]] = {}
    sources = [gl, props] if gl is not None else [props]
    for owner in sources:  # SAM merges Globals variables under the function's own
        env = owner.get("Environment") if isinstance(owner, dict) else None
        variables = env.get("Variables") if isinstance(env, dict) else None
        if isinstance(variables, LDict):
            for k, v in variables.items():
                merged[k] = (v, variables)
    code_dir = str(fn.code_dir.absolute()) if fn.code_dir is not None else None
    out: list[EnvTarget] = []
    for var, (value, owner) in merged.items():
        state, shown, target = _env_value(t, value)
        if state == "unknown":
            continue
        if not target:
            # the fixed FunctionName of a function of this template, written out: refer to that function
            # (its name goes when DUR053's fix removes FunctionName)
            literal = t.resolve(value)
            target = next((rid for rid in t.resources if t.rtype(rid) in ("AWS::Serverless::Function",
                                                                          "AWS::Lambda::Function")
                           and isinstance(literal, str) and t.resolve(t.props(rid).get("FunctionName")) == literal),
                          "") if isinstance(literal, str) else ""
        if target and t.rtype(target) == "AWS::Serverless::Function":
            target_res = t.resources.get(target)
            target_gl = function_globals(t.globals, target_res.get("IgnoreGlobals")
                                         if isinstance(target_res, dict) else None)
            published = "AutoPublishAlias" in t.props(target) or (target_gl is not None
                                                                  and "AutoPublishAlias" in target_gl)
            fix = (f"use !Ref {target}.Alias" if published
                   else f"add AutoPublishAlias: live to {target} and use !Ref {target}.Alias")
        elif target:
            fix = _plain_target_fix(t, var, target)
        else:
            fix = _literal_fix(t, var, value)
        out.append(EnvTarget(var=var, state=state, value=shown, line=owner.pos(var)[0], fix=fix,
                             code_dir=None if code_dir is None else os.path.normpath(code_dir),
                             durable=_target_durable(t, target) if target else "unknown"))
    return out


def _plain_target_fix(t: _Template, var: str, target: str) -> str:
    """DUR032's fix for an AWS::Lambda::Function target: its alias (or version) if the template has one."""
    found: dict[str, str] = {}
    for other in t.resources:
        rtype = t.rtype(other)
        if rtype in _QUALIFIED_TYPES and target in t.refs(t.props(other).get("FunctionName")):
            found.setdefault(rtype, other)
    pick = found.get("AWS::Lambda::Alias") or found.get("AWS::Lambda::Version")
    if pick:
        return f"set {var} to !Ref {pick} (the {t.rtype(pick).rsplit('::', 1)[1].lower()} of {target})"
    return (f"add an AWS::Lambda::Version and an AWS::Lambda::Alias (FunctionName: !Ref {target}) and set {var} "
            "to !Ref <the alias>")


def _literal_fix(t: _Template, var: str, value: Any) -> str:
    """DUR032's fix for a function id written as text: the alias appended where the text is."""
    param = t.param_default(value)
    literal = t.resolve(value)
    example = f"'{literal}:live'" if isinstance(literal, str) else "...:live"
    if param is not None:
        return f"append an alias or version to the Default of parameter {param[0]} (line {param[1]}), e.g. {example}"
    return f"append an alias or version to {var}, e.g. {example}"


def _env_value(t: _Template, v: Any) -> tuple[str, str, str]:
    """(state, how the template writes it, the function's logical id or "") of one variable."""
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "Ref" and isinstance(x, str):
            base, _, attr = x.partition(".")
            if attr in ("Alias", "Version") and t.rtype(base) == "AWS::Serverless::Function":
                return "qualified", f"!Ref {x}", base
            rtype = t.rtype(x)
            if rtype in _FUNCTION_TYPES:
                return "unqualified", f"!Ref {x}", x
            if rtype in _QUALIFIED_TYPES:
                return "qualified", f"!Ref {x}", ""
            literal = t.resolve(v)
            return (function_id_state(literal), f"!Ref {x} (default {literal!r})", "") if isinstance(literal, str) \
                else ("unknown", "", "")
        if k == "Fn::GetAtt":
            parts = x if isinstance(x, list) else (x.split(".", 1) if isinstance(x, str) else [])
            if len(parts) == 2 and parts[1] == "Arn" and t.rtype(parts[0]) in _FUNCTION_TYPES:
                return "unqualified", f"!GetAtt {parts[0]}.Arn", parts[0]
            return "unknown", "", ""
        if k in ("Fn::Sub", "Fn::Join"):
            s = t.text(v)
            if s is None:
                return "unknown", "", ""
            shown = f"!Sub {s!r}" if k == "Fn::Sub" else repr(s)
            m = re.fullmatch(r"\$\{([A-Za-z0-9]+)(\.Arn)?\}(:[\w$-]+)?", s)
            if m and t.rtype(m.group(1)) in _FUNCTION_TYPES:
                qualifier = m.group(3)
                return qualifier_state(qualifier[1:] if qualifier else None), shown, m.group(1)
            for name, dummy in _PSEUDO.items():
                s = s.replace("${" + name + "}", dummy)
            if "${" in s:
                return "unknown", "", ""
            return function_id_state(s), shown, ""
        return "unknown", "", ""
    if isinstance(v, str):
        return function_id_state(v), repr(v), ""
    return "unknown", "", ""

def function_globals(globals_function: dict[str, Any] | None, ignore: Any) -> dict[str, Any] | None:
    """The Globals a SAM function takes, after its ``IgnoreGlobals`` resource attribute: ``"*"`` for none,
    a list of property names to leave out (positions kept for the messages)."""
    if not isinstance(globals_function, dict) or ignore == "*":
        return None
    if not isinstance(ignore, list) or not ignore:
        return globals_function
    kept: dict[str, Any]
    if isinstance(globals_function, LDict):
        kept = LDict()
        kept.line, kept.col = globals_function.line, globals_function.col
        for k, v in globals_function.items():
            if k not in ignore:
                kept[k] = v
                kept.key_pos[k] = globals_function.pos(k)
    else:
        kept = {k: v for k, v in globals_function.items() if k not in ignore}
    return kept


def durable_config(props: dict[str, Any], globals_function: dict[str, Any] | None, *,
                   sam: bool) -> tuple[Any, dict[str, Any] | None]:
    """(the DurableConfig CloudFormation gets for a function, the mapping it is written in): the
    function's own, else (SAM) the Globals one, SAM-merged when both are literal maps. (None, None)
    when there is none. The deploy checks read templates through this too, so that both agree."""
    own = props.get("DurableConfig") if isinstance(props, dict) else None
    g = globals_function.get("DurableConfig") if sam and isinstance(globals_function, dict) else None
    if own is None:
        return (g, globals_function) if g is not None else (None, None)
    if g is None:
        return own, props
    if not (isinstance(g, dict) and not _is_intrinsic(g) and isinstance(own, dict) and not _is_intrinsic(own)):
        return own, props  # an intrinsic on either side replaces instead of merging
    # SAM merges a Globals map into the function's map, the function's keys winning
    merged: dict[str, Any]
    if isinstance(own, LDict) and isinstance(g, LDict):
        merged = LDict()
        for k, v in list(g.items()) + list(own.items()):
            merged[k] = v
            merged.key_pos[k] = (own if k in own else g).pos(k)
        merged.line, merged.col = own.line, own.col
    else:
        merged = {**g, **own}
    return merged, props


def durable_state(value: Any) -> str:
    """"yes", "no" or "maybe" (an intrinsic only CloudFormation resolves) for a DurableConfig value.
    Absent and ``!Ref AWS::NoValue`` (how a function opts out of SAM Globals) are "no"; an ``Fn::If``
    whose branches agree is what they say."""
    if value is None or _is_no_value(value):
        return "no"
    if not isinstance(value, dict):
        return "maybe"
    if _is_intrinsic(value):
        branches = value.get("Fn::If")
        if isinstance(branches, list) and len(branches) == 3:
            states = {durable_state(branches[1]), durable_state(branches[2])}
            return states.pop() if len(states) == 1 else "maybe"
        return "maybe"
    return "yes"


def _is_no_value(v: Any) -> bool:
    return isinstance(v, dict) and len(v) == 1 and v.get("Ref") == "AWS::NoValue"


def _is_intrinsic(d: dict[str, Any]) -> bool:
    return len(d) == 1 and next(iter(d)).startswith(("Fn::", "Ref", "!"))


def _has_version_resource(t: _Template, logical_id: str) -> bool:
    for other in t.resources:
        rtype = t.rtype(other)
        if rtype in ("AWS::Lambda::Version", "AWS::Lambda::Alias") \
                and logical_id in t.refs(t.props(other).get("FunctionName")):
            return True
    return False


def _role_check(t: _Template, role: Any, fn_id: str) -> RoleCheck | None:
    if not isinstance(role, dict):
        return None  # an ARN string: not verifiable here
    targets = [r for r in t.refs(role) if t.rtype(r) == "AWS::IAM::Role"]
    sub = role.get("Fn::Sub")
    whole_sub = isinstance(sub, str) and re.fullmatch(r"\$\{[A-Za-z0-9]+\.Arn\}", sub.strip()) is not None
    if len(targets) != 1 or not ("Ref" in role or "Fn::GetAtt" in role or whole_sub):
        return None  # a parameter, an import or a Sub over an external name
    role_id = targets[0]
    rprops = t.props(role_id)
    arns = rprops.get("ManagedPolicyArns")
    pos = _pos(rprops, "ManagedPolicyArns") if arns is not None else _pos(t.resources, role_id)
    actions: list[str] = []
    denied: list[str] = []
    # Allow statements whose Resource cannot match this function: (actions, resource as written, line)
    elsewhere: list[tuple[list[str], str, int]] = []
    unknown = False
    managed = False  # the durable managed policy is attached
    nosub = False    # ... written with ${AWS::Partition} outside Fn::Sub, which CloudFormation rejects

    def collect(doc: Any) -> bool:
        return _collect_actions(t, doc, actions, denied, lambda r: _covers(t, r, fn_id), elsewhere)

    if arns is not None:
        if not isinstance(arns, list):
            return RoleCheck("unknown", pos, role_id)
        for arn in arns:
            in_template = [r for r in t.refs(arn) if t.rtype(r) == "AWS::IAM::ManagedPolicy"]
            if in_template:
                unknown |= collect(t.props(in_template[0]).get("PolicyDocument"))
                continue
            text = t.text(arn)
            if text is None:
                unknown = True
            elif text.endswith(":policy/service-role/" + DURABLE_POLICY):
                if _unsubstituted(t, arn):
                    nosub = True
                else:
                    managed = True
    policies = rprops.get("Policies")
    if isinstance(policies, list):
        for p in policies:
            if isinstance(p, dict):
                unknown |= collect(p.get("PolicyDocument"))
    elif policies is not None:
        unknown = True
    for other in t.resources:
        rtype = t.rtype(other)
        oprops = t.props(other)
        if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") and role_id in t.refs(oprops.get("Roles")):
            unknown |= collect(oprops.get("PolicyDocument"))
        elif rtype == "AWS::IAM::RolePolicy" and role_id in t.refs(oprops.get("RoleName")):
            unknown |= collect(oprops.get("PolicyDocument"))
    blocked = denies_actions(denied)
    if blocked:
        return RoleCheck("missing", pos, role_id, problem="deny", detail=", ".join(blocked))
    if managed or allows_actions(actions):
        return RoleCheck("ok", pos, role_id)
    if unknown:
        return RoleCheck("unknown", pos, role_id)
    if allows_actions(actions + [a for acts, _, _ in elsewhere for a in acts]):
        # the actions are there, but only on resources that cannot be this function
        lacking = [need for need in DURABLE_ACTIONS if not _allows(actions, need)]
        shown = [f"{text} (line {line})" for acts, text, line in elsewhere
                 if any(_allows(acts, need) for need in lacking)]
        return RoleCheck("missing", pos, role_id, problem="resource",
                         detail=f"{' + '.join(lacking)} only on {', '.join(dict.fromkeys(shown))}, which cannot "
                                f"match {_name_shown(t, fn_id)}")
    return RoleCheck("missing", pos, role_id, problem="nosub" if nosub else "")


def _unsubstituted(t: _Template, v: Any) -> bool:
    """Whether a value carries ${...} as plain text (outside Fn::Sub, where CloudFormation keeps it as is)."""
    if isinstance(v, str):
        return "${" in v
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "Ref":
            literal = t.resolve(v)
            return isinstance(literal, str) and "${" in literal
        if k == "Fn::Join" and isinstance(x, list) and len(x) == 2 and isinstance(x[1], list):
            return any(_unsubstituted(t, p) for p in [x[0], *x[1]])
    return False


def _allows(actions: list[str], need: str) -> bool:
    return any(fnmatchcase(need.lower(), a.lower()) for a in actions)


def _collect_actions(t: _Template, doc: Any, actions: list[str], denied: list[str],
                     covers: Callable[[Any], str] | None = None,
                     elsewhere: list[tuple[list[str], str, int]] | None = None) -> bool:
    """Append the Allow actions of a policy document to ``actions``, and to ``denied`` the actions of Deny
    statements that surely apply (every resource, no condition); True when part of it is opaque.
    With ``covers``, an Allow whose Resource ``covers`` says "no" goes to ``elsewhere`` instead."""
    if not isinstance(doc, dict) or _is_intrinsic(doc):
        return True
    stmts = doc.get("Statement")
    stmts = [stmts] if isinstance(stmts, dict) else stmts
    if not isinstance(stmts, list):
        return True
    unknown = False
    for s in stmts:
        if not isinstance(s, dict) or _is_intrinsic(s):
            unknown = True
            continue
        acts = s.get("Action")
        acts = [acts] if isinstance(acts, str) else acts
        if s.get("Effect") == "Deny":
            res = s.get("Resource")
            res = [res] if isinstance(res, str) else res
            if isinstance(acts, list) and isinstance(res, list) and "*" in res and not \
                    {"Condition", "NotAction", "NotResource", "Principal", "NotPrincipal"} & set(s):
                denied.extend(a for a in acts if isinstance(a, str))
            continue
        if s.get("Effect") != "Allow":
            continue
        if "NotAction" in s:
            unknown = True
            continue
        if not isinstance(acts, list):
            unknown = True
            continue
        allowed = [a for a in acts if isinstance(a, str)]
        if covers is not None and elsewhere is not None and "Resource" in s and covers(s["Resource"]) == "no":
            line = s.pos("Resource")[0] if isinstance(s, LDict) else 1
            elsewhere.append((allowed, _shown_resource(t, s["Resource"]), line))
            continue
        actions.extend(allowed)
    return unknown


def _code_location(t: _Template, fn: DurableFn, res: dict[str, Any], get: Any, sam: bool) -> None:
    code_dir: Path | None = None
    if sam:
        inline, _ = get("InlineCode")
        uri, _ = get("CodeUri")
        if inline is not None:
            return
        if uri is None:
            code_dir = t.base_dir
        elif isinstance(uri, str) and not uri.startswith("s3://"):
            code_dir = t.base_dir / uri
    else:
        code = res.get("Properties", {}).get("Code") if isinstance(res.get("Properties"), dict) else None
        if isinstance(code, str) and not code.startswith("s3://"):
            code_dir = t.base_dir / code
    if code_dir is None:
        return
    handler, _ = get("Handler")
    handler = t.resolve(handler) if handler is not None else None
    if code_dir.suffix.lower() in (".zip", ".jar"):
        # a local archive (CodeUri: package.zip) is usually built from the template's folder: the handler
        # module there counts when it exists; the code folder itself stays unknown
        if isinstance(handler, str) and code_dir.suffix.lower() == ".zip":
            fn.code_files = [f for f in handler_files(t.base_dir, handler) if f.is_file()]
        return
    fn.code_dir = code_dir
    files: list[Path] = []
    meta = res.get("Metadata")
    build = meta.get("BuildProperties") if isinstance(meta, dict) else None
    entries = build.get("EntryPoints") if isinstance(build, dict) else None
    if isinstance(entries, list):
        files += [code_dir / e for e in entries if isinstance(e, str)]
    if isinstance(handler, str):
        files += handler_files(code_dir, handler)
    fn.code_files = files


# --- function names: what a policy Resource covers (DUR051), what uses a fixed name (DUR053) ------------

_SELF, _OTHER = "\x00self\x00", "\x00other\x00"  # a name token: this function, a generated name of another
_PSEUDO_TEXT = {"AWS::Partition": "aws", "AWS::Region": "region", "AWS::AccountId": "000000000000",
                "AWS::URLSuffix": "amazonaws.com"}
_VAR = re.compile(r"\$\{([^}!][^}]*)\}")
_LAMBDA_ARN = re.compile(r"arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:/]*)(.*)", re.S)


def _ref_text(t: _Template, v: Any, depth: int = 0) -> str | None:
    """A value as Fn::Sub text: references kept as ${X} / ${X.Attr}; None when opaque."""
    if isinstance(v, str):
        return None if "${" in v else v  # ${...} in a plain string is literal text: not worth guessing
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    if not isinstance(v, dict) or len(v) != 1 or depth > 10:
        return None
    (k, x), = v.items()
    if k == "Ref" and isinstance(x, str):
        return "${" + x + "}"
    if k == "Fn::GetAtt":
        parts = x if isinstance(x, list) else []
        return "${" + ".".join(parts) + "}" if len(parts) == 2 and all(isinstance(p, str) for p in parts) else None
    if k == "Fn::Sub":
        if isinstance(x, str):
            return x
        if isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], dict):
            text = x[0]
            for name, value in x[1].items():
                inner = _ref_text(t, value, depth + 1)
                if inner is None:
                    return None
                text = text.replace("${" + name + "}", inner)
            return text
        return None
    if k == "Fn::Join" and isinstance(x, list) and len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], list):
        parts = []
        for p in x[1]:
            inner = _ref_text(t, p, depth + 1)
            if inner is None:
                return None
            parts.append(inner)
        return x[0].join(parts)
    return None


def _expand(t: _Template, text: str, fn_id: str | None, depth: int = 0) -> str:
    """Sub text with parameters (literal defaults), partition/region/account and function names filled in.
    A function's name becomes _SELF (``fn_id``), its fixed name, or _OTHER (generated); the rest stays ${X}."""
    def one(m: re.Match[str]) -> str:
        var = m.group(1)
        if var in _PSEUDO_TEXT:
            return _PSEUDO_TEXT[var]
        base, _, attr = var.partition(".")
        if t.rtype(base) in _FUNCTION_TYPES and attr in ("", "Arn"):
            if base == fn_id:
                name = _SELF
            else:
                fixed = _fixed_name(t, base, depth + 1)
                name = _OTHER if fixed is None else fixed if isinstance(fixed, str) else m.group(0)
            return f"arn:aws:lambda:region:000000000000:function:{name}" if attr else name
        p = t.params.get(var)
        if not attr and isinstance(p, dict) and isinstance(p.get("Default"), str | int) \
                and "${" not in str(p["Default"]):
            return str(p["Default"])
        return m.group(0)
    return _VAR.sub(one, text)


def _fixed_name(t: _Template, logical_id: str, depth: int = 0) -> Any:
    """The FunctionName of a function as text, None when it has none (CloudFormation generates one),
    UNKNOWN when it cannot be read."""
    props = t.props(logical_id)
    v = props.get("FunctionName")
    if v is None or _is_no_value(v):
        return None
    text = _ref_text(t, v) if depth < 5 else None
    if text is None:
        return UNKNOWN
    text = _expand(t, text, None, depth)
    return UNKNOWN if "${" in text or "\x00" in text else text


def _name_shown(t: _Template, fn_id: str) -> str:
    fixed = _fixed_name(t, fn_id)
    if isinstance(fixed, str):
        return f"its FunctionName {fixed}"
    return f"its generated name (<stack>-{fn_id}-<suffix>)"


def _shown_resource(t: _Template, res: Any) -> str:
    """A Resource for messages: its text, with references as ${X} the way Fn::Sub writes them."""
    if isinstance(res, list):
        return "[" + ", ".join(_shown_resource(t, r) for r in res) + "]"
    text = _ref_text(t, res)
    return repr(text) if text is not None else "an intrinsic"


def _wildcard(pattern: str) -> re.Pattern[str]:
    """An IAM resource pattern (* and ? only) as a regex."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S)


def _covers(t: _Template, res: Any, fn_id: str) -> str:
    """Whether a statement's Resource can cover function ``fn_id``: "yes", "no" or "unknown" (a shape
    not judged: it counts as granting, so that no finding rests on a guess)."""
    items = res if isinstance(res, list) else [res]
    states = [_covers_one(t, r, fn_id) for r in items]
    if "yes" in states:
        return "yes"
    return "no" if states and all(s == "no" for s in states) else "unknown"


def _covers_one(t: _Template, res: Any, fn_id: str) -> str:
    if res == "*":
        return "yes"
    text = _ref_text(t, res)
    if text is None:
        return "unknown"
    m = _LAMBDA_ARN.fullmatch(_expand(t, text, fn_id))
    if m is None:
        return "unknown"  # not a function ARN (or an unresolved part before the name)
    name, rest = m.group(1), m.group(2)
    if "${" in name:
        return "unknown"  # ${AWS::StackName}, a parameter without default, ...
    if _SELF in name:
        # this function's own ARN: the executions live below function:NAME:QUALIFIER/...
        covered = (name == _SELF and rest.startswith(("*", ":*"))) or name == _SELF + "*"
        return "yes" if covered else "unknown"
    if _OTHER in name:
        return "no" if name.startswith(_OTHER) else "unknown"
    own = _fixed_name(t, fn_id)
    if isinstance(own, str):
        return "yes" if _wildcard(name).fullmatch(own) else "no"
    if own is UNKNOWN:
        return "unknown"
    # a generated name: <stack>-<LogicalId>-<suffix>
    if name and all(c in "*?" for c in name):
        return "yes"
    if "*" in name or "?" in name or fn_id in name:
        return "unknown"  # a pattern may match some stack's generated name; a name written after a deploy may
    return "no"


_QUALIFIER = re.compile(r"[A-Za-z0-9$_-]{1,128}")  # a version or alias after the name: `orders:live`


def _name_references(t: _Template, fn_id: str, value: Any, roles: set[str]) -> list[str]:
    """Where else the template uses a function's fixed name as its name: "line N (what)" for DUR053's fix.
    The name (its literal text, or ${P} of the parameter it comes from) counts where a function name is
    meant: a whole environment variable or FunctionName value, after ``:function:`` in an ARN, or after
    ``/aws/lambda/`` in a log group; in the policies of the function's own ``roles`` also an ARN pattern
    that covers the name (function:orders-*). Other uses of the parameter (a topic name) keep working."""
    names: set[str] = set()
    text = _ref_text(t, value)
    if text is not None:
        names.add(text)  # ${P} for !Ref P, the Sub text, the literal
        expanded = _expand(t, text, None)
        if "\x00" not in expanded:
            names.add(expanded)  # a parameter's default, written out
    names.discard("")
    found: dict[int, str] = {}
    forms = [re.compile(r"(?::function:|/aws/lambda/)" + re.escape(n) + r"(?![\w-])") for n in names]
    own = False  # walking a policy of the function's own role (set in the loop below)

    def hit(s: str, whole: bool) -> bool:
        if whole and (s in names or any(s.startswith(n + ":") and _QUALIFIER.fullmatch(s[len(n) + 1:])
                                        for n in names)):  # `orders:live`: the name with a qualifier
            return True
        if any(f.search(s) for f in forms):
            return True
        if not own:
            return False
        # a pattern that covers this name, and a generated one only by chance (function:orders-*)
        m = _LAMBDA_ARN.fullmatch(_expand(t, s, None))
        pattern = m.group(1) if m else ""
        return bool(pattern) and "${" not in pattern and "\x00" not in pattern and \
            not all(c in "*?" for c in pattern) and any(_wildcard(pattern).fullmatch(n) for n in names)

    def walk(v: Any, line: int, where: str, whole: bool, depth: int) -> None:
        if depth > 60 or line in found:
            return
        if isinstance(v, str):
            if hit(v, whole):
                found[line] = where
        elif isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("Ref", "Fn::Sub", "Fn::Join"):
            s = _ref_text(t, v)
            if s is not None and hit(s, whole):
                found[line] = where
        elif isinstance(v, dict):
            for k, x in v.items():
                # a SAM policy template's FunctionName (LambdaInvokePolicy) is a whole function name too
                walk(x, v.pos(k)[0] if isinstance(v, LDict) else line, where, whole or k == "FunctionName",
                     depth + 1)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                at = v.pos[i][0] if isinstance(v, LList) and i < len(v.pos) else line
                walk(x, at, where, whole, depth + 1)

    for rid, res in t.resources.items():
        props = res.get("Properties") if isinstance(res, dict) else None
        if not isinstance(props, dict):
            continue
        # SAM Policies of the function itself go to its generated role
        own = rid in roles or bool(roles & t.refs(props.get("Roles"))) or bool(roles & t.refs(props.get("RoleName"))) \
            or rid == fn_id
        for key, v in props.items():
            if rid == fn_id and key == "FunctionName":
                continue
            if key in ("Policies", "PolicyDocument", "ManagedPolicyArns"):
                where = f"policy of {rid}"
            elif key == "Environment":
                where = f"environment of {rid}"
            else:
                where = f"{key} of {rid}"
            line = props.pos(key)[0] if isinstance(props, LDict) else 1
            walk(v, line, where, key in ("Environment", "FunctionName"), 0)
    if t.globals is not None:
        walk(t.globals.get("Environment"), t.globals.pos("Environment")[0], "Globals environment", True, 0)
    outputs = t.doc.get("Outputs") if isinstance(t.doc, dict) else None
    if isinstance(outputs, LDict):
        own = False
        for key, v in outputs.items():
            walk(v, outputs.pos(key)[0], f"output {key}", False, 0)
    return [f"line {line} ({where})" for line, where in sorted(found.items())]


def _target_durable(t: _Template, logical_id: str) -> str:
    """Whether a function of this template is durable: "yes", "no" or "maybe" (DUR032 skips "no")."""
    res = t.resources.get(logical_id)
    if not isinstance(res, dict):
        return "unknown"
    sam = t.rtype(logical_id) == "AWS::Serverless::Function"
    gl = function_globals(t.globals, res.get("IgnoreGlobals")) if sam else None
    return durable_state(durable_config(t.props(logical_id), gl, sam=sam)[0])
