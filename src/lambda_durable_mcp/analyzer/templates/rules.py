"""DUR050-DUR055 over a language-neutral view of the durable functions a template declares.

``cfn.py`` (SAM/CloudFormation YAML and JSON), ``cdk.py`` (CDK TypeScript), ``serverless.py`` (Serverless
Framework) and ``terraform.py`` (Terraform modules) each turn a file into ``DurableFn`` records; this module
decides the findings, so the syntaxes say the same things (each fix written in its own syntax).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import EnvTarget, ProjectView
from lambda_durable_mcp.analyzer.model import FUNCTION_ID, RULES, Diagnostic, Severity


class _Unknown:
    """A value the analyzer cannot know statically (an intrinsic, an import, a parameter without default)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

MAX_EXECUTION_TIMEOUT = 31_622_400
DURABLE_POLICY = "AWSLambdaBasicDurableExecutionRolePolicy"
# What the managed policy grants besides logs (AWS managed policy reference, v3).
DURABLE_ACTIONS = ("lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState")
# a requirement line, or a quoted entry of a list (`dependencies = ["boto3", "aws-durable-execution-sdk-python"]`)
PY_SDK_PACKAGE = re.compile(r"(?:^\s*|[\"'])aws[-_.]durable[-_.]execution[-_.]sdk[-_.]python\b", re.I | re.M)


@dataclass(frozen=True)
class Pos:
    line: int
    col: int = 1
    end_col: int | None = None
    file: str = ""  # another file of the same folder (a Terraform module), "" for the checked file


@dataclass
class RoleCheck:
    """The explicit role of a durable function, as far as the file shows it."""

    state: str          # "ok" | "missing" | "unknown"
    pos: Pos            # where to report a missing permission (the role's definition)
    name: str           # the role's logical id or variable
    problem: str = ""   # why "missing": "" (not granted), "nosub" (ARN with ${AWS::Partition} as plain text),
                        # "deny" (a Deny statement blocks the actions), "resource" (granted on other resources)
    detail: str = ""    # for "deny": the denied actions as written; for "resource": the resources and why
    ref: str = ""       # Terraform: how a fix's attachment names the role (count, for_each); "" for role = <name>.name


@dataclass
class DurableFn:
    name: str
    pos: Pos                                  # logical id / constructor line
    durable_pos: Pos                          # the DurableConfig key
    timeout: Any = None                       # seconds, UNKNOWN, or None when missing
    timeout_pos: Pos | None = None
    timeout_text: str = "ExecutionTimeout"
    retention: Any = None                     # days, UNKNOWN, or None when absent
    retention_pos: Pos | None = None
    retention_text: str = "RetentionPeriodInDays"
    runtime: Any = None                       # "nodejs22.x", UNKNOWN, or None when absent
    runtime_pos: Pos | None = None
    runtime_text: str = ""                    # CDK: the runtime expression as written (Runtime.NODEJS_20_X)
    function_name_pos: Pos | None = None
    function_name_text: str = "FunctionName"
    name_refs: list[str] = field(default_factory=list)  # "line N (what)": other uses of the fixed name
    role: RoleCheck | None = None             # None: the tool generates a role with the policy
    has_version: bool = False
    version_hint: str = ""
    version_note: str = ""                    # why it has no usable version, when more is known (CDK latestVersion)
    sam: bool = False  # an AWS::Serverless::Function (Globals and AutoPublishAlias apply)
    # syntax "cdk-python" and "cdk": how the file's imports spell DurableConfig, Duration and ManagedPolicy in
    # a fix (with "<Name>_import": what to add to the imports for it, TypeScript)
    py_names: dict[str, str] = field(default_factory=dict)
    code_files: list[Path] = field(default_factory=list)   # files that may hold the handler
    code_dir: Path | None = None
    config_from: str = ""                     # "Globals" when DurableConfig comes from SAM Globals
    syntax: str = "yaml"                      # "yaml" | "json" | "cdk" | "serverless" | "terraform": how fixes
                                              # are written
    durable_text: str = "DurableConfig"       # how the file spells the durable configuration key
    timeout_case: str = ""                    # a differently-cased ExecutionTimeout key that is not read
    timeout_param: tuple[str, int] | None = None    # (parameter, line of its Default) the timeout comes from
    retention_param: tuple[str, int] | None = None
    runtime_param: tuple[str, int] | None = None
    param_files: dict[str, str] = field(default_factory=dict)  # Terraform: "var.x" -> the file of its default
    role_note: str = ""                       # more on DUR051 for this function (SAM Policies beside Role)
    env_targets: list[EnvTarget] = field(default_factory=list)  # for DUR032 at invoke(<env var>)
    # False: a function without any DurableConfig, kept only to check that its handler is no durable
    # one (DUR050); the other rules pass it over
    durable: bool = True
    handler: str = ""                         # the Handler setting as written ("app.handler")


