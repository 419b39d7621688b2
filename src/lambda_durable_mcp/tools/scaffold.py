"""Tool group: scaffold. One tool, scaffold_durable_project, over lambda_durable_mcp.scaffold."""

import shlex
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from lambda_durable_mcp import scaffold
from lambda_durable_mcp.confine import ConfinementError
from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools._common import Access, Compact, add_tool, require_write, write_hint

TOOL = "scaffold_durable_project"
WHAT = "writes project files"
DESCRIPTION = "Create a durable function project: handler, tests, IaC, README. Without --allow-write: a preview."


def _choices(values: tuple[str, ...]) -> Any:
    """A str parameter whose schema lists the choices (agents read enums), while a value outside
    them still reaches the scaffolder, which says why it is not offered and what is."""
    return Field(json_schema_extra={"enum": list(values)})


class ScaffoldResult(Compact):
    written: bool
    files: dict[str, int]  # path -> bytes
    replaced: list[str]  # existing files replaced (overwrite=true)
    handler: str | None = None  # its contents, in a preview
    local_run: str | None = None  # run_durable_function_locally's handler, once written
    next: str  # commands to run in the project folder
    note: str


def register(server: MCPServer, settings: Settings) -> None:
    """Register this group's tools and resources."""

    def scaffold_durable_project(
        name: str,
        directory: str,
        language: Annotated[str, _choices(scaffold.LANGUAGES)] = "typescript",
        iac: Annotated[str, _choices(scaffold.IACS)] = "cdk",
        pattern: Annotated[str, _choices(scaffold.PATTERNS)] = "basic",
        overwrite: bool = False,
    ) -> ScaffoldResult:
        try:
            project = scaffold.plan(name, language=language, iac=iac, pattern=pattern)
            target = scaffold.target_directory(settings.workspace_root, directory)
            shown = _relative(settings, target)
            files = {f.path: f.size for f in project.files}
            if not settings.allow_write:
                existing = scaffold.existing_files(settings.workspace_root, target, project)
                note = (
                    f"Preview of {shown}/ (handler {project.handler_path}); nothing written: this server "
                    f"runs read-only. To write, start it with --allow-write ({write_hint(settings)}) and call "
                    f"{TOOL} again."
                )
                if existing:
                    note += f" Already present (needs overwrite=true): {', '.join(existing)}."
                return ScaffoldResult(
                    written=False,
                    files=files,
                    replaced=[],
                    handler=project.file(project.handler_path).content,
                    next=" && ".join(project.commands),
                    note=note,
                )
            require_write(settings, TOOL, WHAT)
            report = scaffold.write(settings.workspace_root, directory, project, overwrite=overwrite)
        except (scaffold.ScaffoldError, ConfinementError) as exc:
            raise ToolError(str(exc)) from None
        except OSError as exc:
            raise ToolError(f"could not write the project: {exc.strerror or exc}") from None
        export = "lambda_handler" if project.language == "python" else "handler"
        return ScaffoldResult(
            written=True,
            files=files,
            replaced=report.replaced,
            local_run=f"{shown}/{project.handler_path}:{export}",
            # `cd -rf` would read the folder as options: a leading dash gets a ./ in front
            next=" && ".join([f"cd {shlex.quote('./' + shown if shown.startswith('-') else shown)}", *project.commands]),
            note=f"Written to {shown}/; handler {project.handler_path}. After the install in `next`, "
            "run_durable_function_locally(handler=local_run, input=<events/event.json>) runs it without AWS; "
            "README.md has the deploy, invoke and callback commands.",
        )

    add_tool(
        server,
        settings,
        scaffold_durable_project,
        access=Access(writes=True, destructive=False, idempotent=False, gate="tool"),
        what=WHAT,
        description=DESCRIPTION,
    )


def _relative(settings: Settings, path: Path) -> str:
    try:
        text = path.relative_to(settings.workspace_root).as_posix()
    except ValueError:
        return str(path)
    return text or "."
