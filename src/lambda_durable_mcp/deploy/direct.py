"""The ``direct`` method: package, role, function with DurableConfig, version and alias via the API.

No CLI needed. Running it twice updates the function in place. It never deletes anything, and it
refuses to touch an existing function that was created without DurableConfig (Lambda enables
durable execution only at creation; see docs/deploy.md).
"""

import json
import re
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_durable_mcp.deploy.errors import DeployError, explain_client_error
from lambda_durable_mcp.deploy.package import build_zip
from lambda_durable_mcp.deploy.project import default_function_name, find_handler
from lambda_durable_mcp.deploy.runtimes import choose_runtime

DURABLE_POLICY_ARN = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy"
DEFAULT_EXECUTION_TIMEOUT_S = 3600
DEFAULT_RETENTION_DAYS = 14
MAX_EXECUTION_TIMEOUT_S = 31_622_400
FUNCTION_TIMEOUT_S = 60          # one invocation; the durable execution may run for ExecutionTimeout
TAGS = {"managed-by": "lambda-durable-mcp"}
ROLE_PROPAGATION_ATTEMPTS = 12   # a new IAM role takes seconds before Lambda may assume it
WAITER = {"Delay": 2, "MaxAttempts": 150}

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ALIAS = re.compile(r"(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}")
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


@dataclass(frozen=True)
class DirectResult:
    function_arn: str
    qualified_arn: str
    version: str
    alias: str
    invoke_command: str
    created: bool
    runtime: str
    handler: str
    role_arn: str
    previous_runtime: str | None = None   # an update that changed the runtime
    role_reused: bool = False             # an existing role of that name, given the durable policy


@contextmanager
def _doing(what: str) -> Iterator[None]:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise explain_client_error(exc, what) from exc


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _lookup(call: Callable[[], Any], what: str, missing: str) -> Any:
    """``call()``, or None when AWS answers with the ``missing`` error code."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as exc:
        if _code(exc) == missing:
            return None
        raise explain_client_error(exc, what) from exc
    except BotoCoreError as exc:
        raise explain_client_error(exc, what) from exc


def validate_durable_settings(execution_timeout: int | None, retention_days: int | None) -> None:
    if execution_timeout is not None and not 1 <= execution_timeout <= MAX_EXECUTION_TIMEOUT_S:
        raise DeployError(f"execution_timeout must be 1..{MAX_EXECUTION_TIMEOUT_S} seconds (366 days).")
    if retention_days is not None and not 1 <= retention_days <= 90:
        raise DeployError("retention_days must be 1..90.")


SYNC_INVOKE_LIMIT_S = 900  # a synchronous invocation waits at most 15 minutes for the execution


def invoke_command(qualified_arn: str, execution_timeout: int | None = None, payload: str = "{}") -> str:
    """An AWS CLI line that starts an execution; asynchronous unless the execution fits in 15 minutes."""
    region = qualified_arn.split(":")[3] if qualified_arn.count(":") >= 6 else ""
    region_flag = f" --region {region}" if region else ""
    asynchronous = execution_timeout is None or execution_timeout > SYNC_INVOKE_LIMIT_S
    kind = " --invocation-type Event" if asynchronous else ""
    return (f"aws lambda invoke --function-name {qualified_arn}{region_flag}{kind} "
            f"--cli-binary-format raw-in-base64-out --payload {shlex.quote(payload)} response.json")


def sample_payload(project: Path) -> str:
    """The project's sample event (SAM's events/event.json convention), compact, else "{}"."""
    event = project / "events" / "event.json"
    try:
        # a link out of the project must not put another file's contents into the answer
        if event.is_file() and event.resolve().is_relative_to(project.resolve()) and event.stat().st_size <= 2_000:
            return json.dumps(json.loads(event.read_text()), separators=(",", ":"))
    except (OSError, ValueError):
        pass
    return "{}"


def role_name_for(function_name: str) -> str:
    return f"{function_name[:51]}-durable-role"


def ensure_role(iam: Any, role_name: str, progress: Callable[[str], None]) -> tuple[str, bool]:
    """The role's ARN (created when missing) with the durable managed policy attached; (arn, created)."""
    created = False
    found = _lookup(lambda: iam.get_role(RoleName=role_name), f"reading role {role_name}", "NoSuchEntity")
    role = found["Role"] if found else None
    if role is None:
        progress(f"creating role {role_name}")
        with _doing(f"creating role {role_name}"):
            role = iam.create_role(
                RoleName=role_name, AssumeRolePolicyDocument=TRUST_POLICY,
                Description="Execution role for a Lambda durable function",
                Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()],
            )["Role"]
        created = True
    elif "lambda.amazonaws.com" not in json.dumps(role.get("AssumeRolePolicyDocument", "")):
        raise DeployError(
            f"Role {role_name} exists but does not trust lambda.amazonaws.com, so Lambda cannot use it. Deploy with "
            "another function_name (the role is named after it), or add Lambda to the role's trust policy."
        )
    with _doing(f"listing the policies of role {role_name}"):
        attached = {p["PolicyArn"] for page in iam.get_paginator("list_attached_role_policies")
                    .paginate(RoleName=role_name) for p in page["AttachedPolicies"]}
    if DURABLE_POLICY_ARN not in attached:
        progress(f"attaching AWSLambdaBasicDurableExecutionRolePolicy to {role_name}")
        with _doing(f"attaching {DURABLE_POLICY_ARN} to role {role_name}"):
            iam.attach_role_policy(RoleName=role_name, PolicyArn=DURABLE_POLICY_ARN)
    return role["Arn"], created


