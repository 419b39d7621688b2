"""TypeScript/JavaScript frontend of the replay-safety analyzer (tree-sitter; imported lazily)."""

from lambda_durable_mcp.analyzer.typescript.frontend import FRONTEND, TypeScriptFrontend

__all__ = ["FRONTEND", "TypeScriptFrontend"]