def _diag(path: str, rule: str, pos: Pos, what: str, fix: str, severity: Severity | None = None) -> Diagnostic:
    r = RULES[rule]
    end_col = pos.end_col if pos.end_col is not None else pos.col
    if pos.file and pos.file != os.path.basename(path):
        # a line in another file of the module: reported there, so that its suppressions apply
        path = os.path.join(os.path.dirname(path), pos.file)
    return Diagnostic(
        path=path, line=pos.line, column=pos.col, end_line=pos.line, end_column=end_col, rule=rule,
        severity=severity or r.severity, message=f"{what} (guide: {r.guide})", fix=fix,
    )


def _as_number(v: Any) -> Any:
    """int/float, UNKNOWN, or the original text when it is not a number at all."""
    if v is None or v is UNKNOWN:
        return v
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float):
        return v if math.isfinite(v) else str(v)  # .inf, 1.0e400: no number of seconds
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            try:
                f = float(s)
                return f if math.isfinite(f) else v
            except ValueError:
                return v
    return UNKNOWN


def _num(v: float) -> str:
    return f"{int(v):,}" if v == int(v) else f"{v:,.3f}".rstrip("0")


def _fmt_seconds(s: float) -> str:
    """3 days, 90 minutes, 259,201 seconds: the largest unit that divides the value."""
    if s >= 86400 and s % 86400 == 0:
        n, unit = s / 86400, "day"
    elif s >= 3600 and s % 3600 == 0:
        n, unit = s / 3600, "hour"
    elif s >= 60 and s % 60 == 0:
        n, unit = s / 60, "minute"
    else:
        n, unit = s, "second"
    return f"{_num(n)} {unit}{'' if n == 1 else 's'}"


def _shown_seconds(s: float) -> str:
    """A value in seconds as a message shows it: "259,200 s (3 days)", "40,000,000 s (about 463 days)"."""
    plain = _fmt_seconds(s)
    if not plain.endswith(("second", "seconds")):
        return f"{_num(s)} s ({plain})"
    if s >= 86400:
        return f"{_num(s)} s (about {_num(round(s / 86400, 1))} days)"
    return f"{_num(s)} s"


def _tf_origin(param: tuple[str, int], fn: DurableFn) -> tuple[str, str]:
    """(what, where) of a Terraform value taken from a variable default or a local."""
    name, line = param
    where = f"{fn.param_files[name]} line {line}" if fn.param_files.get(name) else f"line {line}"
    return (f"the default of variable {name[4:]}" if name.startswith("var.") else name), where


def _param_note(param: tuple[str, int] | None, fn: DurableFn | None = None) -> str:
    if param and fn is not None and fn.syntax == "terraform":
        what, where = _tf_origin(param, fn)
        return f" (from {what}, {where})"
    return f" (from the Default of parameter {param[0]}, line {param[1]})" if param else ""


