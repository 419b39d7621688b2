"""Scaffolder for new durable-function projects (no MCP imports).

``plan()`` returns the files for a language x IaC x pattern; ``write()`` puts them under the
workspace root, confined and without silent overwrites. Templates live in ``templates/``.
"""

from lambda_durable_mcp.scaffold.project import (
    IACS,
    LANGUAGES,
    PATTERNS,
    Project,
    ProjectFile,
    ScaffoldError,
    plan,
)
from lambda_durable_mcp.scaffold.writer import WriteReport, existing_files, target_directory, write

__all__ = [
    "IACS",
    "LANGUAGES",
    "PATTERNS",
    "Project",
    "ProjectFile",
    "ScaffoldError",
    "WriteReport",
    "existing_files",
    "plan",
    "target_directory",
    "write",
]
