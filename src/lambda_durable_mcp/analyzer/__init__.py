"""Replay-safety analyzer for durable functions (TypeScript, JavaScript, Python, templates).

No MCP imports: the ``lint`` CLI, the ``validate_durable_code`` tool and the deploy pre-flight
all call the two functions below.
"""

from lambda_durable_mcp.analyzer.engine import analyze_paths, analyze_source
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult, Diagnostic, Rule

__all__ = ["RULES", "AnalysisResult", "Diagnostic", "Rule", "analyze_paths", "analyze_source"]
