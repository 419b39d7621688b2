"""The analysis engine: walks files, runs the language frontends in two passes, and owns everything
that is the same for every language (suppression comments, rule selection, ordering,
de-duplication, the cross-file impurity closure behind DUR005, the deadline and the size cap).

Frontends receive absolute file paths; diagnostics leave the engine with display paths (relative
to ``root``, POSIX separators).
"""

from __future__ import annotations

import fnmatch
import gc
import importlib
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from lambda_durable_mcp.analyzer.frontend import Frontend, FunctionSummary, ModuleSummary, ProjectView
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult, Diagnostic, looks_binary

log = logging.getLogger(__name__)

# Each module exports FRONTEND. Until every frontend branch is merged, a missing module is skipped.
FRONTEND_MODULES = (
    "lambda_durable_mcp.analyzer.python",
    "lambda_durable_mcp.analyzer.typescript",
    "lambda_durable_mcp.analyzer.templates",
)
SKIP_DIRS = frozenset({"node_modules", ".venv", "venv", "cdk.out", "dist", "build", ".git", "__pycache__",
                       ".aws-sam", "coverage", "site-packages"})
# Only files with these endings are read during a directory walk; each frontend still decides.
CANDIDATE_SUFFIXES = (".py", ".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs",
                      ".yaml", ".yml", ".json", ".template", ".tf")
SKIP_FILES = frozenset({"package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "yarn.lock",
                        "composer.lock", ".pre-commit-config.yaml", ".pre-commit-hooks.yaml"})
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 20_000
LANGUAGE_SUFFIX = {"python": ".py", "typescript": ".ts", "javascript": ".js", "template": ".yaml"}

# The directive must follow a comment opener (#, //, /* or a JSDoc " * "): inside a string literal it
# suppresses nothing. Ids go in brackets; "ignore DUR001, DUR002" without them is read the same way.
# The filler between opener and directive is bounded: unbounded, a long run of '#' made it quadratic.
_SUPPRESS = re.compile(r"(?:#|//|/\*|^[ \t]*\*)[ \t*/#]{0,16}durable-lint:[ \t]*ignore"
                       r"(?:\[([A-Za-z0-9_,; \t]*)\]|[ \t]+((?:DUR\d+[ \t,;]*)+))?")

_frontends: tuple[Frontend, ...] | None = None


def frontends() -> tuple[Frontend, ...]:
    """Every installed frontend, in FRONTEND_MODULES order (imported on first use)."""
    global _frontends
    if _frontends is None:
        _frontends = tuple(importlib.import_module(name).FRONTEND for name in FRONTEND_MODULES)
    return _frontends


# ---------------------------------------------------------------------------------------------
# Rule selection and suppression


def _rule_filter(select: Iterable[str] | None, ignore: Iterable[str] | None) -> Callable[[str], bool]:
    """Ids or id prefixes (``DUR00`` selects DUR001-DUR009)."""
    sel = tuple(s.strip().upper() for s in select or () if s.strip())
    ign = tuple(s.strip().upper() for s in ignore or () if s.strip())

    def wanted(rule: str) -> bool:
        if sel and not rule.startswith(sel):
            return False
        return not (ign and rule.startswith(ign))

    return wanted


_RULE_PREFIX = re.compile(r"DUR\d{0,3}\Z")


def unknown_rule_ids(ids: Iterable[str]) -> list[str]:
    """Ids (or prefixes from ``DUR`` on) that match no rule: a typo in --select/--ignore should not pass
    silently, and a prefix shorter than ``DUR`` (``--ignore D``) would switch every rule off."""
    return [i for i in ids if i.strip() and not (_RULE_PREFIX.match(i.strip().upper())
                                                 and any(r.startswith(i.strip().upper()) for r in RULES))]


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """line -> rules suppressed there (None: every rule), from ``durable-lint: ignore[...]`` comments.

    A comment after code suppresses its own line; a comment alone on a line suppresses the next line.
    """
    out: dict[int, frozenset[str] | None] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "durable-lint" not in line:
            continue
        m = _SUPPRESS.search(line)
        if not m:
            continue
        ids = _directive_ids(m)
        rules = None if ids is None else frozenset(ids)
        # A comment after code covers its own line; a comment on a line of its own covers the next line.
        alone = not line[: m.start()].strip()
        for target in ((lineno, lineno + 1) if alone else (lineno,)):
            prev = out.get(target, frozenset())
            out[target] = None if rules is None or prev is None else prev | rules
    return out