def _setting(text: str, param: tuple[str, int] | None, fn: DurableFn | None = None) -> str:
    """What the fix changes: the key, or the parameter default it comes from."""
    if param and fn is not None and fn.syntax == "terraform":
        what, where = _tf_origin(param, fn)
        return f"{what} ({where})"
    return f"the Default of parameter {param[0]} (line {param[1]})" if param else text


# --- DUR054 -----------------------------------------------------------------------------------------

def runtime_problem(runtime: str, python_sdk_bundled: bool | None) -> tuple[Severity, str, str] | None:
    """(severity, what, fix) when the durable SDK cannot run on ``runtime``; None when it can or we cannot tell.

    Node.js 22+ and Python 3.13+ are managed durable runtimes. Python 3.11/3.12 work only with the
    SDK bundled (``aws-durable-execution-sdk-python`` needs Python >= 3.11): a warning unless the
    code folder's requirements list it. Java 17+ and .NET 8+ have their own durable SDKs; custom
    runtimes (``provided*``) may bundle anything: no finding for either.
    """
    rt = runtime.strip().lower()
    if m := re.fullmatch(r"nodejs(\d+)(?:\.\d+)?(?:\.x)?(?:-edge)?", rt) or re.fullmatch(r"nodejs()", rt):
        major = int(m.group(1) or 0)
        if major < 22:
            return ("error", f"Runtime {runtime} is below Node.js 22, the oldest runtime the durable SDK supports",
                    "Use nodejs22.x or nodejs24.x.")
        return None
    if m := re.fullmatch(r"python(\d+)\.(\d+)", rt):
        ver = (int(m.group(1)), int(m.group(2)))
        if ver < (3, 11):
            return ("error", f"Runtime {runtime} is below Python 3.11, which the durable SDK requires",
                    "Use python3.13 or python3.14.")
        if ver < (3, 13) and not python_sdk_bundled:
            return ("warning", f"Runtime {runtime} has no built-in durable SDK (python3.13+ has)",
                    "Use python3.13+, or list aws-durable-execution-sdk-python in the function's "
                    "requirements.txt so it is bundled.")
        return None
    if m := re.fullmatch(r"java(\d+)(?:\.al2(?:023)?)?", rt):
        if int(m.group(1)) < 17:
            return ("error", f"Runtime {runtime} is not a durable runtime (Java durable functions need java17+)",
                    "Use java17, java21 or java25, or a Node.js 22+/Python 3.13+ runtime.")
        return None
    if m := re.fullmatch(r"dotnet(?:core)?(\d+)(?:\.\d+)?", rt):
        if rt.startswith("dotnetcore") or int(m.group(1)) < 8:
            return ("error", f"Runtime {runtime} is not a durable runtime (.NET durable functions need dotnet8+)",
                    "Use dotnet8 or dotnet10, or a Node.js 22+/Python 3.13+ runtime.")
        return None
    if rt.startswith(("go1", "ruby")):
        return ("error", f"Runtime {runtime} has no durable execution SDK",
                "Use nodejs22.x+ or python3.13+ (or java17+/dotnet8+ with their SDKs).")
    return None


def _cdk_runtime_fix(fix: str, written: str) -> str:
    """A DUR054 fix in CDK's terms when the runtime is one of its constants: `Runtime.NODEJS_20_X` gets
    `Runtime.NODEJS_22_X or Runtime.NODEJS_24_X`, not the runtime identifiers of a template."""
    m = re.fullmatch(r"([\w.]*?)(NODEJS|PYTHON)_[\dA-Z_]+", written.strip())
    if m is None:
        return fix
    prefix = m.group(1)

    def constant(runtime: str) -> str:
        return prefix + runtime.upper().replace(".", "_").replace("NODEJS", "NODEJS_").replace("PYTHON", "PYTHON_")

    return re.sub(r"\b(?:nodejs\d+\.x|python3\.\d+)", lambda r: constant(r.group(0)), fix)


