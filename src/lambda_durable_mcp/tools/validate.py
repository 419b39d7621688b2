"""Tool group: validate. ``validate_durable_code`` runs the replay-safety analyzer (read-only).

The analyzer and its frontends are imported inside the tool function: building the server stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from lambda_durable_mcp.confine import ConfinementError, resolve_in_workspace
from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools._common import READ_LOCAL, add_tool

PAGE_SIZE = 50
DEADLINE_SECONDS = 8.0
MAX_INLINE_CHARS = 2_000_000


DESCRIPTION = (
    "Find replay bugs in durable functions (Python, TS, JS, SAM/CFN, CDK, Terraform): non-determinism "
    "outside steps, operations inside steps, lost state, repeated side effects, SDK misuse. Pass inline "
    "code or workspace paths; each finding has rule, line and fix."
)


class ValidationResult(BaseModel):
    diagnostics: list[dict[str, Any]]
    summary: dict[str, Any]
    next_cursor: str = ""


def _tool_error(exc: Exception, root: Path) -> ToolError:
    shown = str(exc).replace(str(root) + "/", "")
    return ToolError(f"the analyzer configuration cannot be used: {shown}")


def _page(result: Any, cursor: str, config: Any = None, root: Path | None = None) -> ValidationResult:
    try:
        start = int(cursor) if cursor else 0
    except ValueError:
        raise ToolError(f"cursor {cursor!r} is not one this tool returned; omit it to start again") from None
    items = result.diagnostics
    if start < 0 or start > len(items):
        raise ToolError(f"cursor {cursor!r} is past the end; omit it to start again")
    page = items[start: start + PAGE_SIZE]
    summary = result.summary()
    if config is not None and config.used and root is not None:
        summary["config"] = config.labels(root)
    end = start + len(page)
    if end < len(items):
        summary["shown"] = f"{start + 1}-{end} of {len(items)}; pass cursor for more"
    return ValidationResult(diagnostics=[d.to_dict() for d in page], summary=summary,
                            next_cursor=str(end) if end < len(items) else "")


def register(server: MCPServer, settings: Settings) -> None:
    """Register this group's tools and resources."""

    async def validate_durable_code(
        code: str = "",
        language: Literal["auto", "python", "typescript", "javascript", "template"] = "auto",
        paths: Annotated[list[str], Field(description="workspace files or directories")] = [],  # noqa: B006
        cursor: str = "",
    ) -> ValidationResult:
        if bool(code) == bool(paths):
            raise ToolError("give either code (inline source) or paths (files or directories in the workspace)")
        from lambda_durable_mcp.analyzer import analyze_paths, analyze_source
        from lambda_durable_mcp.analyzer.config import ConfigError, ConfigSet, common_folder

        root = settings.workspace_root
        # each file follows the nearest configuration file above it, never one above the workspace root
        configs = ConfigSet(stop=root)
        if code:
            if len(code) > MAX_INLINE_CHARS:
                raise ToolError(f"code is {len(code)} characters; pass at most {MAX_INLINE_CHARS} or use paths")
            lang = None if language == "auto" else language
            try:  # the workspace root's selection and severities (per-file ignores name files: not here)
                configs.for_dir(root)
                result = await anyio.to_thread.run_sync(lambda: configs.apply(
                    analyze_source(code, lang), root, inline=True))
            except ConfigError as exc:
                raise _tool_error(exc, root) from None
            return _page(result, cursor, configs, root)
        resolved: list[Path] = []
        for p in paths:
            try:
                resolved.append(resolve_in_workspace(root, p, must_exist=True))
            except ConfinementError as exc:
                raise ToolError(str(exc)) from None
        try:
            start = common_folder(resolved)
            respect = start is None or configs.for_dir(start).respect_gitignore is not False
            result = await anyio.to_thread.run_sync(lambda: configs.apply(analyze_paths(
                resolved, root=root, deadline_seconds=DEADLINE_SECONDS, respect_gitignore=respect,
                skip=configs.skip()), root))
        except ConfigError as exc:
            raise _tool_error(exc, root) from None
        return _page(result, cursor, configs, root)

    add_tool(server, settings, validate_durable_code, access=READ_LOCAL, description=DESCRIPTION)
