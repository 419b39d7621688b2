"""The Python frontend (stdlib ast; newer syntax lowered on older interpreters)."""

from lambda_durable_mcp.analyzer.python.frontend import FRONTEND, PythonFrontend

__all__ = ["FRONTEND", "PythonFrontend"]
