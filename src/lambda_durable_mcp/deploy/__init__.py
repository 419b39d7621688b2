"""Deploying durable functions (direct API, SAM, CDK) and checking deployed ones. No MCP imports.

``deploy_project`` is the whole ``deploy_durable_function`` flow; ``check_deployment`` the whole
``check_durable_deployment`` one. Both raise ``DeployError`` with a message that says what to do.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lambda_durable_mcp.confine import safe_argument
from lambda_durable_mcp.deploy.check import CheckReport, check_deployment
from lambda_durable_mcp.deploy.errors import DeployError, unparseable_answers
from lambda_durable_mcp.deploy.project import detect_method

__all__ = ["CheckReport", "DeployError", "DeployOutcome", "check_deployment", "deploy_project", "detect_method"]

MethodChoice = Literal["auto", "sam", "cdk", "direct"]


@dataclass
class DeployOutcome:
    method: str
    function_arn: str = ""
    qualified_arn: str = ""
    version: str = ""
    alias: str = ""
    invoke_command: str = ""
    stacks: list[str] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def deploy_project(
    project: Path,
    clients: Any,
    *,
    method: MethodChoice = "auto",
    function_name: str | None = None,
    stack_name: str | None = None,
    alias: str = "live",
    execution_timeout: int | None = None,
    retention_days: int | None = None,
    force: bool = False,
    region: str | None = None,
    profile: str | None = None,
    progress: Callable[[str], None] = lambda message: None,
    workspace: Path | None = None,
) -> DeployOutcome:
    """Pre-flight, then deploy with the chosen method. Never deletes anything. The pre-flight follows
    imports up to the project's repository top folder, but not above ``workspace``."""
    from lambda_durable_mcp.deploy.preflight import refusal, run_preflight

    if not project.is_dir():
        raise DeployError(f"{project} is not a directory: give the project folder.")
    # Values that may end up on a CLI command line are checked before anything runs.
    for value, what in ((function_name, "function_name"), (stack_name, "stack_name"), (alias, "alias")):
        if value:
            safe_argument(value, what)
    chosen = detect_method(project) if method == "auto" else method
    notes: list[str] = []
    progress("pre-flight: replay-safety and template checks")
    from lambda_durable_mcp.analyzer.config import ConfigError

    try:
        checked = run_preflight(project, workspace)
    except ConfigError as exc:
        shown = str(exc).replace(str(workspace) + "/", "") if workspace is not None else str(exc)
        raise DeployError(f"Deploy refused: the analyzer configuration cannot be used: {shown}") from None
    if checked.errors and not force:
        raise DeployError(refusal(checked))
    if checked.errors:
        notes.append(f"Deployed with force despite {len(checked.errors)} error finding(s).")
    if checked.note:
        notes.append(checked.note)
    if chosen == "direct":
        from lambda_durable_mcp.deploy.direct import MAX_EXECUTION_TIMEOUT_S, deploy_direct
        from lambda_durable_mcp.deploy.iac import template_durable_config

        # the template's DurableConfig is what the project means, also when the handler goes up directly
        declared = template_durable_config(project)
        given = {"ExecutionTimeout": execution_timeout, "RetentionPeriodInDays": retention_days}
        unread: dict[str, str] = {}
        if declared is not None:
            taken = []
            limits = {"ExecutionTimeout": (MAX_EXECUTION_TIMEOUT_S, "execution_timeout"),
                      "RetentionPeriodInDays": (90, "retention_days")}
            for key, value in declared.values.items():
                if given[key] is None:
                    limit, parameter = limits[key]
                    if not 1 <= value <= limit:
                        raise DeployError(
                            f"{key} {value}{declared.sources.get(key, '')} of {declared.function} in "
                            f"{declared.where} is outside 1..{limit:,}: fix the template, or pass {parameter}.")
                    given[key] = value
                    taken.append(f"{key} {value}{declared.sources.get(key, '')}")
            if taken:
                notes.append(f"{' and '.join(taken)} from {declared.where}.")
            unread = {key: why for key, why in declared.unread.items() if given[key] is None}
        execution_timeout, retention_days = given["ExecutionTimeout"], given["RetentionPeriodInDays"]

        with unparseable_answers("deploying with the direct API"):
            result = deploy_direct(project, clients, function_name=function_name, alias=alias,
                                   execution_timeout=execution_timeout, retention_days=retention_days,
                                   progress=progress)
        template = next((t for t in ("template.yaml", "template.yml", "template.json") if (project / t).is_file()), None)
        if template and method == "auto":
            notes.append(f"{template} is not a SAM template, so the direct API deployed the handler; deploy the "
                         "template itself with `aws cloudformation deploy` if you prefer.")
        if unread and declared is not None:
            from lambda_durable_mcp.deploy.direct import DEFAULT_EXECUTION_TIMEOUT_S, DEFAULT_RETENTION_DAYS

            defaults = {"ExecutionTimeout": f"{DEFAULT_EXECUTION_TIMEOUT_S} s",
                        "RetentionPeriodInDays": f"{DEFAULT_RETENTION_DAYS} days"}
            for key, why in unread.items():
                used = f"used the default {defaults[key]}" if result.created else "kept the function's current value"
                parameter = "execution_timeout" if key == "ExecutionTimeout" else "retention_days"
                notes.append(f"{key} of {declared.function} in {declared.where} was not read ({why}): {used}; "
                             f"pass {parameter} to set it.")
        if not result.created:
            notes.append("Updated the existing function in place.")
        if result.previous_runtime:
            notes.append(f"Changed its runtime from {result.previous_runtime} to {result.runtime}.")
        if result.role_reused:
            notes.append(f"Reused the existing role {result.role_arn.rsplit('/', 1)[-1]} and attached "
                         "AWSLambdaBasicDurableExecutionRolePolicy to it.")
        notes += _after_deploy_problems(clients, result.function_arn, result.alias)
        return DeployOutcome("direct", result.function_arn, result.qualified_arn, result.version, result.alias,
                             result.invoke_command, notes=notes)
    if execution_timeout is not None or retention_days is not None or function_name:
        notes.append(f"function_name, execution_timeout and retention_days apply to method='direct'; with "
                     f"{chosen} they come from the template.")
    from lambda_durable_mcp.deploy import iac

    runner = iac.deploy_sam if chosen == "sam" else iac.deploy_cdk
    with unparseable_answers(f"deploying with {chosen}"):
        out = runner(project, clients, stack_name=stack_name, region=region, profile=profile, progress=progress,
                     force=force)
    return DeployOutcome(chosen, out.function_arn, out.qualified_arn, out.version, out.alias, out.invoke_command,
                         stacks=out.stacks, outputs=out.outputs, notes=notes + out.notes)


def _after_deploy_problems(clients: Any, function_arn: str, alias: str) -> list[str]:
    """What check_durable_deployment would still find (a role this tool did not make may lack the
    durable permissions): said in the deploy's notes instead of after a failed first execution."""
    try:
        report = check_deployment(clients, function_arn, alias)
    except Exception:  # noqa: BLE001 - the deploy itself succeeded; the check is a bonus
        return []
    return [f"Still to fix: {problem}." for problem in report.problems]
