"""The ``sam`` and ``cdk`` methods: run the installed CLIs, refuse replacements, return the outputs.

Order for both: check the CLI version, build/synthesize, read the resulting template, refuse when
an existing non-durable function of the stack would become durable (CloudFormation would replace,
that is delete, it), deploy, then read the stack outputs.
"""

import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.templates.cfn import durable_config, durable_state, function_globals
from lambda_durable_mcp.confine import safe_argument
from lambda_durable_mcp.deploy.direct import _code, invoke_command, sample_payload
from lambda_durable_mcp.deploy.errors import (
    REPLACEMENT_HINT,
    DeployError,
    explain_cli_output,
    explain_client_error,
)
from lambda_durable_mcp.deploy.package import require_node_modules
from lambda_durable_mcp.deploy.process import run, which
from lambda_durable_mcp.deploy.project import default_function_name, sam_template

SAM_MIN = (1, 153, 1)
CDK_MIN = (2, 237, 1)  # CLI releases are numbered 2.1xxx.y since 2025: compared as integers, they pass
SAM_INSTALL = "pip install --upgrade aws-sam-cli  (or see the AWS SAM CLI install guide)"
CDK_INSTALL = "npm install --save-dev aws-cdk@latest aws-cdk-lib@latest  (in the project)"
BUILD_TIMEOUT_S = 900
DEPLOY_TIMEOUT_S = 1800
VERSION_TIMEOUT_S = 60
_QUALIFIED = re.compile(r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[\w-]+:([\w$-]+)\Z")
_CLI_ENV = {"CDK_DISABLE_VERSION_CHECK": "1", "SAM_CLI_TELEMETRY": "0", "CI": "true"}


@dataclass
class IacResult:
    method: str
    stacks: list[str]
    outputs: dict[str, str]
    function_arn: str = ""
    qualified_arn: str = ""
    version: str = ""
    alias: str = ""
    invoke_command: str = ""
    notes: list[str] = field(default_factory=list)


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(part) for part in match.groups()) if match else None


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def check_cli(path: str | None, name: str, minimum: tuple[int, ...], install: str, cwd: Path) -> str:
    """``path`` when it runs and is new enough; DeployError with the install command otherwise."""
    if not path:
        raise DeployError(f"The {name} CLI is not installed (needed: {_dotted(minimum)} or later). Install: {install}")
    result = run([path, "--version"], cwd=cwd, timeout=VERSION_TIMEOUT_S, env=_CLI_ENV)
    version = parse_version(result.output)
    if result.returncode != 0 or version is None:
        raise DeployError(f"`{name} --version` failed ({result.output[-300:]}). Reinstall: {install}")
    if version < minimum:
        raise DeployError(
            f"{name} {_dotted(version)} is too old for durable functions (needs {_dotted(minimum)} or later). "
            f"Upgrade: {install}"
        )
    return path


def _env(region: str | None, profile: str | None) -> dict[str, str]:
    env = dict(_CLI_ENV)
    if region:
        env.update(AWS_REGION=region, AWS_DEFAULT_REGION=region)
    if profile:
        env["AWS_PROFILE"] = profile
    return env


def _failed(tool: str, step: str, output: str) -> DeployError:
    return DeployError(f"{tool} {step} failed. {explain_cli_output(tool, output)}\n--- last output ---\n{output}")


_TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
_NESTED_TYPES = {"AWS::Serverless::Application": "Location", "AWS::CloudFormation::Stack": "TemplateURL"}
_MAX_NESTING = 5