def _directive_ids(m: re.Match[str]) -> list[str] | None:
    """The ids a suppression names, upper-cased; None for a bare ``ignore`` (every rule)."""
    ids = m.group(1) if m.group(1) is not None else m.group(2)
    return None if ids is None else [r.upper() for r in re.split(r"[\s,;]+", ids) if r]


def unknown_suppressions(text: str) -> list[tuple[int, str]]:
    """(line, id) of suppression ids that name no rule: a typo there would silently suppress nothing."""
    out = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _SUPPRESS.search(line) if "durable-lint" in line else None
        if m is not None:
            out.extend((lineno, r) for r in _directive_ids(m) or () if r not in RULES)
    return out


def _suppressed(d: Diagnostic, table: dict[int, frozenset[str] | None]) -> bool:
    if d.line not in table:
        return False
    rules = table[d.line]
    return rules is None or d.rule in rules


# ---------------------------------------------------------------------------------------------
# The closures behind DUR005, DUR035 and DUR012 across files


_Found = tuple[tuple[tuple[str, str], ...], str, str]  # hops (path, name), what it ends at, its rule or note


class ImpurityClosure:
    """Which project functions reach a fact across files, and through which chain: an impure call
    (``fact="impurity"``, DUR005), a non-idempotent write (``"nonidempotent"``, DUR035) or a write to
    module state (``"module_write"``, DUR012); the fact is a FunctionSummary field.

    ``closure(path, name, caller)`` gives the chain text ("makeId -> crypto.randomUUID()") or None
    when the function reaches no such fact. A hop names its file only when it leaves the file before
    it (the caller's file first), so a chain inside one file reads as plain function names.
    """

    def __init__(self, summaries: dict[str, ModuleSummary], display: Callable[[str], str],
                 fact: str = "impurity") -> None:
        self._summaries = summaries
        self._display = display
        self._fact = fact  # the FunctionSummary field that makes a function the end of a chain
        self._memo: dict[tuple[str, str], _Found | None] = {}

    def _walk(self, path: str, name: str, stack: frozenset[tuple[str, str]]) -> _Found | None:
        key = (path, name)
        if key in self._memo:
            return self._memo[key]
        if key in stack:
            return None
        summary = self._summaries.get(path)
        fn = summary.functions.get(name) if summary else None
        if fn is None and summary is not None and summary.star_exports:
            fn = _forwarded(summary.star_exports, name)
        if fn is None:
            return None
        result: _Found | None = None
        own = getattr(fn, self._fact)
        if own is not None:  # impurity is (rule, call); the others are (what, note)
            result = ((key,), own[1], own[0]) if self._fact == "impurity" else ((key,), own[0], own[1])
        else:
            inner = stack | {key}
            for callee_path, callee in fn.calls:
                sub = self._walk(callee_path, callee, inner)
                if sub is not None:
                    result = ((key, *sub[0]), sub[1], sub[2])
                    break
        self._memo[key] = result
        return result

    def _find(self, path: str, name: str) -> _Found | None:
        try:
            return self._walk(path, name, frozenset())
        except RecursionError:
            return None

    def __call__(self, path: str, name: str, caller: str | None = None) -> str | None:
        found = self._find(path, name)
        if found is None:
            return None
        hops, what, _rule = found
        parts: list[str] = []
        here = caller
        for hop_path, hop_name in hops:
            parts.append(hop_name if hop_path == here else f"{self._short_path(hop_path, here)}:{hop_name}")
            here = hop_path
        return " -> ".join([*parts, what])

    def _short_path(self, path: str, previous: str | None) -> str:
        """The path from the previous hop's folder when the file is below it (what a reader of that
        file needs, and short), else the display path."""
        shown = self._display(path)
        if previous is None:
            return shown
        rel = os.path.relpath(shown, os.path.dirname(self._display(previous)))
        return shown if rel.startswith("..") else rel

    def rule(self, path: str, name: str) -> str | None:
        """The rule (DUR001-DUR004, DUR021) of the impure call the chain ends at."""
        found = self._find(path, name)
        return found[2] if found is not None else None

    def with_hint(self, path: str, name: str, caller: str | None = None) -> tuple[str, str, str] | None:
        """(chain text, what it ends at, its note), for ``fact="nonidempotent"``, ``"module_write"`` or
        ``"sleep"``."""
        chain = self(path, name, caller)
        found = self._find(path, name)
        return (chain, found[1], found[2]) if chain is not None and found is not None else None


