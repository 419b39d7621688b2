"""TypeScript/JavaScript frontend of the replay-safety analyzer (tree-sitter; imported lazily).

The frontend is loaded on first use (PEP 562): a compiled module of this package imports its
siblings while the package is still initialising, which must not import the frontend back.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FRONTEND", "TypeScriptFrontend"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lambda_durable_mcp.analyzer.typescript import frontend

        return getattr(frontend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
