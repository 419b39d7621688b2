"""Replay-safety analyzer for durable functions (TypeScript, JavaScript, Python, templates).

No MCP imports: the ``lint`` CLI, the ``validate_durable_code`` tool and the deploy pre-flight
all call the two functions below.
"""

from collections.abc import Iterable
from pathlib import Path

from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult, Diagnostic, Rule

__all__ = ["RULES", "AnalysisResult", "Diagnostic", "Rule", "analyze_paths", "analyze_source"]


def analyze_paths(
    paths: Iterable[Path],
    *,
    root: Path | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    deadline_seconds: float | None = None,
) -> AnalysisResult:
    """Analyze files and directories (recursively; node_modules, .venv, cdk.out and dot-folders skipped).

    Diagnostic paths are relative to ``root`` when given. ``deadline_seconds`` bounds the walk:
    past it, the result carries ``stopped_early``.
    """
    raise NotImplementedError("analyzer engine: see the replay-safety analyzer issue")


def analyze_source(
    code: str,
    language: str | None = None,
    *,
    path: str = "<input>",
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> AnalysisResult:
    """Analyze one in-memory source; ``language`` is detected from the code when None."""
    raise NotImplementedError("analyzer engine: see the replay-safety analyzer issue")
