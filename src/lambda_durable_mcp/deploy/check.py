"""``check_durable_deployment``: what a deployed function lacks to run durable executions. Read-only."""

import fnmatch
import json
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lambda_durable_mcp.deploy.direct import DURABLE_POLICY_ARN, _code
from lambda_durable_mcp.deploy.errors import (
    DeployError,
    access_denied,
    explain_client_error,
    transient_failure,
)
from lambda_durable_mcp.deploy.runtimes import support

# Operation names in botocore's Lambda model; the durable SDK calls both from inside the function.
REQUIRED_ACTIONS = ("lambda:CheckpointDurableExecution", "lambda:GetDurableExecutionState")


@dataclass
class CheckReport:
    function_arn: str
    durable: bool
    durable_config: dict[str, Any]
    runtime: str
    runtime_supported: bool | None   # None: cannot be told (container image, custom runtime, SDK bundling)
    role_arn: str
    role_permissions: str             # "ok" | "missing" | "unknown"
    missing_actions: list[str]
    versions: list[str]
    aliases: list[str]                # "NAME->VERSION"
    problems: list[str] = field(default_factory=list)  # "what is wrong: the fix"
    notes: list[str] = field(default_factory=list)     # what could not be checked

    @property
    def ok(self) -> bool:
        return not self.problems


def _document(raw: Any) -> dict[str, Any] | None:
    """The policy document, or None when it is not a JSON object (moto's CloudFormation stores a Python repr)."""
    if isinstance(raw, dict):
        return raw
    try:
        document = json.loads(urllib.parse.unquote(str(raw)))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _statements(document: dict[str, Any]) -> Iterable[dict[str, Any]]:
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _effects(documents: Iterable[dict[str, Any]], wanted: Iterable[str]) -> tuple[set[str], set[str]]:
    """(allowed, explicitly denied) among ``wanted`` in the policy documents (resources not evaluated)."""
    allow: set[str] = set()
    deny: set[str] = set()
    wanted = list(wanted)
    for document in documents:
        for statement in _statements(document):
            patterns = [p.lower() for p in _as_list(statement.get("Action"))]
            hits = {a for a in wanted if any(fnmatch.fnmatchcase(a.lower(), p) for p in patterns)}
            (allow if statement.get("Effect") == "Allow" else deny).update(hits)
    return allow, deny


def allowed_actions(documents: Iterable[dict[str, Any]], wanted: Iterable[str]) -> set[str]:
    """Which of ``wanted`` the policy documents allow (Allow minus Deny; resources not evaluated)."""
    allow, deny = _effects(documents, wanted)
    return allow - deny


def _role_documents(iam: Any, role_name: str) -> tuple[bool, list[dict[str, Any]], list[str]]:
    """(durable managed policy attached, every readable policy document of the role, the names of those
    that are not JSON policy documents)."""
    attached = [p["PolicyArn"] for page in iam.get_paginator("list_attached_role_policies").paginate(
        RoleName=role_name) for p in page["AttachedPolicies"]]
    raw: list[tuple[str, Any]] = []
    for arn in attached:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        raw.append((arn, version["PolicyVersion"]["Document"]))
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for name in page["PolicyNames"]:
            raw.append((f"inline policy {name}",
                        iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]))
    documents: list[dict[str, Any]] = []
    unreadable: list[str] = []
    for what, item in raw:
        document = _document(item)
        if document is None:
            unreadable.append(what)
        else:
            documents.append(document)
    return DURABLE_POLICY_ARN in attached, documents, unreadable


