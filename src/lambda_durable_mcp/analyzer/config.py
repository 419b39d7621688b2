"""Project configuration for the analyzer: which rules, which files, which severities.

One place serves the `lint` CLI, the pre-commit hook, the `validate_durable_code` tool and the deploy
pre-flight, so that an agent and CI judge a repository alike. Each file is governed by the nearest
configuration file above it (a monorepo's package keeps its own settings whichever folder the run
starts from), first found per folder:

- `durable-lint.toml` or `.durable-lint.toml` (top-level keys),
- `pyproject.toml` with a `[tool.durable-lint]` table (one without it is passed over),
- `package.json` with a `"durable-lint"` object.

The search stops at the repository top (the folder holding `.git`) or at a given folder (the server's
workspace root), so configuration of an enclosing project is never read.

Keys (`-` or `_`): `select`, `ignore` (rule ids or prefixes), `exclude` (globs, as --exclude),
`per-file-ignores` (glob -> ids), `severity` (id or prefix -> error|warning|info),
`respect-gitignore` (bool). Globs are relative to the configuration file's folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult

CONFIG_NAMES = ("durable-lint.toml", ".durable-lint.toml", "pyproject.toml", "package.json")
SEVERITIES = ("error", "warning", "info")
_KEYS = ("select", "ignore", "exclude", "per-file-ignores", "severity", "respect-gitignore")
_MAX_BYTES = 1_000_000  # a configuration file larger than this is no configuration file
_RULE_PREFIX = re.compile(r"DUR\d{0,3}\Z")


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and what to change."""


@dataclasses.dataclass(frozen=True)
class LintConfig:
    source: Path | None = None  # the file read (None: no configuration)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: tuple[tuple[str, str], ...] = ()  # (id or prefix, severity), most specific first
    respect_gitignore: bool | None = None

    @property
    def folder(self) -> Path | None:
        return self.source.parent if self.source is not None else None

    def excludes(self, path: str) -> bool:
        """Whether `exclude` covers an absolute path (its globs are relative to the configuration's folder)."""
        if self.folder is None:
            return False
        rel = os.path.relpath(path, self.folder).replace(os.sep, "/")
        return any(_matches(rel, g) for g in self.exclude)

    def label(self, base: Path) -> str:
        """The file's name for a report: relative to base when below it."""
        if self.source is None:
            return ""
        try:
            return self.source.relative_to(base).as_posix()
        except ValueError:
            return str(self.source)


NO_CONFIG = LintConfig()


def _declares(path: Path) -> bool:
    """pyproject.toml and package.json hold configuration only with our table or key."""
    if path.name not in ("pyproject.toml", "package.json"):
        return True
    try:
        if path.stat().st_size > _MAX_BYTES:
            return False
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    if path.name == "pyproject.toml":
        return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?durable[-_]lint\b", text, re.M) is not None or \
            re.search(r"^\s*tool\s*\.\s*[\"']?durable[-_]lint", text, re.M) is not None
    return re.search(r"\"durable[-_]lint\"\s*:", text) is not None


def load_config(path: Path, *, named: bool = False) -> LintConfig:
    """Read and check one configuration file; ConfigError says what is wrong and where. A file named by
    the user (`--config`) must hold settings: a pyproject.toml without the table is a mistake then."""
    path = path.resolve()
    stat = _stat(path)
    if named and not _declares(path):
        table = "[tool.durable-lint] table" if path.name == "pyproject.toml" else '"durable-lint" key'
        raise ConfigError(f"{path}: has no {table}")
    return _load(str(path), stat.st_size, stat.st_mtime_ns)


def _stat(path: Path) -> os.stat_result:
    try:
        return path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc.strerror or exc})") from None