def _forwarded(stars: list[tuple[str, str]], name: str) -> FunctionSummary | None:
    """A name a module re-exports through `export *` (or `ns.f` through `export * as ns`): a hop that
    calls the same name in each re-exported module, so the chain shows the barrel it went through."""
    ns, _, rest = name.partition(".")
    calls = [(p, name) for space, p in stars if not space and name != "default"]  # `export *` skips default
    calls += [(p, rest) for space, p in stars if rest and space == ns]
    return FunctionSummary(name=name, line=1, calls=calls) if calls else None


def impurity_closure(summaries: dict[str, ModuleSummary], display: Callable[[str], str]) -> ImpurityClosure:
    return ImpurityClosure(summaries, display)


def project_view(root: str, summaries: dict[str, ModuleSummary], display: Callable[[str], str]) -> ProjectView:
    """What pass 2 sees: the summaries with the closures over them (DUR005, DUR009, DUR012, DUR035
    across files)."""
    impure = impurity_closure(summaries, display)
    nonidempotent = ImpurityClosure(summaries, display, fact="nonidempotent")
    module_write = ImpurityClosure(summaries, display, fact="module_write")
    sleep = ImpurityClosure(summaries, display, fact="sleep")
    return ProjectView(root=root, summaries=summaries, impure=impure, impurity_rule=impure.rule,
                       nonidempotent=nonidempotent.with_hint, module_write=module_write.with_hint,
                       sleep=sleep.with_hint, display=display)


# ---------------------------------------------------------------------------------------------
# Walking


@dataclass
class _Unit:
    path: str            # absolute path handed to frontends
    display: str         # path in diagnostics
    source: bytes
    frontends: list[Frontend] = field(default_factory=list)


def _display_path(path: Path, root: Path) -> str:
    if os.sep == "/":  # the common case without pathlib's parsing: a resolved path below root
        p, r = str(path), str(root)
        prefix = r if r.endswith("/") else r + "/"
        if p.startswith(prefix) and len(p) > len(prefix):
            return p[len(prefix):]
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# Compiled output beside its source (tsc without outDir): the source is analyzed, not the copy.
_COMPILED_FROM = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def work_tree(start: Path) -> Path | None:
    """The top folder of the git work tree ``start`` lies in (the nearest folder holding .git)."""
    here = start
    while not (here / ".git").exists():
        if here.parent == here:
            return None
        here = here.parent
    return here