def _create_function(lam: Any, spec: dict[str, Any], sleep: Callable[[float], None]) -> dict[str, Any]:
    from botocore.exceptions import ClientError

    for attempt in range(ROLE_PROPAGATION_ATTEMPTS):
        try:
            return lam.create_function(**spec)  # type: ignore[no-any-return]
        except ClientError as exc:
            message = str(exc)
            if (_code(exc) == "InvalidParameterValueException" and "cannot be assumed" in message.lower()
                    and attempt + 1 < ROLE_PROPAGATION_ATTEMPTS):
                sleep(min(2 + attempt, 5))  # the new role is not visible to Lambda yet
                continue
            raise explain_client_error(exc, f"creating function {spec['FunctionName']}") from exc
    raise AssertionError("unreachable")


def _wait(lam: Any, waiter: str, what: str, **kwargs: Any) -> None:
    from botocore.exceptions import WaiterError

    try:
        lam.get_waiter(waiter).wait(WaiterConfig=WAITER, **kwargs)
    except WaiterError as exc:
        reason = (exc.last_response or {}).get("Configuration", exc.last_response or {})
        detail = reason.get("StateReason") or reason.get("LastUpdateStatusReason") or str(exc)
        raise DeployError(f"The function did not become ready while {what}: {detail}") from exc


def _retry_conflict(call: Callable[[], Any], what: str, sleep: Callable[[float], None]) -> Any:
    """Lambda refuses changes while an update is in progress (ResourceConflictException): retry."""
    from botocore.exceptions import ClientError

    for attempt in range(10):
        try:
            return call()
        except ClientError as exc:
            if _code(exc) == "ResourceConflictException" and attempt < 9:
                sleep(3)
                continue
            raise explain_client_error(exc, what) from exc
    raise AssertionError("unreachable")


def not_durable_refusal(name: str, arn: str) -> DeployError:
    return DeployError(
        f"Function {name} ({arn}) exists without DurableConfig. Lambda enables durable execution only "
        "when a function is created, so it cannot be made durable in place, and this tool never deletes "
        f"a function. Nothing was changed. Deploy under a new name (function_name='{name[:56]}-durable'), "
        "move callers to its alias, then retire the old function yourself."
    )


