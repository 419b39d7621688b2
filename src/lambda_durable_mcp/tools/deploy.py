"""Tool group: deploy. ``deploy_durable_function`` (write) and ``check_durable_deployment`` (read)."""

import logging
import time
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from lambda_durable_mcp.confine import ConfinementError, resolve_in_workspace
from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools._common import READ_AWS, Access, add_tool

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.25


# Results are plain JSON objects (structured content, schema-free): declared output schemas for these
# two tools would cost agents ~900 characters of tools/list on every turn. Fields are documented in
# docs/deploy.md and named in the descriptions.
Result = dict[str, Any]


def _clients(settings: Settings, tool: str):  # type: ignore[no-untyped-def]
    if settings.local:
        raise ToolError(f"{tool} works on AWS, not the embedded emulator: restart the server without --local.")
    from lambda_durable_mcp.aws.session import AwsClients, AwsTarget

    return AwsClients(AwsTarget(region=settings.region, profile=settings.profile,
                                lambda_endpoint_url=settings.endpoint_url))


def _aws_setup_error(exc: Exception, operation: str) -> ToolError | None:
    """botocore's own errors (no region, an unknown profile, no credentials, an expired SSO session)
    as the fix; None for anything else, which stays unexpected."""
    from botocore.exceptions import BotoCoreError

    from lambda_durable_mcp.aws.errors import explain

    return ToolError(str(explain(exc, operation))) if isinstance(exc, BotoCoreError) else None


def register(server: MCPServer, settings: Settings) -> None:
    """Register this group's tools and resources."""

    async def deploy_durable_function(
        project_dir: str,
        ctx: Context,
        method: Literal["auto", "sam", "cdk", "direct"] = "auto",
        function_name: str = "",
        stack_name: str = "",
        alias: str = "live",
        execution_timeout: Annotated[int, Field(description="seconds; 0 = default")] = 0,
        retention_days: int = 0,
        force: Annotated[bool, Field(description="deploy despite error findings")] = False,
    ) -> Result:
        """Deploy a durable function to AWS; returns qualified_arn (invoke it), invoke_command, function_arn, version, alias, stack outputs. auto: cdk.json->CDK, SAM template->sam, else direct API (durable role, DurableConfig, version, alias). Refuses on replay-safety errors unless force."""
        import anyio
        import anyio.from_thread

        from lambda_durable_mcp.deploy import DeployError, deploy_project

        try:
            project = resolve_in_workspace(settings.workspace_root, project_dir, must_exist=True)
        except ConfinementError as exc:
            raise ToolError(str(exc)) from exc
        clients = _clients(settings, "deploy_durable_function")
        state = {"step": 0, "last": 0.0}

        def progress(message: str) -> None:
            now = time.monotonic()
            if now - state["last"] < PROGRESS_INTERVAL_S:
                return
            state["step"] += 1
            state["last"] = now
            try:
                anyio.from_thread.run(ctx.report_progress, state["step"], None, message[:200])
            except Exception:  # no progress token, closed session: progress is best effort
                log.debug("progress not sent", exc_info=True)

        def work():  # type: ignore[no-untyped-def]
            return deploy_project(
                project, clients, method=method, function_name=function_name or None,
                stack_name=stack_name or None, alias=alias, execution_timeout=execution_timeout or None,
                retention_days=retention_days or None, force=force,
                region=settings.region, profile=settings.profile, progress=progress,
                workspace=settings.workspace_root,
            )

        try:
            outcome = await anyio.to_thread.run_sync(work)
        except (DeployError, ConfinementError) as exc:
            raise ToolError(str(exc)) from exc
        except Exception as exc:
            explained = _aws_setup_error(exc, "deploy")
            if explained is None:
                raise
            raise explained from exc
        result: Result = {
            "method": outcome.method, "qualified_arn": outcome.qualified_arn, "function_arn": outcome.function_arn,
            "version": outcome.version, "alias": outcome.alias, "invoke_command": outcome.invoke_command,
        }
        if outcome.stacks:
            result.update(stacks=outcome.stacks, outputs=outcome.outputs)
        if outcome.notes:
            result["notes"] = outcome.notes
        return result

    async def check_durable_deployment(function_name: str, qualifier: str = "") -> Result:
        """Check a deployed function's DurableConfig, role permissions, runtime, versions and aliases; returns ok and problems (each with its fix)."""
        import anyio

        from lambda_durable_mcp.deploy import DeployError, check_deployment

        clients = _clients(settings, "check_durable_deployment")
        try:
            report = await anyio.to_thread.run_sync(lambda: check_deployment(clients, function_name, qualifier or None))
        except DeployError as exc:
            raise ToolError(str(exc)) from exc
        except Exception as exc:
            explained = _aws_setup_error(exc, "GetFunction")
            if explained is None:
                raise
            raise explained from exc
        return {
            "ok": report.ok, "problems": report.problems, "function_arn": report.function_arn,
            "durable_config": report.durable_config or None, "runtime": report.runtime,
            "runtime_supported": report.runtime_supported, "role_arn": report.role_arn,
            "role_permissions": report.role_permissions, "missing_actions": report.missing_actions,
            "versions": report.versions, "aliases": report.aliases,
            **({"notes": report.notes} if report.notes else {}),
        }

    add_tool(server, settings, deploy_durable_function,
             access=Access(writes=True, destructive=True, idempotent=False, open_world=True),
             what="creates or updates AWS resources")
    add_tool(server, settings, check_durable_deployment, access=READ_AWS)
