"""Configuration files read by the analyzer (workspace manifests, tsconfig, pyproject): parsed once
per content, looked up per directory and remembered for a few seconds, so that a lint run over many
files costs one walk per directory and a server notices a new file soon after it is written.
No MCP imports: the CLI and the tests use this directly."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import time
from typing import Any

TTL_SECONDS = 5.0
MAX_UP = 12             # directory levels walked up from a file
MAX_PACKAGES = 2000     # workspace members read per workspace
MAX_LISTED = 5000       # folders listed to expand one workspace glob

_file_cache: dict[str, tuple[tuple[int, int], Any]] = {}
_dir_cache: dict[tuple[str, str], tuple[float, Any]] = {}


def clear_caches() -> None:
    _file_cache.clear()
    _dir_cache.clear()


def remember(key: tuple[str, str], compute: Any) -> Any:
    now = time.monotonic()
    hit = _dir_cache.get(key)
    if hit is not None and now - hit[0] < TTL_SECONDS:
        return hit[1]
    value = compute()
    if len(_dir_cache) > 4096:
        _dir_cache.clear()
    _dir_cache[key] = (now, value)
    return value


def read(path: str, parse: Any) -> Any:
    """parse(text) of a small config file, cached by its size and mtime; None if unreadable."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    stamp = (st.st_size, st.st_mtime_ns)
    hit = _file_cache.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = None
    if st.st_size <= 1_000_000:
        try:
            with open(path, encoding="utf-8-sig") as f:
                value = parse(f.read())
        except (OSError, UnicodeDecodeError, ValueError):
            value = None
    if len(_file_cache) > 4096:
        _file_cache.clear()
    _file_cache[path] = (stamp, value)
    return value


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as tsconfig files are written."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    cleaned = re.sub(r",(\s*[}\]])", r"\1", "".join(out))
    value = json.loads(cleaned)
    return value if isinstance(value, dict) else None


def parse_json(text: str) -> Any:
    value = json.loads(text)
    return value if isinstance(value, dict) else None


def parse_yaml(text: str) -> Any:
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return value if isinstance(value, dict) else None


def ancestors(start: str) -> list[str]:
    out = []
    d = start
    for _ in range(MAX_UP):
        out.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    return out


def glob_dirs(root: str, segments: list[str]) -> list[str]:
    """Directories below root matching a workspace glob (`packages/*`, `apps/**`), never entering
    node_modules or dot-folders: at most MAX_PACKAGES of them, a few levels deep for `**`, and at
    most MAX_LISTED folders listed however the pattern is written (a bound on one lint's time)."""
    budget = [MAX_LISTED]
    return list(dict.fromkeys(_glob(root, segments, 0, budget)))[:MAX_PACKAGES]


def _glob(root: str, segments: list[str], depth: int, budget: list[int]) -> list[str]:
    if not segments:
        return [root]
    head, rest = segments[0], segments[1:]
    if head == "**":
        out = _glob(root, rest, depth, budget)
        if depth < 4:
            for child in _listed(root, budget):
                out.extend(_glob(child, segments, depth + 1, budget))
                if len(out) >= MAX_PACKAGES:
                    break
        return out
    if not any(c in head for c in "*?["):
        child = os.path.join(root, head)
        return _glob(child, rest, depth, budget) if os.path.isdir(child) else []
    out = []
    for child in _listed(root, budget):
        if fnmatch.fnmatchcase(os.path.basename(child), head):
            out.extend(_glob(child, rest, depth, budget))
            if len(out) >= MAX_PACKAGES:
                break
    return out


def _listed(directory: str, budget: list[int]) -> list[str]:
    if budget[0] <= 0:
        return []
    budget[0] -= 1
    return subdirs(directory)


def subdirs(directory: str) -> list[str]:
    try:
        with os.scandir(directory) as it:
            return sorted(e.path for e in it if e.is_dir(follow_symlinks=False)
                          and e.name != "node_modules" and not e.name.startswith("."))
    except OSError:
        return []


def parse_toml(text: str) -> Any:
    import tomllib

    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, dict) else None


def repository_top(directory: str) -> bool:
    """A folder holding `.git`: configuration above it belongs to something else."""
    return os.path.exists(os.path.join(directory, ".git"))