def _below(path: Path, root: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root or ".")
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def python_sdk_bundled(code_dir: Path | None) -> bool | None:
    if code_dir is None:
        return None
    for name in ("requirements.txt", "pyproject.toml", "Pipfile"):
        f = code_dir / name
        try:
            if f.is_file() and f.stat().st_size < 1_000_000 and PY_SDK_PACKAGE.search(f.read_text("utf-8", "replace")):
                return True
        except OSError:
            continue
    return False


# --- DUR055 -----------------------------------------------------------------------------------------

CODE_EXTS = (".py", ".ts", ".mts", ".js", ".mjs", ".cjs")
_BUILD_DIRS = ("dist", "build", "out", ".build")


def qualifier_state(qualifier: str | None) -> str:
    """How DUR032 reads a function id's qualifier: "unqualified", "latest" or "qualified"."""
    return "unqualified" if qualifier is None else "latest" if qualifier == "$LATEST" else "qualified"


def function_id_state(text: str) -> str:
    """``qualifier_state`` of a literal function id; "unknown" when the text is no function id.
    Only consulted where code invokes the value, so a bare word there is a function name."""
    m = FUNCTION_ID.fullmatch(text)
    return "unknown" if m is None else qualifier_state(m.group("qualifier"))


def handler_files(code_dir: Path, handler: str) -> list[Path]:
    """Files that may hold ``handler`` ("app.handler", "dist/app.handler", "pkg.mod.handler") in ``code_dir``.

    A handler in a build folder (dist/app.handler) may be compiled from src/app.ts or app.ts.
    """
    if "." not in handler:
        return []
    module = handler.rsplit(".", 1)[0]
    files = [code_dir / (module + ext) for ext in CODE_EXTS]
    if "." in module:  # Python package path: pkg.mod.handler -> pkg/mod.py
        files.append(code_dir / (module.replace(".", "/") + ".py"))
    head, _, rest = module.partition("/")
    if rest and head in _BUILD_DIRS:
        for src in (code_dir / "src" / rest, code_dir / rest):
            files += [src.with_name(src.name + ext) for ext in (".ts", ".mts", ".js", ".mjs")]
    last = code_dir.name
    if last in _BUILD_DIRS:  # Code.fromAsset('lambda/dist') + index.handler
        files += [code_dir.parent / "src" / (module + ext) for ext in (".ts", ".mts")]
    return files

def in_runtime_language(files: list[Path], runtime: Any, *, node: bool = False) -> list[Path]:
    """The candidate handler files in the runtime's language: app.handler of a Node.js function is no
    app.py beside it (DUR050's durable-handler check reads only these). With no runtime known, all of
    them, or only the non-Python ones when the construct is Node.js by its kind (``node``)."""
    if isinstance(runtime, str):
        python = runtime.startswith("python")
        return [f for f in files if (f.suffix == ".py") == python]
    return [f for f in files if f.suffix != ".py"] if node else files


def _summary_index(project: ProjectView) -> dict[str, str]:
    root = Path(project.root or ".")
    out: dict[str, str] = {}
    for key in project.summaries:
        p = Path(key)
        full = p if p.is_absolute() else root / p
        out[os.path.normpath(str(full.absolute()))] = key
    return out