def _git_ignored(top: Path, deadline: float | None = None) -> tuple[set[str], set[str]] | None:
    """(ignored folders, ignored files) under ``top`` as absolute paths, by git's own rules (every
    .gitignore, .git/info/exclude, the global excludes file); None outside a git work tree or without git."""
    import subprocess

    if work_tree(top) is None:  # outside any work tree: no process to start
        return None
    # The workspace may be hostile: its .git/config can name programs git runs (core.fsmonitor runs
    # one for every command that reads the index), so that is switched off on the command line, which
    # wins over every config file; GIT_* variables of the server's environment are not passed on.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_OPTIONAL_LOCKS"] = "0"  # a read-only look: no index refresh, no lock
    try:
        out = subprocess.run(
            # safe.bareRepository=explicit: a bare repository committed inside the workspace (a plain
            # clone can carry one) is not discovered, so its config is never read
            ["git", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false",
             "-c", "safe.bareRepository=explicit", "-C", str(top),
             "ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory"],
            capture_output=True, check=False, stdin=subprocess.DEVNULL, env=env,
            # a FIFO named .gitignore blocks git: never longer than the caller's own deadline
            timeout=max(1.0, min(20.0, deadline - time.monotonic())) if deadline is not None else 20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirs: set[str] = set()
    files: set[str] = set()
    for entry in out.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not entry:
            continue
        if entry.endswith("/"):
            dirs.add(os.path.normpath(os.path.join(top, entry)))
        else:
            files.add(os.path.normpath(os.path.join(top, entry)))
    return dirs, files


def _excluded(rel: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(name, pat) for pat in patterns)


def _walk(paths: Iterable[Path], result: AnalysisResult, root: Path, deadline: float | None,
          respect_gitignore: bool = True, exclude: Iterable[str] = (),
          skip: Callable[[str], bool] | None = None) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()
    patterns = tuple(x.strip().rstrip("/") for x in exclude if x.strip())
    for given in paths:
        p = Path(given)
        if not p.is_absolute():
            p = Path.cwd() / p
        if p.is_file():
            rp = p.resolve()
            if skip is not None and skip(str(rp)):
                continue  # excluded by the project's configuration, even when named (pre-commit names files)
            if rp not in seen:
                seen.add(rp)
                files.append(rp)
            continue
        if not p.is_dir():
            if os.path.lexists(p):  # a FIFO, socket or device given by name
                result.parse_errors.append(f"{given}: skipped, not a regular file")
                result.unreadable.append(str(given))
            else:
                result.parse_errors.append(f"{given}: no such file or directory")
            continue
        top = p.resolve()
        ignored = _git_ignored(top, deadline) if respect_gitignore else None
        ignored_dirs, ignored_files = ignored if ignored is not None else (set(), set())

        def unreadable(err: OSError, given: Path = given) -> None:
            shown = _display_path(Path(err.filename), root) if err.filename else str(given)
            result.parse_errors.append(f"{shown}: cannot read the folder ({err.strerror or err})")
            result.unreadable.append(shown)

        for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
            if dirpath != str(top) and any(d.endswith(".dist-info") for d in dirnames):
                dirnames[:] = []  # what `pip install -t` leaves: vendored packages, not project code
                continue
            rel_dir = os.path.relpath(dirpath, top)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
            dirnames[:] = sorted(
                d for d in dirnames
                if d not in SKIP_DIRS and not d.startswith(".")
                and not (ignored_dirs and os.path.join(dirpath, d) in ignored_dirs)
                and not (patterns and _excluded(rel_dir + d, d, patterns))
                and not (skip is not None and skip(os.path.join(dirpath, d))))
            # os.walk does not descend into linked directories, so below `top` only the file itself
            # can be a link: resolve the directory once, and a file only when it is a link.
            real_dir: Path | None = None
            names = set(filenames)
            for name in sorted(filenames):
                if not name.endswith(CANDIDATE_SUFFIXES) or name.endswith((".d.ts", ".min.js")) \
                        or name in SKIP_FILES:
                    continue
                stem, ext = os.path.splitext(name)
                if ext in _COMPILED_FROM and any(stem + src in names for src in _COMPILED_FROM[ext]):
                    continue
                fp = os.path.join(dirpath, name)
                if (ignored_files and fp in ignored_files) or (patterns and _excluded(rel_dir + name, name, patterns)) \
                        or (skip is not None and skip(fp)):
                    continue
                link = os.path.islink(fp)
                if link:
                    rp = Path(fp).resolve()
                else:
                    if real_dir is None:
                        real_dir = Path(dirpath).resolve()
                    rp = real_dir / name
                if rp in seen or (link and top not in rp.parents):
                    continue  # a link leading out of the walked directory is not followed
                seen.add(rp)
                files.append(rp)
                if len(files) >= MAX_FILES:
                    result.stopped_early = f"stopped at {MAX_FILES} files; lint a smaller directory"
                    return files
            if deadline is not None and time.monotonic() > deadline:
                result.stopped_early = "the deadline passed while listing files; lint a smaller directory"
                return files
    return files


def _run(units: list[_Unit], result: AnalysisResult, root: Path, select: Iterable[str] | None,
         ignore: Iterable[str] | None, deadline: float | None, total_files: int,
         import_root: Path | None = None) -> AnalysisResult:
    # Parsing allocates millions of short-lived nodes that reference counting frees; pausing the
    # cyclic collector meanwhile saves its repeated full traversals (a third of the run time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_passes(units, result, root, select, ignore, deadline, total_files, import_root)
    finally:
        if was_enabled:
            gc.enable()


def _run_passes(units: list[_Unit], result: AnalysisResult, root: Path, select: Iterable[str] | None,
                ignore: Iterable[str] | None, deadline: float | None, total_files: int,
                import_root: Path | None = None) -> AnalysisResult:
    displays = {u.path: u.display for u in units}

    def display(path: str) -> str:
        return displays.get(path) or os.path.basename(path)

    # Pass 1: summaries.
    summaries: dict[str, ModuleSummary] = {}
    summarized: list[tuple[_Unit, Frontend]] = []
    done = 0
    for unit in units:
        if deadline is not None and time.monotonic() > deadline:
            result.stopped_early = (f"stopped at the time limit after {done} of {total_files} files; "
                                    "lint fewer files or a subdirectory")
            break
        done += 1
        for fe in unit.frontends:
            try:
                summary = fe.summarize(unit.path, unit.source)
            except Exception as exc:  # a frontend bug must not hide the other files' results
                log.debug("frontend %s failed on %s", fe.name, unit.path, exc_info=True)
                result.parse_errors.append(f"{unit.display}: internal error in the {fe.name} analyzer "
                                           f"({type(exc).__name__}: {exc}); the file was skipped")
                continue
            if summary.parse_error:
                result.parse_errors.append(f"{unit.display}:{summary.parse_error}")
                if not summary.partial:
                    continue
            existing = summaries.get(unit.path)
            if existing is None:
                summaries[unit.path] = summary
            else:  # a .ts or .py file seen by a code frontend and the template frontend
                existing.functions.update({k: v for k, v in summary.functions.items()
                                           if k not in existing.functions})
                existing.imports.extend(summary.imports)  # a CDK stack's handler files (DUR055 alone)
                existing.durations.extend(summary.durations)
                existing.env_targets.extend(summary.env_targets)
                existing.star_exports.extend(summary.star_exports)
            summarized.append((unit, fe))
    result.files = done
    if import_root is not None:
        followed = _summarize_imports(summaries, displays, root, import_root, deadline)
        if followed is False:
            result.stopped_early = result.stopped_early or (
                "the time limit passed while reading imported project files: findings through helpers may be missing")
        elif followed is None:
            result.stopped_early = result.stopped_early or (
                f"read {MAX_FOLLOWED} imported project files, the most per run, nearest imports first: findings "
                "through helpers further away may be missing; lint the directory instead of single files")

    project = project_view(str(root), summaries, display)
    wanted = _rule_filter(select, ignore)
    sources = {u.path: u for u in units}
    supp_cache: dict[str, dict[int, frozenset[str] | None]] = {}
    diags: list[Diagnostic] = []
    for unit, fe in summarized:
        try:
            found = fe.check(unit.path, unit.source, project)
        except Exception as exc:
            log.debug("frontend %s failed on %s", fe.name, unit.path, exc_info=True)
            result.parse_errors.append(f"{unit.display}: internal error in the {fe.name} analyzer "
                                       f"({type(exc).__name__}: {exc}); some rules were not checked")
            continue
        for d in found:
            if not wanted(d.rule):
                continue
            owner = sources.get(d.path)
            if owner is None:  # a file this run did not read (a frontend looked it up itself: a Terraform
                p = Path(d.path)  # module's iam.tf); its suppression comments still apply
                if d.path not in supp_cache:
                    supp_cache[d.path] = _suppressions_of(p if p.is_absolute() else root / p)
                if _suppressed(d, supp_cache[d.path]):
                    continue
                shown = _display_path(p, root) if p.is_absolute() else d.path
                diags.append(replace(d, path=shown))
                continue
            if owner.path not in supp_cache:
                supp_cache[owner.path] = (suppressions(owner.source.decode("utf-8", "replace"))
                                          if b"durable-lint" in owner.source else {})
            if _suppressed(d, supp_cache[owner.path]):
                continue
            diags.append(replace(d, path=owner.display) if d.path != owner.display else d)

    for unit in units:
        if b"durable-lint" in unit.source:
            for line, rid in unknown_suppressions(unit.source.decode("utf-8", "replace")):
                result.parse_errors.append(f"{unit.display}:{line}: the suppression names {rid}, which is no "
                                           "rule id (DUR001-DUR055), so it suppresses nothing")

    unique: dict[tuple[str, int, int, str], Diagnostic] = {}
    for d in diags:
        unique.setdefault((d.path, d.line, d.column, d.rule), d)
    result.diagnostics = sorted(unique.values(), key=lambda d: (d.path, d.line, d.column, d.rule))
    return result


MAX_FOLLOWED = 2_000  # imported project files summarized beyond the ones given, per run


def _suppressions_of(path: Path) -> dict[int, frozenset[str] | None]:
    """The suppression comments of a file the run did not read itself; none when it cannot be read."""
    data = _read(path, str(path), AnalysisResult())
    return suppressions(data.decode("utf-8", "replace")) if data is not None and b"durable-lint" in data else {}


def _summarize_imports(summaries: dict[str, ModuleSummary], displays: dict[str, str], root: Path,
                       import_root: Path, deadline: float | None) -> bool | None:
    """Summarize the project files the analyzed ones import (transitively) but were not given, so that
    DUR005/DUR012/DUR013/DUR035 through a helper do not depend on which files were named: a check of
    the staged handler alone still sees its unchanged helper. These files are not checked themselves.
    Only regular files below ``import_root`` are read (links leading out of it are not followed).
    Breadth first: the files nearest the analyzed ones come first. False when the deadline stopped it,
    None when MAX_FOLLOWED did (imports were left), else True."""
    from collections import deque

    code_fes = [fe for fe in frontends() if fe.name != "template"]
    prefix = str(import_root).rstrip(os.sep) + os.sep
    queue = deque(c for s in summaries.values() for c in s.imports)
    tried: set[str] = set(summaries)
    followed = 0
    while queue:
        if followed >= MAX_FOLLOWED:
            return None if any(c not in tried for c in queue) else True
        if deadline is not None and time.monotonic() > deadline:
            return False
        cand = queue.popleft()
        if cand in tried:
            continue
        tried.add(cand)
        if not cand.startswith(prefix) or not os.path.isfile(cand):
            continue
        real = os.path.realpath(cand)
        if real in summaries or not real.startswith(prefix):
            continue
        data = _read(Path(real), cand, AnalysisResult())  # problems in a followed file are not reported
        if data is None:
            continue
        followed += 1
        for fe in code_fes:
            if not _accepts(fe, cand, data):
                continue
            try:
                summary = fe.summarize(cand, data)
            except Exception:
                log.debug("frontend %s failed on followed import %s", fe.name, cand, exc_info=True)
                continue
            if summary.parse_error and not summary.partial:
                continue
            summaries[cand] = summary
            displays[cand] = _display_path(Path(cand), root)
            queue.extend(summary.imports)
            break
    return True


def _read(path: Path, display: str, result: AnalysisResult) -> bytes | None:
    try:
        # O_NONBLOCK: a FIFO named like source code must not block the read (and the server) forever;
        # fstat on the open file then tells what it is, with no window between check and use
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as fh:
            info = os.fstat(fh.fileno())
            if not stat.S_ISREG(info.st_mode):
                result.parse_errors.append(f"{display}: skipped, not a regular file")
                return None
            size = info.st_size
            if size > MAX_FILE_BYTES:
                result.parse_errors.append(f"{display}: skipped, {size / 1048576:.1f} MB is over the "
                                           f"{MAX_FILE_BYTES // 1048576} MB limit per file")
                return None
            data = fh.read()
    except OSError as exc:
        result.parse_errors.append(f"{display}: cannot read ({exc.strerror or exc})")
        result.unreadable.append(display)
        return None
    if looks_binary(data):
        result.parse_errors.append(f"{display}: skipped, binary file")
        return None
    return data


def analyze_paths(
    paths: Iterable[Path],
    *,
    root: Path | None = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    deadline_seconds: float | None = None,
    import_root: Path | None = None,
    respect_gitignore: bool = True,
    exclude: Iterable[str] = (),
    skip: Callable[[str], bool] | None = None,
) -> AnalysisResult:
    """Analyze files and directories (recursively; node_modules, .venv, cdk.out, dot-folders, what git
    ignores, vendored packages, compiled copies beside their TypeScript and ``exclude`` globs skipped).

    Diagnostic paths are relative to ``root`` when given (else to the working directory).
    Project files the analyzed ones import are summarized too when they lie below ``import_root``
    (default: ``root``), so that findings through helpers do not depend on which files were named.
    ``deadline_seconds`` bounds the run: past it, the result carries ``stopped_early``.
    ``skip(absolute path)`` leaves out files and folders, named ones too (a configuration's exclude).
    """
    start = time.monotonic()
    deadline = start + deadline_seconds if deadline_seconds is not None else None
    base = (root or Path.cwd()).resolve()
    result = AnalysisResult()
    paths = list(paths)
    explicit = {Path(p).resolve() for p in paths if Path(p).is_file()}
    files = _walk(paths, result, base, deadline, respect_gitignore, exclude, skip)
    fes = frontends()
    units: list[_Unit] = []
    for fp in files:
        display = _display_path(fp, base)
        path = str(fp)
        # Ask frontends by name first (cheap); read the file only if one might accept it.
        data = _read(fp, display, result)
        if data is None:
            continue
        accepting = [fe for fe in fes if _accepts(fe, path, data)]
        if accepting:
            units.append(_Unit(path, display, data, accepting))
        elif fp in explicit and not path.endswith((".json", ".yaml", ".yml", ".tf")):
            # JSON, YAML and Terraform that are no template (package.json, CI files, a module's variables.tf)
            # are passed over silently
            result.parse_errors.append(f"{display}: not analyzed, no installed analyzer handles this file type")
    follow = (import_root or base).resolve()
    return _run(units, result, base, select, ignore, deadline, len(units), follow)


def _accepts(fe: Frontend, path: str, source: bytes) -> bool:
    try:
        return bool(fe.accepts(path, source))
    except Exception:
        log.debug("frontend %s accepts() failed on %s", fe.name, path, exc_info=True)
        return False


# ---------------------------------------------------------------------------------------------
# Inline source

_TS_HINTS = re.compile(
    r"^\s*(?:export\s+)?(?:interface|type)\s+\w+|:\s*(?:string|number|boolean|any|unknown|void|"
    r"DurableContext|Promise<)\b|\bimport\s+type\b|\bas\s+const\b|<\w+>\(|\bprivate\s+|\breadonly\s+",
    re.MULTILINE)
_JS_HINTS = re.compile(
    r"\b(?:const|let|var)\s+\w+\s*=|\bfunction\s*\w*\s*\(|=>|\brequire\(|\bimport\s+.*\bfrom\s+['\"]|"
    r"\bexport\s+(?:default|const|async|function)\b|\bwithDurableExecution\b", re.MULTILINE)
_PY_HINTS = re.compile(
    r"^\s*(?:def|class)\s+\w+.*:\s*$|^\s*(?:from\s+[\w.]+\s+import|import\s+[\w.]+(?:\s+as\s+\w+)?\s*$)|"
    r"^\s*@durable_|^\s*(?:elif|except|try|with)\b.*:\s*$|\bself\b|\bNone\b|\bTrue\b|\bFalse\b",
    re.MULTILINE)
_TEMPLATE_HINTS = re.compile(r"AWSTemplateFormatVersion|^\s*Resources\s*:|\"Resources\"\s*:|"
                             r"Transform\s*:\s*AWS::Serverless|AWS::(?:Serverless|Lambda)::", re.MULTILINE)
# Terraform: a block header such as `resource "aws_lambda_function" "x" {` (HCL, read as a .tf file)
_HCL_BLOCK = re.compile(r'^\s*(?:resource|data|variable|locals|module|provider|terraform)\b[^\n=]*\{\s*$', re.MULTILINE)


def detect_language(code: str) -> str:
    """Best guess among python, typescript, javascript and template (SAM/CloudFormation, Terraform)."""
    head = code[:200_000]
    stripped = head.lstrip()
    if re.search(r'^\s*resource\s+"aws_lambda_function"', head, re.MULTILINE) and _HCL_BLOCK.search(head):
        return "template"
    if _TEMPLATE_HINTS.search(head) and not re.search(r"^\s*(?:import|from|def|const|export)\b", head,
                                                      re.MULTILINE):
        return "template"
    if stripped.startswith("{") and "Resources" in head:
        return "template"
    py = len(_PY_HINTS.findall(head))
    js = len(_JS_HINTS.findall(head))
    if py > js:
        return "python"
    if js == 0 and py == 0:
        return "python" if re.search(r"^\s*\w+\s*=\s*\S", head, re.MULTILINE) and ";" not in head else (
            "typescript" if _TS_HINTS.search(head) else "javascript")
    return "typescript" if _TS_HINTS.search(head) else "javascript"


def analyze_source(
    code: str,
    language: str | None = None,
    *,
    path: str = "<input>",
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
) -> AnalysisResult:
    """Analyze one in-memory source; ``language`` is detected from the code when None."""
    result = AnalysisResult()
    lang = (language or detect_language(code)).lower()
    if lang in ("ts", "tsx"):
        lang = "typescript"
    elif lang in ("js", "jsx", "mjs", "cjs", "node", "nodejs"):
        lang = "javascript"
    elif lang in ("py", "python3"):
        lang = "python"
    elif lang in ("yaml", "yml", "json", "sam", "cloudformation", "cfn", "cdk", "terraform", "tf", "hcl"):
        lang = "template"
    if lang not in LANGUAGE_SUFFIX:
        result.parse_errors.append(f"{path}: unknown language {language!r}; use python, typescript, "
                                   "javascript or template")
        return result
    data = code.encode("utf-8", "surrogatepass")
    if len(data) > MAX_FILE_BYTES:
        result.parse_errors.append(f"{path}: skipped, {len(data) / 1048576:.1f} MB is over the "
                                   f"{MAX_FILE_BYTES // 1048576} MB limit")
        return result
    suffix = LANGUAGE_SUFFIX[lang]
    if lang == "template" and code.lstrip().startswith("{"):
        suffix = ".json"
    elif lang == "template" and _HCL_BLOCK.search(code[:200_000]) and not _TEMPLATE_HINTS.search(code[:200_000]):
        suffix = ".tf"
    if lang == "template" and path.endswith((".ts", ".json", ".yml", ".template", ".tf")):
        suffix = ""
    fe_path = path if (not suffix or path.endswith(suffix)) else path + suffix
    if lang == "python" and path.endswith(".py"):
        fe_path = path
    fes = frontends()
    by_name = {"python": "python", "typescript": "typescript", "javascript": "typescript",
               "template": "template"}
    accepting = [fe for fe in fes if _accepts(fe, fe_path, data)]
    if lang == "template":
        accepting = [fe for fe in accepting if fe.name == "template"]
    elif not accepting:
        accepting = [fe for fe in fes if fe.name == by_name[lang]]
    if not accepting:
        result.parse_errors.append(f"{path}: no analyzer for {lang} is installed")
        return result
    unit = _Unit(fe_path, path, data, accepting)
    return _run([unit], result, Path.cwd(), select, ignore, None, 1)


__all__ = ["FRONTEND_MODULES", "analyze_paths", "analyze_source", "detect_language", "frontends",
           "suppressions", "unknown_rule_ids", "unknown_suppressions"]