def deploy_direct(
    project: Path,
    clients: Any,
    *,
    function_name: str | None = None,
    alias: str = "live",
    execution_timeout: int | None = None,
    retention_days: int | None = None,
    progress: Callable[[str], None] = lambda message: None,
    sleep: Callable[[float], None] = time.sleep,
) -> DirectResult:
    name = function_name or default_function_name(project)
    if not _NAME.fullmatch(name):
        raise DeployError(f"function_name {name!r}: use 1-64 letters, digits, '-' or '_' (a name, not an ARN).")
    if not _ALIAS.fullmatch(alias):
        raise DeployError(f"alias {alias!r}: use letters, digits, '-' or '_', not only digits.")
    validate_durable_settings(execution_timeout, retention_days)

    handler = find_handler(project)
    runtime = choose_runtime(handler, project)
    progress(f"packaging {handler.entry.relative_to(project)} ({handler.handler}, {runtime})")
    zip_bytes = build_zip(handler, runtime, project, progress)

    lam = clients.client("lambda")
    found = _lookup(lambda: lam.get_function(FunctionName=name), f"looking up function {name}",
                    "ResourceNotFoundException")
    existing: dict[str, Any] | None = found["Configuration"] if found else None

    if existing is not None:
        current = existing.get("DurableConfig") or {}
        if not current:
            raise not_durable_refusal(name, existing["FunctionArn"])
        if existing.get("PackageType") == "Image":
            raise DeployError(f"Function {name} is a container image function; direct deploys zip packages only.")
        durable = {
            "ExecutionTimeout": execution_timeout or current.get("ExecutionTimeout") or DEFAULT_EXECUTION_TIMEOUT_S,
            "RetentionPeriodInDays": retention_days or current.get("RetentionPeriodInDays") or DEFAULT_RETENTION_DAYS,
        }
        durable_timeout = int(durable["ExecutionTimeout"])
        if current.get("KMSKeyArn"):
            durable["KMSKeyArn"] = current["KMSKeyArn"]
        role_arn = existing["Role"]
        previous_runtime = existing.get("Runtime")
        progress(f"updating code of {name}")
        _retry_conflict(lambda: lam.update_function_code(FunctionName=name, ZipFile=zip_bytes),
                        f"updating the code of {name}", sleep)
        _wait(lam, "function_updated_v2", "updating code", FunctionName=name)
        progress(f"updating configuration of {name}")
        _retry_conflict(lambda: lam.update_function_configuration(
            FunctionName=name, Runtime=runtime, Handler=handler.handler, DurableConfig=durable),
            f"updating the configuration of {name}", sleep)
        _wait(lam, "function_updated_v2", "updating configuration", FunctionName=name)
        created = False
    else:
        durable_timeout = execution_timeout or DEFAULT_EXECUTION_TIMEOUT_S
        previous_runtime = None
        role_arn, role_created = ensure_role(clients.client("iam"), role_name_for(name), progress)
        progress(f"creating function {name}")
        _create_function(lam, {
            "FunctionName": name, "Runtime": runtime, "Role": role_arn, "Handler": handler.handler,
            "Code": {"ZipFile": zip_bytes}, "Timeout": FUNCTION_TIMEOUT_S, "MemorySize": 512,
            "Description": "Lambda durable function (deployed by lambda-durable-mcp)",
            "DurableConfig": {
                "ExecutionTimeout": durable_timeout,
                "RetentionPeriodInDays": retention_days or DEFAULT_RETENTION_DAYS,
            },
            "Tags": TAGS,
        }, sleep)
        created = True
        progress(f"waiting for {name} to become active")
        _wait(lam, "function_active_v2", "creating the function", FunctionName=name)

    progress("publishing a version")
    published = _retry_conflict(lambda: lam.publish_version(FunctionName=name), f"publishing a version of {name}",
                                sleep)
    version = str(published["Version"])
    _wait(lam, "published_version_active", "publishing the version", FunctionName=name, Qualifier=version)
    progress(f"pointing alias {alias} at version {version}")
    if _lookup(lambda: lam.get_alias(FunctionName=name, Name=alias), f"reading alias {alias}",
               "ResourceNotFoundException"):
        with _doing(f"moving alias {alias} to version {version}"):
            alias_arn = lam.update_alias(FunctionName=name, Name=alias, FunctionVersion=version)["AliasArn"]
    else:
        with _doing(f"creating alias {alias}"):
            alias_arn = lam.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)["AliasArn"]
    function_arn = alias_arn.rsplit(":", 1)[0]
    return DirectResult(
        function_arn=function_arn, qualified_arn=alias_arn, version=version, alias=alias,
        invoke_command=invoke_command(alias_arn, durable_timeout, sample_payload(project)), created=created,
        runtime=runtime,
        handler=handler.handler, role_arn=role_arn,
        previous_runtime=previous_runtime if previous_runtime and previous_runtime != runtime else None,
        role_reused=created and not role_created,
    )