@lru_cache(maxsize=64)  # the server asks on every call: read again only when the file changes
def _load(path_text: str, size: int, mtime_ns: int) -> LintConfig:
    path = Path(path_text)
    if size > _MAX_BYTES:
        raise ConfigError(f"{path}: {size} bytes is too large for a configuration file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration file ({exc})") from None
    where = path.name
    if path.name == "package.json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        table = doc.get("durable-lint", doc.get("durable_lint")) if isinstance(doc, dict) else None
        where = 'package.json "durable-lint"'
    else:
        import tomllib

        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        tool = doc.get("tool", {})
        nested = tool.get("durable-lint", tool.get("durable_lint")) if isinstance(tool, dict) else None
        if path.name == "pyproject.toml" or (nested is not None and set(doc) == {"tool"}):
            # (another file named with --config may hold the pyproject form too)
            table = nested
            where = f"{path.name} [tool.durable-lint]"
        else:
            table = doc
    if table is None:
        return LintConfig(source=path)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table of settings")
    return _parse(path, where, table)


def _parse(path: Path, where: str, table: Mapping[str, Any]) -> LintConfig:
    def fail(message: str) -> ConfigError:
        return ConfigError(f"{path}: {where}: {message}")

    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("_", "-")
        if key not in _KEYS:
            raise fail(f"unknown setting {raw_key!r} (known: {', '.join(_KEYS)})")
        values[key] = value

    def strings(key: str, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{key} must be a list of strings")
        return tuple(v.strip() for v in value if v.strip())

    def rule_ids(key: str, value: Any) -> tuple[str, ...]:
        ids = tuple(i.upper() for i in strings(key, value))
        bad = unknown_ids(ids)
        if bad:
            raise fail(f"{key}: unknown rule id(s) {', '.join(bad)}; ids and prefixes run from DUR001 to DUR055")
        return ids

    per_file: list[tuple[str, tuple[str, ...]]] = []
    pfi = values.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise fail("per-file-ignores must be a table of glob = [rule ids]")
    for glob, ids in pfi.items():
        per_file.append((str(glob).strip(), rule_ids(f"per-file-ignores {glob!r}", ids)))
    severity: list[tuple[str, str]] = []
    sev = values.get("severity", {})
    if not isinstance(sev, dict):
        raise fail("severity must be a table of rule id = \"error\" | \"warning\" | \"info\"")
    for rule, level in sev.items():
        (rule_id,) = rule_ids("severity", [str(rule)]) or ("",)
        if not rule_id:
            raise fail("severity: empty rule id")
        if level not in SEVERITIES:
            raise fail(f"severity {rule!r}: {level!r} is not one of {', '.join(SEVERITIES)}")
        severity.append((rule_id, level))
    severity.sort(key=lambda item: -len(item[0]))  # DUR005 before DUR0: the most specific wins
    respect = values.get("respect-gitignore")
    if respect is not None and not isinstance(respect, bool):
        raise fail("respect-gitignore must be true or false")
    return LintConfig(
        source=path,
        select=rule_ids("select", values.get("select", [])),
        ignore=rule_ids("ignore", values.get("ignore", [])),
        exclude=strings("exclude", values.get("exclude", [])),
        per_file_ignores=tuple(per_file),
        severity=tuple(severity),
        respect_gitignore=respect,
    )


def unknown_ids(ids: Iterable[str]) -> list[str]:
    """Ids (or prefixes from `DUR` on) that match no rule (a shorter prefix would switch every rule off)."""
    return [i for i in ids if not (_RULE_PREFIX.match(i) and any(r.startswith(i) for r in RULES))]


def common_folder(paths: Iterable[Path]) -> Path | None:
    """The deepest folder holding every path (a file counts by its folder)."""
    folders = [str(p if p.is_dir() else p.parent) for p in (q.resolve() for q in paths)]
    if not folders:
        return None
    return Path(os.path.commonpath(folders))


class ConfigSet:
    """The configuration governing each file: the nearest configuration file above it (so that a
    package of a monorepo keeps its own settings whichever folder `lint` is run from, as with ruff),
    or one file named for all (`--config`), or none (`--isolated`). Files are looked up once per
    folder, never above `stop` (the server's workspace root) nor above the repository top."""

    def __init__(self, *, stop: Path | None = None, named: LintConfig | None = None, isolated: bool = False) -> None:
        self.stop = stop.resolve() if stop is not None else None
        self.named = named
        self.isolated = isolated
        self._by_dir: dict[str, LintConfig] = {}
        self.used: dict[Path, LintConfig] = {}  # configuration files read, for the report's summary

    def for_dir(self, directory: str | Path) -> LintConfig:
        """ConfigError when the governing file cannot be used."""
        if self.isolated:
            return NO_CONFIG
        if self.named is not None:
            return self.named
        key = os.path.realpath(directory)  # (the workspace root it is compared with is resolved too)
        hit = self._by_dir.get(key)
        if hit is not None:
            return hit
        here = Path(key)
        if self.stop is not None and here != self.stop and self.stop not in here.parents:
            hit = NO_CONFIG  # outside the folder configuration may come from
        else:
            # this folder's own file, else its parent's answer: each folder is looked at once
            own = next((here / n for n in CONFIG_NAMES if (here / n).is_file() and _declares(here / n)), None)
            if own is not None:
                hit = load_config(own)
                self.used.setdefault(own.resolve(), hit)
            elif here == self.stop or (here / ".git").exists() or here.parent == here:
                hit = NO_CONFIG
            else:
                hit = self.for_dir(here.parent)
        self._by_dir[key] = hit
        return hit

    def skip(self) -> Callable[[str], bool] | None:
        """Each file's own configuration's `exclude`, as a test of absolute paths (files and folders)."""
        if self.isolated:
            return None

        def excluded(path: str) -> bool:
            config = self.for_dir(os.path.dirname(path))
            return bool(config.exclude) and config.excludes(path)

        return excluded

    def labels(self, base: Path) -> str:
        return ", ".join(sorted(c.label(base) for c in self.used.values()))

    def apply(self, result: AnalysisResult, root: Path, cli_select: Iterable[str] = (),
              inline: bool = False) -> AnalysisResult:
        """Selection, ignores, exclusion, per-file ignores and severities, each file by its own
        configuration, on a result whose diagnostic paths are relative to `root`. Ids selected on the
        command line win over the configuration's `ignore` (an explicit request to see them)."""
        if self.isolated:
            return result
        chosen = tuple(cli_select)
        kept = []
        for d in result.diagnostics:
            full = os.path.normpath(d.path if os.path.isabs(d.path) else root / d.path)
            config = self.for_dir(root if inline else os.path.dirname(full))
            if config.source is None:
                kept.append(d)
                continue
            if not inline and config.exclude and config.excludes(full):
                continue
            if not chosen and config.select and not any(d.rule.startswith(i) for i in config.select):
                continue
            if any(d.rule.startswith(i) and not any(c.startswith(i) or i.startswith(c) for c in chosen)
                   for i in config.ignore):
                continue
            if not inline and config.per_file_ignores:
                rel = os.path.relpath(full, config.folder or root).replace(os.sep, "/")
                if any(_matches(rel, glob) and any(d.rule.startswith(i) for i in ids)
                       for glob, ids in config.per_file_ignores):
                    continue
            level = next((sev for rule, sev in config.severity if d.rule.startswith(rule)), None)
            kept.append(d if level is None or level == d.severity else dataclasses.replace(d, severity=level))
        return dataclasses.replace(result, diagnostics=kept)


def _matches(rel: str, glob: str) -> bool:
    """A glob against a path relative to the configuration's folder. `*` stays within a folder name,
    `**` spans folders; a glob without `/` also matches a file's name or any folder name on its way
    (`tests` matches `tests/unit/test_x.py`); a glob naming a folder matches every file below it."""
    if rel.startswith("../"):
        return False  # a file outside the configuration's folder
    glob = glob.strip().removeprefix("./")
    anchored = glob.startswith("/")  # `/src`, as in .gitignore: relative to the folder, not any name
    glob = glob.lstrip("/")
    if not glob:
        return False
    pattern = _compile(glob.rstrip("/"))
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if any(pattern.fullmatch(p) for p in prefixes):
        return True
    return not anchored and "/" not in glob.rstrip("/") and any(pattern.fullmatch(part) for part in parts)


@lru_cache(maxsize=256)
def _compile(glob: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("(?:/.*)?")  # `legacy/**`: the folder itself too, so that the walk skips it
            break
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = glob.find("]", i + 2 if glob[i + 1: i + 2] in ("!", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = glob[i + 1: end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out))
