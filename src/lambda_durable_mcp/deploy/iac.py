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


class _TolerantLoader:
    """yaml.SafeLoader that reads CloudFormation short-form tags (!Ref, !GetAtt, ...) as plain values."""

    @staticmethod
    def load(text: str) -> Any:
        import yaml

        class Loader(yaml.SafeLoader):
            pass

        def any_tag(loader: Any, suffix: str, node: Any) -> Any:
            if isinstance(node, yaml.ScalarNode):
                return loader.construct_scalar(node)
            if isinstance(node, yaml.SequenceNode):
                return loader.construct_sequence(node)
            return loader.construct_mapping(node)

        Loader.add_multi_constructor("!", any_tag)
        return yaml.load(text, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def durable_logical_ids(template: dict[str, Any]) -> set[str]:
    """Logical ids of functions that declare DurableConfig (SAM Globals included)."""
    globals_durable = bool(((template.get("Globals") or {}).get("Function") or {}).get("DurableConfig"))
    found = set()
    for logical_id, resource in (template.get("Resources") or {}).items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::Lambda::Function" and props.get("DurableConfig"):
            found.add(logical_id)
        if kind == "AWS::Serverless::Function" and (props.get("DurableConfig") or globals_durable):
            found.add(logical_id)
    return found


def template_durable_config(project: Path) -> tuple[str, dict[str, int]] | None:
    """(template file, its literal ExecutionTimeout / RetentionPeriodInDays) when the project's
    SAM/CloudFormation template declares exactly one durable function; for direct deploys."""
    for name in ("template.yaml", "template.yml", "template.json"):
        path = project / name
        if not path.is_file():
            continue
        try:
            template = _TolerantLoader.load(path.read_text()) or {}
        except Exception:  # noqa: BLE001 - an unreadable template just gives no defaults
            return None
        if not isinstance(template, dict):
            return None
        ids = durable_logical_ids(template)
        if len(ids) != 1:
            return None
        resource = template["Resources"][next(iter(ids))]
        config = dict(((template.get("Globals") or {}).get("Function") or {}).get("DurableConfig") or {})
        config.update((resource.get("Properties") or {}).get("DurableConfig") or {})
        found = {k: v for k in ("ExecutionTimeout", "RetentionPeriodInDays")
                 if isinstance(v := config.get(k), int) and not isinstance(v, bool)}
        return (name, found) if found else None
    return None


def require_durable(durable_ids: set[str], where: str, force: bool, notes: list[str]) -> None:
    """The most common mistake: a template whose function has no DurableConfig."""
    if durable_ids:
        return
    message = (f"No function in {where} declares DurableConfig, so nothing would be durable. Add DurableConfig "
               "with ExecutionTimeout (SAM/CloudFormation) or durableConfig: { executionTimeout } (CDK)")
    if not force:
        raise DeployError(message + ", or pass force=true to deploy as is.")
    notes.append(message + ".")


def refuse_replacements(clients: Any, stack: str, durable_ids: set[str]) -> None:
    """DeployError when a function the stack already has, without DurableConfig, is now declared durable."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not durable_ids:
        return
    cfn = clients.client("cloudformation")
    try:
        resources = [r for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
                     for r in page["StackResourceSummaries"]]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return  # a new stack: nothing to replace
        raise explain_client_error(exc, f"reading stack {stack}") from exc
    except BotoCoreError as exc:
        raise explain_client_error(exc, f"reading stack {stack}") from exc
    lam = clients.client("lambda")
    for resource in resources:
        if resource["ResourceType"] != "AWS::Lambda::Function" or resource["LogicalResourceId"] not in durable_ids:
            continue
        physical = resource.get("PhysicalResourceId")
        if not physical:
            continue
        try:
            config = lam.get_function_configuration(FunctionName=physical)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                continue
            raise explain_client_error(exc, f"reading function {physical}") from exc
        if not config.get("DurableConfig"):
            raise DeployError(
                f"Refused: stack {stack} already has function {physical} (logical id "
                f"{resource['LogicalResourceId']}) without DurableConfig, and the template now declares it "
                f"durable. {REPLACEMENT_HINT}. Nothing was deployed; force does not override this."
            )


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
    durable_ids = durable_logical_ids(_TolerantLoader.load(source.read_text()) or {})
    notes: list[str] = []
    require_durable(durable_ids, template.name, force, notes)
    refuse_replacements(clients, stack, durable_ids)
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
                return parse_version(str(json.loads(package.read_text()).get("version", "")))
            except ValueError:
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
    require_durable(set().union(*(durable_logical_ids(t) for _, t in stacks.values())),
                    "the synthesized CDK app", force, notes)
    for selector in stacks:
        safe_argument(selector, "stack")
    for cfn_name, template in stacks.values():
        refuse_replacements(clients, cfn_name, durable_logical_ids(template))
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
        for stack, values in json.loads(outputs_file.read_text()).items():
            for key, value in (values or {}).items():
                outputs[f"{stack}.{key}" if len(stacks) > 1 else key] = str(value)
    return _fill_function(IacResult("cdk", [cfn_name for cfn_name, _ in stacks.values()], outputs, notes=notes), project)


def _cdk_stacks(cdk_out: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Stack selector for ``cdk deploy`` -> (CloudFormation stack name, synthesized template)."""
    manifest = cdk_out / "manifest.json"
    if not manifest.is_file():
        return {}
    stacks: dict[str, tuple[str, dict[str, Any]]] = {}
    for artifact_id, artifact in json.loads(manifest.read_text()).get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        props = artifact.get("properties", {})
        template_file = cdk_out / props.get("templateFile", "")
        template = json.loads(template_file.read_text()) if template_file.is_file() else {}
        stacks[str(artifact.get("displayName") or artifact_id)] = (str(props.get("stackName") or artifact_id), template)
    return stacks
