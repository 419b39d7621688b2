"""Pre-flight: the replay-safety analyzer over the code and the template rules over the IaC."""

from dataclasses import dataclass, field
from pathlib import Path

from lambda_durable_mcp.analyzer import Diagnostic, analyze_paths
from lambda_durable_mcp.analyzer.engine import work_tree

DEADLINE_S = 30.0
MAX_LISTED = 12


@dataclass
class Preflight:
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: int = 0
    files: int = 0
    note: str = ""


def import_root(project: Path, workspace: Path | None = None) -> Path:
    """Where the pre-flight may read the files the project imports: the repository's top folder (a
    monorepo's workspace packages lie beside the project), else the project; never above ``workspace``
    (the server's workspace root), so that nothing outside it is read."""
    project = project.resolve()
    top = work_tree(project) or project
    if workspace is not None:
        ws = workspace.resolve()
        if top != ws and top in ws.parents:  # the repository holds the workspace: stop at the workspace
            top = ws
        elif top != ws and ws not in top.parents:
            top = project  # unrelated folders: only the project itself
    return top


def run_preflight(project: Path, workspace: Path | None = None) -> Preflight:
    """The project's own analyzer configuration applies (what CI's `lint` accepts, a deploy accepts);
    a configuration file that cannot be used is a ConfigError."""
    from lambda_durable_mcp.analyzer.config import ConfigSet

    configs = ConfigSet(stop=workspace)
    respect = configs.for_dir(project).respect_gitignore is not False
    # diagnostics stay relative to the project; imported helpers may lie anywhere in its repository
    result = analyze_paths([project], root=project, import_root=import_root(project, workspace),
                           deadline_seconds=DEADLINE_S, respect_gitignore=respect, skip=configs.skip())
    result = configs.apply(result, project)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    warnings = sum(1 for d in result.diagnostics if d.severity == "warning")
    note = f"analysis stopped early: {result.stopped_early}" if result.stopped_early else ""
    return Preflight(errors=errors, warnings=warnings, files=result.files, note=note)


def format_findings(errors: list[Diagnostic]) -> str:
    """One compact line per finding, with its fix."""
    lines = []
    for d in errors[:MAX_LISTED]:
        fix = f" Fix: {d.fix}" if d.fix and d.fix not in d.message else ""
        lines.append(f"- {d.path}:{d.line} {d.rule} {d.message}{fix}")
    if len(errors) > MAX_LISTED:
        lines.append(f"- ... and {len(errors) - MAX_LISTED} more (validate_durable_code lists them all)")
    return "\n".join(lines)


def refusal(preflight: Preflight) -> str:
    return (
        f"Deploy refused: {len(preflight.errors)} error finding(s) would break replay or the deployment:\n"
        f"{format_findings(preflight.errors)}\n"
        "Fix them and deploy again, or pass force=true to deploy anyway."
    )
