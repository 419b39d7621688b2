"""Where a Python project's own packages live, beyond the importing file's folders.

The Python frontend looks for `import shared.ids` next to the importing file and in the folders above
it. That misses two common layouts: a `src/` layout (`src/orders/...` imported from `tests/` or a
script at the top) and the members of a uv workspace (`[tool.uv.workspace] members = ["packages/*"]`,
each member with its own `src/` or flat layout). `import_roots(directory)` names those roots, keyed by
the top-level module names each one provides, so that a lookup only costs anything for a name that
really lives there. Nothing above the repository's top folder is read.
"""

from __future__ import annotations

import os

from lambda_durable_mcp.analyzer.configfiles import (
    ancestors,
    glob_dirs,
    parse_toml,
    read,
    remember,
    repository_top,
)


def import_roots(directory: str) -> dict[str, list[str]]:
    """Top-level module name -> the absolute folders it can be imported from, for a file in directory."""
    here = os.path.abspath(directory)
    found: dict[str, list[str]] = remember(("python-roots", here), lambda: _roots(here))
    return found


def _roots(directory: str) -> dict[str, list[str]]:
    roots: list[str] = []
    project_seen = False
    for d in ancestors(directory):
        manifest = os.path.join(d, "pyproject.toml")
        doc = read(manifest, parse_toml) if os.path.isfile(manifest) else None
        if doc is not None and not project_seen:
            project_seen = True  # the nearest project: its src/ layout
            if os.path.isdir(os.path.join(d, "src")):
                roots.append(os.path.join(d, "src"))
        workspace = _workspace(doc)
        if workspace is not None:
            roots.extend(_members(d, *workspace))
            break
        if repository_top(d):
            break
    out: dict[str, list[str]] = {}
    for root in dict.fromkeys(roots):
        for name in _top_level_names(root):
            out.setdefault(name, []).append(root)
    return out


def _workspace(doc: dict | None) -> tuple[list[str], list[str]] | None:
    tool = doc.get("tool") if isinstance(doc, dict) else None
    uv = tool.get("uv") if isinstance(tool, dict) else None
    ws = uv.get("workspace") if isinstance(uv, dict) else None
    if not isinstance(ws, dict):
        return None
    members = [m for m in ws.get("members") or [] if isinstance(m, str)]
    exclude = [m for m in ws.get("exclude") or [] if isinstance(m, str)]
    return members, exclude


def _members(root: str, members: list[str], exclude: list[str]) -> list[str]:
    """The import roots of a uv workspace's members: `member/src` when there is one, else the member."""
    excluded = {os.path.normpath(m) for pattern in exclude for m in glob_dirs(root, _segments(pattern))}
    out = []
    for pattern in members:
        for member in glob_dirs(root, _segments(pattern)):
            member = os.path.normpath(member)
            if member in excluded or not os.path.isfile(os.path.join(member, "pyproject.toml")):
                continue
            src = os.path.join(member, "src")
            out.append(src if os.path.isdir(src) else member)
    return out


def _segments(pattern: str) -> list[str]:
    parts = [p for p in pattern.strip().strip("/").split("/") if p and p != "."]
    return [] if ".." in parts or pattern.startswith("/") else parts


def _top_level_names(root: str) -> list[str]:
    """Packages (folders) and modules (`x.py`) directly in an import root."""
    try:
        with os.scandir(root) as it:
            entries = list(it)
    except OSError:
        return []
    names = []
    for e in entries:
        if e.name.startswith((".", "_")) or e.name in ("tests", "test", "node_modules"):
            continue
        if e.is_dir(follow_symlinks=False) and e.name.isidentifier():
            names.append(e.name)
        elif e.name.endswith(".py") and e.name[:-3].isidentifier():
            names.append(e.name[:-3])
    return names