def check_deployment(clients: Any, function_name: str, qualifier: str | None = None) -> CheckReport:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    lam = clients.client("lambda")
    what = f"reading function {function_name}" + (f":{qualifier}" if qualifier else "")
    try:
        kwargs = {"FunctionName": function_name, **({"Qualifier": qualifier} if qualifier else {})}
        config = lam.get_function_configuration(**kwargs)
        versions = [v["Version"] for page in lam.get_paginator("list_versions_by_function").paginate(
            FunctionName=config["FunctionName"]) for v in page["Versions"] if v["Version"] != "$LATEST"]
        aliases = [f"{a['Name']}->{a['FunctionVersion']}" for page in lam.get_paginator("list_aliases").paginate(
            FunctionName=config["FunctionName"]) for a in page["Aliases"]]
    except ClientError as exc:
        if _code(exc) == "ResourceNotFoundException":
            raise DeployError(
                f"No function {function_name}" + (f" with qualifier {qualifier}" if qualifier else "")
                + " in this account and region: check the name, --region and credentials "
                "(deploy_durable_function creates one)."
            ) from exc
        raise explain_client_error(exc, what) from exc
    except (BotoCoreError, ResponseParserError) as exc:
        raise explain_client_error(exc, what) from exc

    durable_config = dict(config.get("DurableConfig") or {})
    runtime = str(config.get("Runtime") or "")
    runtime_ok, runtime_fix = support(runtime or None, config.get("PackageType"))
    role_arn = str(config.get("Role", ""))
    problems: list[str] = []
    notes: list[str] = []
    name = config["FunctionName"]
    if not durable_config:
        problems.append(
            "DurableConfig missing (not a durable function): Lambda enables durable execution only when a "
            "function is created, so create a new function with DurableConfig (ExecutionTimeout, "
            "RetentionPeriodInDays), e.g. deploy_durable_function with another function_name, and move "
            "callers to it"
        )
    if runtime_ok is False:
        problems.append(f"runtime {runtime} not supported: {runtime_fix}")
    elif runtime_ok is None:
        notes.append(f"runtime not judged: {runtime_fix}")

    role_permissions, missing = "unknown", list(REQUIRED_ACTIONS)
    try:
        attached, documents, unreadable = _role_documents(clients.client("iam"), role_arn.rsplit("/", 1)[-1])
        allow, deny = _effects(documents, REQUIRED_ACTIONS)
        granted = (set(REQUIRED_ACTIONS) if attached else allow) - deny  # an explicit Deny always wins
        missing = [a for a in REQUIRED_ACTIONS if a not in granted]
        role_permissions = "missing" if missing else "ok"
        denied = [a for a in missing if a in deny]
        if unreadable:
            notes.append(f"role {role_arn}: {', '.join(unreadable)} is not a JSON policy document and was not read")
        if unreadable and missing and not denied:
            role_permissions = "unknown"  # the unreadable policy may grant what the others lack
            problems.append(
                f"role {role_arn}: the readable policies lack {', '.join(missing)} and {', '.join(unreadable)} "
                f"could not be read: verify that it grants them, or attach {DURABLE_POLICY_ARN}"
            )
        elif denied:
            problems.append(
                f"role {role_arn} denies {', '.join(denied)} explicitly: remove that Deny statement from the "
                "role's policies (attaching a policy cannot override a Deny)"
            )
        elif missing:
            problems.append(
                f"role {role_arn} lacks {', '.join(missing)}: attach {DURABLE_POLICY_ARN} "
                f"(aws iam attach-role-policy --role-name {role_arn.rsplit('/', 1)[-1]} --policy-arn "
                f"{DURABLE_POLICY_ARN})"
            )
    except (ClientError, BotoCoreError, ResponseParserError) as exc:
        retry_later = transient_failure(exc, "reading the role's policies")
        if retry_later is not None:
            problems.append(f"could not read the role's policies: {retry_later}")
        elif isinstance(exc, ClientError):
            action = access_denied(str(exc)) or f"iam:{getattr(exc, 'operation_name', 'GetRole')}"
            problems.append(
                f"could not read the role's policies ({_code(exc)}): grant {action} to check them, or verify that "
                f"{role_arn} has {DURABLE_POLICY_ARN}"
            )
        else:
            problems.append(f"could not read the role's policies: {exc}")

    if qualifier is None and not aliases:
        problems.append(
            ("no alias" if versions else "no alias or published version")
            + ": durable functions are invoked with a qualified ARN; publish a "
            f"version (aws lambda publish-version --function-name {name}) and create an alias"
        )
    for alias in aliases:
        alias_name, _, target = alias.partition("->")
        if target == "$LATEST":
            problems.append(
                f"alias {alias_name} points at $LATEST, so replays run whatever code was deployed last: publish a "
                f"version (aws lambda publish-version --function-name {name}) and point the alias at it "
                f"(aws lambda update-alias --function-name {name} --name {alias_name} --function-version N)"
            )
    return CheckReport(
        function_arn=str(config["FunctionArn"]), durable=bool(durable_config), durable_config=durable_config,
        runtime=runtime, runtime_supported=runtime_ok, role_arn=role_arn, role_permissions=role_permissions,
        missing_actions=missing if role_permissions != "ok" else [], versions=versions, aliases=aliases,
        problems=problems, notes=notes,
    )