def load_template(path: Path) -> dict[str, Any]:
    """A SAM/CloudFormation template, YAML or JSON; short-form tags (``!Ref X``) become their long form
    (``{"Ref": "X"}``), as the analyzer reads them. DeployError when it cannot be read."""
    from lambda_durable_mcp.analyzer.templates.loader import TemplateParseError, load_json, load_yaml

    try:
        text = path.read_text(errors="replace")
        document = load_json(text) if path.suffix == ".json" else load_yaml(text)
    except TemplateParseError as exc:
        raise DeployError(f"{path.name} line {exc.line}: {exc.message}. Fix the template and deploy again.") from exc
    except OSError as exc:
        raise DeployError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return document if isinstance(document, dict) else {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _intrinsic(value: Any) -> str | None:
    """The function name of an intrinsic (``Fn::If``, ``Ref``, ...), else None."""
    if isinstance(value, dict) and len(value) == 1:
        key = next(iter(value))
        if key == "Ref" or key.startswith("Fn::"):
            return str(key)
    return None


def _plain(value: Any) -> bool:
    """A mapping that is not an intrinsic: a literal DurableConfig."""
    return isinstance(value, dict) and _intrinsic(value) is None


def function_durable_configs(template: dict[str, Any]) -> dict[str, Any]:
    """Logical id -> the DurableConfig value of each Lambda function (SAM Globals merged as SAM merges
    them, by the analyzer's reading), for every function that has one, including ``AWS::NoValue`` and
    intrinsics."""
    globals_function = _mapping(_mapping(template.get("Globals")).get("Function"))
    found: dict[str, Any] = {}
    for logical_id, resource in _mapping(template.get("Resources")).items():
        resource = _mapping(resource)
        kind = resource.get("Type")
        if kind not in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            continue
        sam = kind == "AWS::Serverless::Function"
        value, _owner = durable_config(_mapping(resource.get("Properties")),
                                       function_globals(globals_function, resource.get("IgnoreGlobals")) if sam
                                       else None, sam=sam)
        if value is not None:
            found[str(logical_id)] = value
    return found


def durable_functions(template: dict[str, Any]) -> dict[str, str]:
    """Logical id -> "yes" or "maybe" for the functions CloudFormation may make durable."""
    return {logical_id: state for logical_id, value in function_durable_configs(template).items()
            if (state := durable_state(value)) != "no"}


def durable_logical_ids(template: dict[str, Any]) -> set[str]:
    """Logical ids of functions that declare DurableConfig (SAM Globals included; AWS::NoValue is none)."""
    return set(durable_functions(template))


@dataclass
class DurableScan:
    """What a template (and the local templates of its nested applications) declares durable."""

    functions: dict[str, str] = field(default_factory=dict)        # logical id -> "yes" | "maybe"
    nested: dict[str, "DurableScan"] = field(default_factory=dict)  # nested stack logical id -> its scan
    unread: list[str] = field(default_factory=list)                 # nested stacks whose template is not local

    def has_durable(self) -> bool:
        return bool(self.functions) or any(child.has_durable() for child in self.nested.values())

    def all_unread(self, prefix: str = "") -> list[str]:
        names = [prefix + name for name in self.unread]
        for name, child in self.nested.items():
            names += child.all_unread(f"{prefix}{name}/")
        return names


def scan_template(template: dict[str, Any], directory: Path, root: Path, *, also: Path | None = None,
                  depth: int = 0, _scanned: dict[Path, DurableScan] | None = None) -> DurableScan:
    """``durable_functions`` of the template, and of each nested application or stack whose template is a
    local file (``sam build`` writes them to .aws-sam/build/<Child>/template.yaml; CDK to cdk.out) inside
    ``root``. ``also``: a second folder to look for relative locations in (the source template's)."""
    scanned = {} if _scanned is None else _scanned  # each nested template once: several may name the same
    scan = DurableScan(functions=durable_functions(template))
    for logical_id, resource in _mapping(template.get("Resources")).items():
        resource = _mapping(resource)
        key = _NESTED_TYPES.get(str(resource.get("Type")))
        if key is None:
            continue
        location = _mapping(resource.get("Properties")).get(key)
        asset = _mapping(resource.get("Metadata")).get("aws:asset:path")  # a CDK nested stack
        relative = asset if isinstance(asset, str) else location
        child = None
        if isinstance(relative, str) and "://" not in relative and depth < _MAX_NESTING:
            for base in (directory, also):
                if base is None:
                    continue
                try:
                    path = (base / relative).resolve()
                    found = path.is_file() and path.is_relative_to(root.resolve())
                except (OSError, ValueError):  # a NUL byte or an overlong name in the template
                    found = False
                if found:
                    child = path
                    break
        if child is None:
            scan.unread.append(str(logical_id))
            continue
        if child in scanned:
            scan.nested[str(logical_id)] = scanned[child]
            continue
        try:
            nested = load_template(child)
        except DeployError:
            scan.unread.append(str(logical_id))
            continue
        scanned[child] = DurableScan()  # a template that names itself ends here
        scanned[child] = scan.nested[str(logical_id)] = scan_template(nested, child.parent, root, depth=depth + 1,
                                                                      _scanned=scanned)
    return scan


@dataclass
class TemplateDurableConfig:
    """The DurableConfig a project's template declares for its one durable function (direct deploys)."""

    where: str                                                 # template file name
    function: str                                              # its logical id
    values: dict[str, int] = field(default_factory=dict)       # what could be read
    sources: dict[str, str] = field(default_factory=dict)      # key -> " (default of parameter X)"
    unread: dict[str, str] = field(default_factory=dict)       # key -> why it was not read


def _whole_seconds(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_DURABLE_KEYS = ("ExecutionTimeout", "RetentionPeriodInDays")


def _read_key(resolver: Any, config: dict[str, Any], key: str) -> tuple[int | None, str, str]:
    """(value, where it came from, why it could not be read) of one DurableConfig key; all empty when absent."""
    from lambda_durable_mcp.analyzer.templates.rules import UNKNOWN

    if key not in config:
        return None, "", ""
    raw = config[key]
    value = resolver.resolve(raw)
    number = None if value is UNKNOWN else _whole_seconds(value)
    parameter = raw.get("Ref") if isinstance(raw, dict) and len(raw) == 1 else None
    if number is not None:
        return number, f" (the default of parameter {parameter})" if parameter else "", ""
    if parameter:
        return None, "", f"it is !Ref {parameter}, a parameter without a literal default"
    return None, "", f"it is {_intrinsic(raw) or repr(raw)}, not a literal"


def _record(found: TemplateDurableConfig, key: str, read: tuple[int | None, str, str]) -> None:
    number, source, why = read
    if number is not None:
        found.values[key] = number
        if source:
            found.sources[key] = source
    elif why:
        found.unread[key] = why


def template_durable_config(project: Path) -> TemplateDurableConfig | None:
    """What the project's SAM/CloudFormation template declares for ExecutionTimeout and
    RetentionPeriodInDays when it has exactly one durable function: literals and parameter defaults
    are read; intrinsics are listed in ``unread`` with the reason."""
    from lambda_durable_mcp.analyzer.templates.cfn import _Template

    for name in _TEMPLATE_NAMES:
        path = project / name
        if not path.is_file():
            continue
        try:
            template = load_template(path)
        except DeployError:  # an unreadable template just gives no defaults (the pre-flight reports it)
            return None
        configs = {k: v for k, v in function_durable_configs(template).items() if durable_state(v) != "no"}
        if len(configs) != 1:
            return None
        (function, config), = configs.items()
        found = TemplateDurableConfig(name, function)
        resolver = _Template(template, project)  # type: ignore[arg-type]
        kind = _intrinsic(config)
        branches = config.get("Fn::If") if kind == "Fn::If" else None
        if isinstance(branches, list) and len(branches) == 3 and _plain(branches[1]) and _plain(branches[2]):
            # !If [Cond, {...}, {...}]: a key both branches give the same value is known
            for key in _DURABLE_KEYS:
                read = [_read_key(resolver, branch, key) for branch in branches[1:]]
                if read[0] == read[1]:
                    _record(found, key, read[0])
                elif all(number is not None for number, _, _ in read):
                    found.unread[key] = (f"it depends on condition {branches[0]}: {read[0][0]} or {read[1][0]}")
                else:
                    found.unread[key] = f"it depends on condition {branches[0]}"
            return found
        if kind is not None or not isinstance(config, dict):
            for key in _DURABLE_KEYS:
                found.unread[key] = f"its DurableConfig is {kind or 'not a mapping'}"
            return found
        for key in _DURABLE_KEYS:
            _record(found, key, _read_key(resolver, config, key))
        return found
    return None


def require_durable(scan: DurableScan, where: str, force: bool, notes: list[str]) -> None:
    """The most common mistake: a template whose function has no DurableConfig."""
    unread = scan.all_unread()
    if unread:
        notes.append(f"Nested application(s) {', '.join(unread)} not inspected (their template is not a local "
                     "file): their functions were not checked for DurableConfig or replacement.")
    if scan.has_durable():
        return
    if unread:
        message = (f"No function in {where} declares DurableConfig, and its nested application(s) "
                   f"{', '.join(unread)} could not be inspected (not local templates). If their functions are "
                   "durable, pass force=true to deploy as is")
        if not force:
            raise DeployError(message + ".")
        return
    message = (f"No function in {where} declares DurableConfig, so nothing would be durable. Add DurableConfig "
               "with ExecutionTimeout (SAM/CloudFormation) or durableConfig: { executionTimeout } (CDK)")
    if not force:
        raise DeployError(message + ", or pass force=true to deploy as is.")
    notes.append(message + ".")


def refuse_replacements(clients: Any, stack: str, scan: DurableScan, *, nested_in: str = "") -> list[str]:
    """DeployError when a function the stack (or one of its nested stacks) already has, without
    DurableConfig, is now declared durable; notes for functions whose DurableConfig is an intrinsic."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not scan.has_durable():
        return []
    where = f"nested stack {nested_in} of " if nested_in else ""
    cfn = clients.client("cloudformation")
    try:
        resources = [r for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
                     for r in page["StackResourceSummaries"]]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return []  # a new stack: nothing to replace
        raise explain_client_error(exc, f"reading stack {stack}") from exc
    except BotoCoreError as exc:
        raise explain_client_error(exc, f"reading stack {stack}") from exc
    notes: list[str] = []
    lam = clients.client("lambda")
    for resource in resources:
        logical_id, physical = resource["LogicalResourceId"], resource.get("PhysicalResourceId")
        if not physical:
            continue
        if resource["ResourceType"] == "AWS::CloudFormation::Stack" and logical_id in scan.nested:
            child = f"{nested_in}/{logical_id}" if nested_in else logical_id
            notes += refuse_replacements(clients, physical, scan.nested[logical_id], nested_in=child)
            continue
        if resource["ResourceType"] != "AWS::Lambda::Function" or logical_id not in scan.functions:
            continue
        try:
            config = lam.get_function_configuration(FunctionName=physical)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                continue
            raise explain_client_error(exc, f"reading function {physical}") from exc
        if config.get("DurableConfig"):
            continue
        if scan.functions[logical_id] == "maybe":
            notes.append(
                f"{where}stack {stack} has function {physical} (logical id {logical_id}) without DurableConfig, "
                "and the template's DurableConfig for it is an intrinsic: if it yields a DurableConfig, "
                f"CloudFormation replaces the function. {REPLACEMENT_HINT}."
            )
            continue
        raise DeployError(
            f"Refused: {where}stack {stack} already has function {physical} (logical id "
            f"{logical_id}) without DurableConfig, and the template now declares it "
            f"durable. {REPLACEMENT_HINT}. Nothing was deployed; force does not override this."
        )
    return notes


def _stack_outputs(clients: Any, stack: str) -> dict[str, str]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        stacks = clients.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (ClientError, BotoCoreError) as exc:
        raise explain_client_error(exc, f"reading the outputs of stack {stack}") from exc
    return {o["OutputKey"]: str(o.get("OutputValue", "")) for s in stacks for o in s.get("Outputs", [])}


def _fill_function(result: IacResult, project: Path) -> IacResult:
    """Pick the alias (else version) ARN among the outputs as the ARN to invoke."""
    qualified = [(m.group(1), v) for v in result.outputs.values()
                 if (m := _QUALIFIED.match(v)) and m.group(1) != "$LATEST"]
    qualified.sort(key=lambda item: item[0].isdigit())  # aliases before versions
    if qualified:
        qualifier, arn = qualified[0]
        result.qualified_arn = arn
        result.function_arn = arn.rsplit(":", 1)[0]
        result.alias = "" if qualifier.isdigit() else qualifier
        result.version = qualifier if qualifier.isdigit() else ""
        result.invoke_command = invoke_command(arn, payload=sample_payload(project))
    else:
        result.notes.append(
            "No stack output holds a qualified function ARN (…:function:NAME:ALIAS): add an Output with the "
            "alias ARN (SAM: !Ref MyFunctionAliaslive with AutoPublishAlias: live; CDK: new CfnOutput(this, "
            "'AliasArn', { value: alias.functionArn })) so callers know what to invoke."
        )
    return result


def _samconfig_stack(project: Path) -> str | None:
    path = project / "samconfig.toml"
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text())
        return str(data["default"]["deploy"]["parameters"]["stack_name"])
    except (KeyError, TypeError, ValueError):
        return None


def deploy_sam(
    project: Path, clients: Any, *, stack_name: str | None, region: str | None, profile: str | None,
    progress: Callable[[str], None], force: bool = False,
) -> IacResult:
    template = sam_template(project)
    if template is None:
        raise DeployError(f"No SAM template (template.yaml with Transform: AWS::Serverless-2016-10-31) in {project}.")
    sam = check_cli(which("sam"), "sam", SAM_MIN, SAM_INSTALL, project)
    default = re.sub(r"[^A-Za-z0-9-]", "-", default_function_name(project)).lstrip("-0123456789") or "durable-app"
    stack = safe_argument(stack_name or _samconfig_stack(project) or default, "stack_name")
    env = _env(region, profile)
    local_bin = project / "node_modules" / ".bin"
    if local_bin.is_dir():  # sam build's esbuild builder looks for esbuild on PATH only
        env["PATH"] = f"{local_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    progress("sam build")
    built = run([sam, "build", "--template-file", template.name], cwd=project, timeout=BUILD_TIMEOUT_S,
                env=env, on_line=progress)
    if built.returncode != 0:
        raise _failed("sam", "build", built.output)
    built_template = project / ".aws-sam" / "build" / "template.yaml"
    source = built_template if built_template.is_file() else template
    scan = scan_template(load_template(source), source.parent, project, also=project)
    notes: list[str] = []
    require_durable(scan, template.name, force, notes)
    notes += refuse_replacements(clients, stack, scan)
    args = [sam, "deploy", "--stack-name", stack, "--capabilities", "CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND",
            "--no-confirm-changeset", "--no-fail-on-empty-changeset"]
    if built_template.is_file():
        args[2:2] = ["--template-file", str(built_template.relative_to(project))]
    samconfig = project / "samconfig.toml"
    if samconfig.is_file():
        # with --template-file in .aws-sam/build, sam looks for samconfig.toml there, not in the project
        args += ["--config-file", str(samconfig.resolve())]
    if not (samconfig.is_file() and "s3_bucket" in samconfig.read_text()):
        args.append("--resolve-s3")
    if region:
        args += ["--region", safe_argument(region, "region")]
    if profile:
        args += ["--profile", safe_argument(profile, "profile")]
    progress(f"sam deploy --stack-name {stack}")
    deployed = run(args, cwd=project, timeout=DEPLOY_TIMEOUT_S, env=env, on_line=progress)
    if deployed.returncode != 0:
        raise _failed("sam", "deploy", deployed.output)
    return _fill_function(IacResult("sam", [stack], _stack_outputs(clients, stack), notes=notes), project)


def _cdk_lib_version(project: Path) -> tuple[int, ...] | None:
    for directory in (project, *project.parents):
        package = directory / "node_modules" / "aws-cdk-lib" / "package.json"
        if package.is_file():
            try:
                return parse_version(str(_mapping(json.loads(package.read_text())).get("version", "")))
            except (OSError, ValueError):
                return None
    return None


def deploy_cdk(
    project: Path, clients: Any, *, stack_name: str | None, region: str | None, profile: str | None,
    progress: Callable[[str], None], force: bool = False,
) -> IacResult:
    if not (project / "cdk.json").is_file():
        other = "method='sam' (it has a SAM template)" if sam_template(project) else "method='direct'"
        raise DeployError(f"No cdk.json in {project.name}/: it is not a CDK app. Deploy it with {other}, or "
                          "method='auto', which picks by what the project has.")
    require_node_modules(project)
    cdk = check_cli(which("cdk", project / "node_modules" / ".bin"), "cdk", CDK_MIN, CDK_INSTALL, project)
    lib = _cdk_lib_version(project)
    if lib is not None and lib < CDK_MIN:
        raise DeployError(
            f"aws-cdk-lib {_dotted(lib)} has no durableConfig (needs {_dotted(CDK_MIN)} or later). "
            f"Upgrade: {CDK_INSTALL}"
        )
    if stack_name:
        safe_argument(stack_name, "stack_name")
    env = _env(region, profile)
    profile_args = ["--profile", safe_argument(profile, "profile")] if profile else []
    progress("cdk synth")
    synth = run([cdk, "synth", "--quiet", "--no-notices", "--output", "cdk.out", *profile_args], cwd=project,
                timeout=BUILD_TIMEOUT_S, env=env, on_line=progress)
    if synth.returncode != 0:
        raise _failed("cdk", "synth", synth.output)
    stacks = _cdk_stacks(project / "cdk.out")
    if not stacks:
        raise DeployError("cdk synth produced no stack (cdk.out/manifest.json lists none): check the app command "
                          "in cdk.json and that the app creates a Stack.")
    if stack_name:
        by_name = {cfn_name: selector for selector, (cfn_name, _) in stacks.items()}
        selector = stack_name if stack_name in stacks else by_name.get(stack_name)
        if selector is None:
            raise DeployError(f"The CDK app has no stack {stack_name!r}; it has: {', '.join(stacks)}.")
        stacks = {selector: stacks[selector]}
    notes: list[str] = []
    scans = {cfn_name: scan_template(template, project / "cdk.out", project) for cfn_name, template in stacks.values()}
    require_durable(DurableScan(nested=scans), "the synthesized CDK app", force, notes)
    for selector in stacks:
        safe_argument(selector, "stack")
    for cfn_name, scan in scans.items():
        notes += refuse_replacements(clients, cfn_name, scan)
    outputs_file = project / "cdk.out" / "durable-deploy-outputs.json"
    outputs_file.unlink(missing_ok=True)
    args = [cdk, "deploy", "--app", "cdk.out", "--require-approval", "never", "--no-notices", "--progress",
            "events", "--outputs-file", str(outputs_file.relative_to(project)), *profile_args,
            *stacks]
    progress("cdk deploy " + " ".join(stacks))
    deployed = run(args, cwd=project, timeout=DEPLOY_TIMEOUT_S, env=env, on_line=progress)
    if deployed.returncode != 0:
        raise _failed("cdk", "deploy", deployed.output)
    outputs: dict[str, str] = {}
    if outputs_file.is_file():
        try:
            written = _mapping(json.loads(outputs_file.read_text()))
        except (OSError, ValueError):
            written = {}  # the deploy succeeded; _fill_function's note says no output was found
        for stack, values in written.items():
            for key, value in _mapping(values).items():
                outputs[f"{stack}.{key}" if len(stacks) > 1 else key] = str(value)
    return _fill_function(IacResult("cdk", [cfn_name for cfn_name, _ in stacks.values()], outputs, notes=notes), project)


def _cdk_stacks(cdk_out: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Stack selector for ``cdk deploy`` -> (CloudFormation stack name, synthesized template)."""
    manifest = cdk_out / "manifest.json"
    if not manifest.is_file():
        return {}
    stacks: dict[str, tuple[str, dict[str, Any]]] = {}
    try:
        artifacts = _mapping(_mapping(json.loads(manifest.read_text())).get("artifacts"))
    except (OSError, ValueError) as exc:
        raise DeployError(f"cdk.out/manifest.json is unreadable ({exc}): run `cdk synth` and deploy again.") from exc
    for artifact_id, artifact in artifacts.items():
        artifact = _mapping(artifact)
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = _mapping(artifact.get("properties"))
        template_file = cdk_out / str(props.get("templateFile", ""))
        template = load_template(template_file) if template_file.is_file() else {}
        stacks[str(artifact.get("displayName") or artifact_id)] = (str(props.get("stackName") or artifact_id), template)
    return stacks
