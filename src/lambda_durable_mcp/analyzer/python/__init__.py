"""The Python frontend (stdlib ast; newer syntax lowered on older interpreters).

The frontend is loaded on first use (PEP 562): a compiled frontend module imports its sibling
modules while this package is still initialising, which must not import the frontend back.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FRONTEND", "PythonFrontend"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lambda_durable_mcp.analyzer.python import frontend

        return getattr(frontend, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