def _display(key: str, root: str) -> str:
    p = Path(key)
    if p.is_absolute() and root:
        try:
            return p.relative_to(Path(root).absolute()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _code_waits(fn: DurableFn, project: ProjectView, index: dict[str, str]) -> list[tuple[float, str, str]]:
    found: list[tuple[float, str, str]] = []
    seen: set[str] = set()
    for f in fn.code_files:
        key = index.get(os.path.normpath(str(f.absolute())))
        if key is None or key in seen:
            continue
        seen.add(key)
        summary = project.summaries[key]
        for d in summary.durations:
            found.append((d.seconds, f"{_display(key, project.root)}:{d.line}", d.kind))
    return found


# --- all rules --------------------------------------------------------------------------------------

def check_functions(path: str, fns: list[DurableFn], project: ProjectView) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    index = _summary_index(project) if project.summaries else {}
    # DUR055 per timeout position (a Globals value is shared): (first function, timeout, longer waits)
    waits: dict[tuple[int, int], tuple[DurableFn, float, list[tuple[float, str, str, str]]]] = {}
    for fn in fns:
        if not fn.durable:
            found = _durable_handler_of(fn, project, index) if index else None
            if found is not None:
                longest = max((w[0] for w in _code_waits(fn, project, index)), default=0.0)
                out.append(_diag(path, "DUR050", fn.pos, *_missing_config(fn, found, longest)))
            continue
        where = f"durable function {fn.name}" + (" (DurableConfig from Globals)" if fn.config_from else "")
        # DUR050
        timeout = _as_number(fn.timeout)
        if fn.timeout is None:
            what = f"{fn.durable_text} of {fn.name} has no {fn.timeout_text}: it is required"
            fix = f"Add {fn.timeout_text} (1 to {MAX_EXECUTION_TIMEOUT:,} seconds)."
            if fn.timeout_case:
                what += f" ({fn.timeout_case} is not read: keys are case-sensitive)"
                fix = f"Rename {fn.timeout_case} to {fn.timeout_text}."
            out.append(_diag(path, "DUR050", fn.durable_pos, what, fix))
            timeout = UNKNOWN
        elif timeout is not UNKNOWN:
            bad = (not isinstance(timeout, int | float) or timeout != int(timeout)
                   or not 1 <= timeout <= MAX_EXECUTION_TIMEOUT)
            if bad:
                shown = _shown_seconds(timeout) if isinstance(timeout, int | float) else repr(timeout)
                out.append(_diag(path, "DUR050", fn.timeout_pos or fn.durable_pos,
                                 f"{fn.timeout_text} {shown} of {fn.name}{_param_note(fn.timeout_param, fn)} is outside "
                                 f"1..{MAX_EXECUTION_TIMEOUT:,} whole seconds (366 days)",
                                 f"Set {_setting(fn.timeout_text, fn.timeout_param, fn)} to whole seconds between 1 and "
                                 f"{MAX_EXECUTION_TIMEOUT:,}."))
                timeout = UNKNOWN
        retention = _as_number(fn.retention)
        if retention is not None and retention is not UNKNOWN:
            if not isinstance(retention, int | float) or retention != int(retention) or not 1 <= retention <= 90:
                shown = f"{_num(retention)} days" if isinstance(retention, int | float) else repr(retention)
                out.append(_diag(path, "DUR050", fn.retention_pos or fn.durable_pos,
                                 f"{fn.retention_text} {shown} of {fn.name}{_param_note(fn.retention_param, fn)} is "
                                 "outside 1..90 whole days",
                                 f"Set {_setting(fn.retention_text, fn.retention_param, fn)} to whole days between 1 "
                                 "and 90 (default 14)."))
        # DUR051
        if fn.role is not None and fn.role.state == "missing":
            what, fix = _role_problem(fn, fn.role, where)
            out.append(_diag(path, "DUR051", fn.role.pos, what, fix))
        # DUR052
        if not fn.has_version:
            what = fn.version_note or "has no published version or alias"
            out.append(_diag(path, "DUR052", fn.pos,
                             f"{where[0].upper()}{where[1:]} {what}: durable invocations "
                             "need a qualified ARN, and $LATEST is not meant for production",
                             fn.version_hint or "Publish a version and an alias and invoke that."))
        # DUR053
        if fn.function_name_pos is not None:
            out.append(_diag(path, "DUR053", fn.function_name_pos,
                             f"{fn.function_name_text} is fixed on {where}: any change that replaces the function "
                             "(adding DurableConfig to an existing one does) fails: the new function is created "
                             "before the old one is deleted, under the same name",
                             _name_fix(fn)))
        # DUR054
        if isinstance(fn.runtime, str) and fn.runtime_pos is not None:
            bundled = None
            if fn.runtime.lower().startswith("python"):
                # the code folder is read only below the analysis root (a CodeUri of ../../x must not
                # probe files outside the workspace); outside it, whether the SDK is bundled is unknown,
                # and an older Python runtime is not judged
                inside = fn.code_dir is not None and _below(fn.code_dir, project.root)
                bundled = python_sdk_bundled(fn.code_dir) if inside else True
            problem = runtime_problem(fn.runtime, bundled)
            if problem:
                sev, what, fix = problem
                fix = _cdk_runtime_fix(fix, fn.runtime_text) if fn.syntax in ("cdk", "cdk-python") else fix
                if fn.runtime_param:  # say which default to change
                    what += _param_note(fn.runtime_param, fn)
                    fix = f"In {_setting('Runtime', fn.runtime_param, fn)}: {fix[0].lower()}{fix[1:]}"
                out.append(_diag(path, "DUR054", fn.runtime_pos, f"{what} ({fn.name})", fix, severity=sev))
        # DUR055: one finding per timeout value, with the longest wait of every function that shares it
        if isinstance(timeout, int | float) and index:
            longer = [(*w, fn.name) for w in _code_waits(fn, project, index) if w[0] > timeout]
            if longer:
                pos = fn.timeout_pos or fn.durable_pos
                group = waits.setdefault((pos.line, pos.col), (fn, timeout, []))
                group[2].extend(w for w in longer if w[1:3] not in {g[1:3] for g in group[2]})
    for first, timeout, longer in waits.values():
        longer.sort(key=lambda w: (-w[0], w[1]))
        secs, loc, kind, _ = longer[0]
        names = list(dict.fromkeys(w[3] for w in longer))
        more = f" (and {len(longer) - 1} more)" if len(longer) > 1 else ""
        label = {"wait": "wait", "callback-timeout": "callback timeout",
                 "condition-timeout": "condition timeout"}.get(kind, kind)
        of = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        out.append(_diag(path, "DUR055", first.timeout_pos or first.durable_pos,
                         f"The {label} of {_fmt_seconds(secs)} at {loc}{more} is longer than "
                         f"{first.timeout_text} {_fmt_seconds(timeout)} of {of}{_param_note(first.timeout_param, first)}: "
                         "the execution times out first",
                         f"Raise {_setting(first.timeout_text, first.timeout_param, first)} above {_num(secs)} s"
                         + (f" (the longest of these {len(longer)} waits) or shorten them." if more
                            else f" or shorten the {label}.")))
    return _dedupe(out)


POLICY_ARN = "arn:${AWS::Partition}:iam::aws:policy/service-role/" + DURABLE_POLICY
CDK_POLICY = f'iam.ManagedPolicy.fromAwsManagedPolicyName("service-role/{DURABLE_POLICY}")'
TF_POLICY = "arn:aws:iam::aws:policy/service-role/" + DURABLE_POLICY


def _durable_handler_of(fn: DurableFn, project: ProjectView, index: dict[str, str]) -> str | None:
    """`file:name` of the durable handler a function without DurableConfig runs, or None."""
    export = fn.handler.rsplit(".", 1)[-1]
    for f in fn.code_files:
        key = index.get(os.path.normpath(str(f.absolute())))
        if key is not None and export in project.summaries[key].durable_handlers:
            return f"{_display(key, project.root)}:{export}"
    return None


def _missing_config(fn: DurableFn, handler: str, longest: float = 0.0) -> tuple[str, str]:
    """DUR050 for a durable handler without DurableConfig. The timeout the fix proposes outlasts the
    longest wait or callback timeout in the handler's code, and is a day at least: a callback timeout
    of an hour (DUR033's fix) then fits, and applying both fixes gives no DUR055."""
    what = (f"{fn.name} has no {fn.durable_text}, but its handler {handler} is a durable function: Lambda "
            "invokes it as a plain function and the SDK rejects the event (\"Unexpected payload provided to start "
            "the durable execution\")")
    secs = next((d for d in (86_400, 604_800, 2_592_000) if d > longest), MAX_EXECUTION_TIMEOUT)
    days = f"days({secs // 86_400})" if secs % 86_400 == 0 else f"seconds({secs})"
    if fn.syntax == "json":
        config, unit = f'"DurableConfig": {{"ExecutionTimeout": {secs}}}', "ExecutionTimeout in seconds, up to 31,622,400"
    elif fn.syntax == "cdk":
        config = (f"durableConfig: {{ executionTimeout: {fn.py_names.get('Duration', 'Duration')}.{days} }}"
                  f"{fn.py_names.get('Duration_import', '')}")
        unit = "executionTimeout up to 366 days"
    elif fn.syntax == "serverless":
        config, unit = f"durableConfig: {{executionTimeout: {secs}}}", "executionTimeout in seconds, up to 31,622,400"
    elif fn.syntax == "terraform":
        config, unit = f"durable_config {{ execution_timeout = {secs} }}", "execution_timeout in seconds, up to 31,622,400"
    elif fn.syntax == "cdk-python":
        config = (f"durable_config={fn.py_names.get('DurableConfig', '_lambda.DurableConfig')}(execution_timeout="
                  f"{fn.py_names.get('Duration', 'Duration')}.{days})")
        unit = "execution_timeout up to 366 days"
        if fn.py_names.get("config_imports"):  # the fix's names, when the file does not import them yet
            config += f" ({fn.py_names['config_imports']})"
        if fn.py_names.get("config_none"):
            return what, (f"Replace durable_config=None of {fn.name} with {config} ({unit}); adding it to a "
                          "deployed function replaces the function.")
    else:
        config, unit = f"DurableConfig: {{ExecutionTimeout: {secs}}}", "ExecutionTimeout in seconds, up to 31,622,400"
    return what, f"Add {config} to {fn.name} ({unit}); adding it to a deployed function replaces the function."


def policy_arn(syntax: str) -> str:
    """The durable managed policy's ARN, written so that the syntax at hand substitutes the partition."""
    if syntax == "cdk":
        return CDK_POLICY
    if syntax == "terraform":
        return f'"{TF_POLICY}"'
    if syntax == "json":
        return '{"Fn::Sub": "' + POLICY_ARN + '"}'
    return "!Sub " + POLICY_ARN


def _name_fix(fn: DurableFn) -> str:
    """DUR053's fix: removing the name breaks what still uses it, and replaces a deployed function."""
    key = fn.function_name_text
    replaced = ("Removing the name replaces a deployed function: do it before the first durable deploy, or accept "
                "the replacement.")
    if not fn.name_refs:
        return f"Remove {key} and let the tool generate the name. {replaced}"
    refs = fn.name_refs[:5] + ([f"{len(fn.name_refs) - 5} more"] if len(fn.name_refs) > 5 else [])
    # the managed policy covers only the function's own checkpoints; another function's grant on its callback
    # or execution APIs needs a Resource without the name, and naming its ARN there can make a dependency cycle
    other = ("a generated-name pattern such as !Sub arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:"
             "function:${AWS::StackName}-*" if fn.syntax in ("yaml", "json") else "a pattern that does not name it")
    return (f"Remove {key}, and change what uses the name: {', '.join(refs)}. The function's own role gets its "
            f"checkpoint actions from {DURABLE_POLICY}; another function's grant on its callback or execution APIs "
            f"needs {other} (its ARN there can make a circular dependency). {replaced}")


def _role_problem(fn: DurableFn, role: RoleCheck, where: str) -> tuple[str, str]:
    """(message, fix) of DUR051 for the syntax the function is written in."""
    cdk = fn.syntax in ("cdk", "cdk-python")
    cdk_policy = CDK_POLICY
    if fn.syntax == "cdk" and fn.py_names.get("ManagedPolicy"):  # spelled as the file imports it
        cdk_policy = (f'{fn.py_names["ManagedPolicy"]}.fromAwsManagedPolicyName("service-role/{DURABLE_POLICY}")'
                      f'{fn.py_names.get("ManagedPolicy_import", "")}')
    if fn.syntax == "cdk-python":
        cdk_policy = (f"{fn.py_names.get('ManagedPolicy', 'iam.ManagedPolicy')}.from_aws_managed_policy_name("
                      f'"service-role/{DURABLE_POLICY}")')
    if role.problem == "nosub":
        what = (f"Role {role.name} of {where} lists the {DURABLE_POLICY} ARN with ${{AWS::Partition}} in a plain "
                "string: CloudFormation substitutes it only inside Fn::Sub, so the ARN is invalid and the policy is not "
                "attached")
        fix = (f"Use {cdk_policy} (CDK fills in the partition)." if cdk
               else f"Write the ARN as {policy_arn(fn.syntax)}")
        return what, fix
    if role.problem == "deny":
        what = (f"Role {role.name} of {where} has a Deny statement for {role.detail}: a Deny overrides any Allow, "
                "so checkpoints fail with AccessDenied")
        return what, (f"Remove the Deny of {role.detail} from the role, or keep "
                      f"{' and '.join(DURABLE_ACTIONS)} out of it.")
    if fn.syntax == "terraform":  # (Terraform roles have no partition or Resource problems: not read)
        what = (f"Role {role.name} of {where} lacks {DURABLE_POLICY} (or {' + '.join(DURABLE_ACTIONS)})"
                f"{f'; its policies do not allow {role.detail}' if role.detail else ''}: checkpoints fail with "
                "AccessDenied")
        return what, (f'Add resource "aws_iam_role_policy_attachment" with {role.ref or f"role = {role.name}.name"} and policy_arn = '
                      f'"{TF_POLICY}" (or an Allow statement for both actions in an aws_iam_role_policy).')
    if role.problem == "resource":
        what = f"Role {role.name} of {where} allows {role.detail}: checkpoints fail with AccessDenied{fn.role_note}"
        return what, (f"Add {policy_arn(fn.syntax)} to the role's ManagedPolicyArns (its Resource is *), or make "
                      "that Resource match the function's name.")
    what = (f"Role {role.name} of {where} lacks {DURABLE_POLICY} (or {' + '.join(DURABLE_ACTIONS)}): checkpoints "
            f"fail with AccessDenied{fn.role_note}")
    if fn.syntax == "cdk-python":
        fix = (f"Add {cdk_policy} to the role's managed_policies (or role.add_managed_policy(...)), or a "
               "PolicyStatement allowing both actions.")
    elif cdk:
        fix = (f"Add {cdk_policy} to the role's managedPolicies (or role.addManagedPolicy(...)), or a "
               "PolicyStatement allowing both actions.")
    else:
        fix = (f"Add {policy_arn(fn.syntax)} to the role's ManagedPolicyArns (or an Allow statement for both "
               "actions).")
    return what, fix


def _dedupe(diags: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per problem: a shared role or a Globals DurableConfig is reported once."""
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for d in diags:
        key = (d.path, d.line, d.column, d.rule)
        if key in seen:
            continue
        seen.add(key)
        out.append(d)
    return out


def allows_actions(actions: list[str]) -> bool:
    """Whether Allow statements with these actions (wildcards allowed) grant both durable actions."""
    pats = [a.lower() for a in actions if isinstance(a, str)]
    return all(any(fnmatchcase(need.lower(), p) for p in pats) for need in DURABLE_ACTIONS)


def denies_actions(actions: list[str]) -> list[str]:
    """The Deny actions (wildcards allowed) that match a durable action, as written."""
    return [a for a in actions if isinstance(a, str)
            and any(fnmatchcase(need.lower(), a.lower()) for need in DURABLE_ACTIONS)]
