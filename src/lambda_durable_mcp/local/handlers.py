"""Handler specs (``path/to/file.py:handler``): parsing, language, interpreter, durability.

A handler runs in a subprocess with the project's own runtime:
- Python: the ``.venv`` (or ``venv``) interpreter of the nearest project that has one, between
  the handler's folder and the workspace root; otherwise the server's own interpreter.
- TypeScript: bundled with esbuild (the project's ``node_modules/.bin/esbuild``, else one on
  PATH) into a temporary CommonJS file, then run by Node.js. JavaScript (.js, .mjs, .cjs) runs
  as is, resolving packages from the project's ``node_modules``.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lambda_durable_mcp.confine import ConfinementError, resolve_in_workspace

Language = Literal["python", "node"]

PYTHON_SUFFIXES = (".py",)
NODE_SUFFIXES = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs")
TS_SUFFIXES = (".ts", ".mts", ".cts")
FUNCTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
EXPORT_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*\Z")
_DURABLE_MARKERS = {
    "python": re.compile(r"\bdurable_execution\b"),
    "node": re.compile(r"\bwithDurableExecution\b"),
}
GENERIC_STEMS = {"index", "handler", "handlers", "app", "main", "lambda_function", "function"}


class HandlerError(ValueError):
    """A handler spec that cannot run; the message says why and how to fix it."""


@dataclass(frozen=True)
class HandlerSpec:
    file: Path
    export: str
    language: Language

    @property
    def key(self) -> str:
        return f"{self.file}:{self.export}"

    @property
    def is_typescript(self) -> bool:
        return self.file.suffix in TS_SUFFIXES

    def is_durable(self) -> bool:
        """Durable when the handler's file wraps a handler with the durable SDK.

        A chained invoke of a durable target starts a child execution; of a plain one, a
        single invocation. The source is the only local signal (Lambda would read the
        function's DurableConfig).
        """
        try:
            text = self.file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return bool(_DURABLE_MARKERS[self.language].search(text))

    def python_problem(self) -> str | None:
        """Why a Python handler cannot load, found before any run: a syntax error (code newer than the
        server's Python is read as the Lambda runtime would) or an export that the module does not define.
        The emulator would retry such a handler for seconds and then fail the execution."""
        if self.language != "python":
            return None
        import ast

        from lambda_durable_mcp.analyzer.python.downlevel import parse_any

        try:
            text = self.file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"cannot read {self.file.name}: {exc.strerror}"
        tree, error = parse_any(text, str(self.file))
        if tree is None:
            return f"{self.file.name}:{error}"
        names: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                if any(a.name == "*" for a in node.names):
                    return None  # a star import may define it
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            else:
                for target in ast.walk(node) if isinstance(node, ast.Assign | ast.AnnAssign | ast.If | ast.Try) else ():
                    if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store):
                        names.add(target.id)
                    elif isinstance(target, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        names.add(target.name)
        if self.export in names:
            return None
        functions = sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
        listed = ", ".join(functions[:10]) or "none"
        return f"{self.file.name} defines no {self.export!r} at module level (its functions: {listed})"

    def default_function_name(self) -> str:
        stem = self.file.stem
        if stem.lower() in GENERIC_STEMS and self.file.parent.name:
            stem = f"{self.file.parent.name}-{stem}"
        if self.export not in ("handler", "lambda_handler", "main"):
            stem = f"{stem}-{self.export}"
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "function"
        return name[:64]


def parse_handler(root: Path, text: str) -> HandlerSpec:
    """``path/to/file.py:handler`` inside the workspace root -> HandlerSpec."""
    raw = (text or "").strip()
    path_part, sep, export = raw.rpartition(":")
    if not sep or not path_part or not export:
        raise HandlerError(
            f"handler {raw!r} is not 'path/to/file.py:function_name'; give the file and the "
            "exported function, e.g. 'src/orders.py:handler' or 'src/index.ts:handler'"
        )
    if not EXPORT_RE.match(export):
        raise HandlerError(f"handler function name {export!r} is not an identifier")
    try:
        file = resolve_in_workspace(root, path_part, must_exist=True)
    except ConfinementError as exc:
        raise HandlerError(str(exc)) from exc
    if not file.is_file():
        raise HandlerError(f"{path_part!r} is not a file")
    if file.suffix in PYTHON_SUFFIXES:
        language: Language = "python"
    elif file.suffix in NODE_SUFFIXES:
        language = "node"
    else:
        raise HandlerError(
            f"{file.name}: unsupported handler file type; use a .py, .ts, .js or .mjs file"
        )
    return HandlerSpec(file=file, export=export, language=language)


def _ancestors(start: Path, root: Path) -> list[Path]:
    """``start`` and its parents up to and including ``root`` (or the filesystem root)."""
    out = []
    current = start
    while True:
        out.append(current)
        if current == root or current.parent == current:
            return out
        current = current.parent


def python_interpreter(spec: HandlerSpec, root: Path) -> str:
    for folder in _ancestors(spec.file.parent, root):
        for venv in (".venv", "venv"):
            for candidate in (folder / venv / "bin" / "python", folder / venv / "Scripts" / "python.exe"):
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return str(candidate)
    return sys.executable


def python_paths(spec: HandlerSpec, root: Path) -> list[str]:
    """Import roots: the nearest project root (pyproject/setup/requirements) and its ``src``."""
    for folder in _ancestors(spec.file.parent, root):
        if any((folder / marker).exists() for marker in ("pyproject.toml", "setup.py", "requirements.txt")):
            paths = [str(folder)]
            if (folder / "src").is_dir():
                paths.append(str(folder / "src"))
            return paths
    return [str(root)]


def node_project_root(spec: HandlerSpec, root: Path) -> Path | None:
    for folder in _ancestors(spec.file.parent, root):
        if (folder / "node_modules").is_dir():
            return folder
    return None


def node_binary() -> str | None:
    return shutil.which("node")


def esbuild_binary(spec: HandlerSpec, root: Path) -> str | None:
    for folder in _ancestors(spec.file.parent, root):
        candidate = folder / "node_modules" / ".bin" / "esbuild"
        if candidate.is_file():
            return str(candidate)
    return shutil.which("esbuild")
