"""``lambda-durable-mcp lint``: the replay-safety analyzer on the command line and in pre-commit.

Exit status: 0 when no error-severity diagnostic, 1 when there is one, 2 for usage or I/O problems.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lambda_durable_mcp.analyzer.config import ConfigError, ConfigSet, common_folder, load_config
from lambda_durable_mcp.analyzer.engine import SKIP_DIRS, analyze_paths, unknown_rule_ids, work_tree
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult, Diagnostic

EPILOG = """\
exit status: 0 no error-severity finding; 1 at least one; 2 usage or I/O problem (a path that is
missing or cannot be read, an unknown rule id, a report that cannot be written).

Directories are walked, skipping what git ignores, dot-folders, {skipped}, folders of vendored
packages (pip install -t) and .js files compiled beside their .ts. Project files the analyzed ones
import are read too (not reported on), so one staged file still sees its helpers.
Suppress one finding with a comment on its line or the line above:
'# durable-lint: ignore[DUR001]' (Python, YAML) or '// durable-lint: ignore[DUR001]' (TS/JS).
Configuration (select, ignore, exclude, per-file-ignores, severity, respect-gitignore): each file
follows the nearest durable-lint.toml, .durable-lint.toml, pyproject.toml [tool.durable-lint] or
package.json "durable-lint" above it, up to the repository top. E.g. in pyproject.toml:
  [tool.durable-lint]
  ignore = ["DUR030"]
  per-file-ignores = {{ "tests/**" = ["DUR020"] }}
  severity = {{ DUR004 = "error" }}
--select replaces the configured selection (and wins over its ignore); --ignore and --exclude add.

rules:
{rules}
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambda-durable-mcp lint",
        description="Find replay bugs in durable functions (Python, TypeScript, JavaScript, SAM/CloudFormation, "
                    "CDK in TypeScript or Python, Serverless Framework, Terraform).",
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EPILOG.format(skipped=", ".join(sorted(SKIP_DIRS - {".git", ".venv", ".aws-sam"})),
                             rules="\n".join(f"  {r.id} {r.severity:<7} {r.summary}" for r in RULES.values())),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (directories are walked)")
    p.add_argument("--format", choices=["text", "json", "sarif", "github"], default="text",
                   help="github: workflow commands that annotate the pull request")
    p.add_argument("--select", action="append", default=[], metavar="IDS",
                   help="rule ids or prefixes to report (default: all), e.g. DUR001,DUR01; repeatable")
    p.add_argument("--ignore", action="append", default=[], metavar="IDS",
                   help="rule ids or prefixes to skip; repeatable")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="skip files and folders whose name or path below a walked directory matches; repeatable")
    p.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                   help="also walk files that git ignores")
    p.add_argument("--output", default=None, metavar="FILE",
                   help="write the report here instead of stdout (the counts still go to stderr)")
    p.add_argument("--config", default=None, metavar="FILE",
                   help="read settings from this file for every path (default: per file, the nearest "
                        "durable-lint.toml, .durable-lint.toml, pyproject.toml [tool.durable-lint] or package.json "
                        "\"durable-lint\" above it, up to the repository top)")
    p.add_argument("--isolated", action="store_true", help="ignore configuration files")
    return p


# File names are the workspace's to choose: a newline in one must not start a line of its own in a
# terminal or a CI log (GitHub reads "::error ..." lines as commands, on stderr too).
_CONTROL = {i: f"\\x{i:02x}" for i in (*range(32), 127)}


def _printable(text: str) -> str:
    return text.translate(_CONTROL)


def _ids(values: Sequence[str]) -> list[str]:
    return [t.upper() for v in values for t in re.split(r"[\s,;]+", v) if t]


def _summary_line(result: AnalysisResult) -> str:
    s = result.summary()
    return f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info in {s['files']} file(s)"


def render_text(result: AnalysisResult) -> str:
    lines: list[str] = []
    for d in result.diagnostics:
        lines.append(f"{d.path}:{d.line}:{d.column}: {d.severity} {d.rule} {d.message}")
        if d.fix:
            lines.append(f"  fix: {d.fix}")  # the message has the fix in a few words; this is the edit
    lines.extend(f"note: {e}" for e in result.parse_errors)
    if result.stopped_early:
        lines.append(f"note: {result.stopped_early}")
    lines.append(_summary_line(result))
    return "\n".join(_printable(line) for line in lines) + "\n"


def _escape(text: str, prop: bool = False) -> str:
    out = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return out.replace(":", "%3A").replace(",", "%2C") if prop else out


def render_github(result: AnalysisResult, repo_path: Callable[[Diagnostic], str]) -> str:
    """GitHub Actions workflow commands: one annotation per finding, on the changed lines of a PR."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for d in result.diagnostics:
        props = (f"file={_escape(_printable(repo_path(d)), True)},line={d.line},col={d.column},"
                 f"endLine={max(d.end_line, d.line)},endColumn={d.end_column},title={d.rule}")
        text = d.message + (f"\nfix: {d.fix}" if d.fix else "")
        lines.append(f"::{level[d.severity]} {props}::{_escape(text)}")
    lines.extend(f"::warning::{_escape(e)}" for e in result.parse_errors)
    if result.stopped_early:
        lines.append(f"::warning::{_escape(result.stopped_early)}")
    return "\n".join(lines) + ("\n" if lines else "")


def repository_root(start: Path) -> Path:
    """The git work tree's top folder above ``start`` (code scanning and PR annotations read paths from
    there), else ``start`` itself."""
    return work_tree(start) or start


def import_root(paths: Sequence[str], cwd: Path) -> Path:
    """Where imported project files may be read from: the git repository of each linted path, else the
    working directory when the path lies below it, else the path's own folder; so that `lint
    ../other-project/handler.py` follows that project's helpers too."""
    roots = []
    for given in paths:
        p = Path(given).resolve()
        start = p if p.is_dir() else p.parent
        repo = work_tree(start)
        if repo is None:  # no repository above it
            repo = cwd if cwd == start or cwd in start.parents else start
        roots.append(str(repo))
    return Path(os.path.commonpath(roots)) if roots else cwd


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    try:
        args = p.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse: --help is 0, usage errors 2
        return int(exc.code or 0)
    select, ignore = _ids(args.select), _ids(args.ignore)
    bad = unknown_rule_ids(select + ignore)
    if bad:
        print(f"lambda-durable-mcp lint: error: unknown rule id(s) {', '.join(bad)}; "
              f"ids and prefixes run from DUR001 to DUR055, e.g. DUR005 or DUR05 (see --help)", file=sys.stderr)
        return 2
    missing = [path for path in args.paths if not os.path.lexists(path)]
    if missing:
        print(_printable(f"lambda-durable-mcp lint: error: no such file or directory: {', '.join(missing)}"),
              file=sys.stderr)
        return 2
    cwd = Path.cwd().resolve()
    repo = repository_root(cwd)
    try:
        configs = ConfigSet(named=load_config(Path(args.config), named=True) if args.config else None,
                            isolated=args.isolated)
        start = common_folder(Path(x) for x in args.paths)
        respect = args.respect_gitignore and (start is None or configs.for_dir(start).respect_gitignore is not False)
        result = analyze_paths([Path(x) for x in args.paths], root=cwd, select=select or None,
                               ignore=ignore or None, import_root=import_root(args.paths, cwd),
                               respect_gitignore=respect, exclude=args.exclude, skip=configs.skip())
        result = configs.apply(result, cwd, select)
    except ConfigError as exc:
        shown = str(exc).replace(str(cwd) + os.sep, "")  # paths below the working directory, as given
        print(_printable(f"lambda-durable-mcp lint: error: {shown}"), file=sys.stderr)
        return 2

    def repo_path(d: Diagnostic) -> str:
        full = Path(d.path) if os.path.isabs(d.path) else cwd / d.path
        rel = os.path.relpath(full, repo)
        return full.as_posix() if rel.startswith("..") else Path(rel).as_posix()

    if args.format == "json":
        out = json.dumps(result.to_dict(), indent=2) + "\n"
    elif args.format == "sarif":
        from lambda_durable_mcp.analyzer.sarif import to_sarif

        out = json.dumps(to_sarif(result, repo, base=cwd), indent=2) + "\n"
    elif args.format == "github":
        out = render_github(result, repo_path)
    else:
        out = render_text(result)
    try:
        if args.output:
            Path(args.output).write_text(out, encoding="utf-8")
        else:
            sys.stdout.write(out)
            sys.stdout.flush()
    except OSError as exc:
        print(f"lambda-durable-mcp lint: error: cannot write the report: {exc}", file=sys.stderr)
        return 2
    if args.format in ("json", "sarif"):  # text and github output carry the notes themselves
        for e in result.parse_errors:
            print(_printable(f"note: {e}"), file=sys.stderr)
        if result.stopped_early:
            print(f"note: {result.stopped_early}", file=sys.stderr)
    if args.format != "text" or args.output:  # the counts, for a CI log that shows no report
        print(_summary_line(result) + (f" (report: {args.output})" if args.output else ""), file=sys.stderr)
    if result.files == 0 and not result.unreadable:
        print(_printable("lambda-durable-mcp lint: warning: no file to analyze under " + ", ".join(args.paths)
                         + " (Python, TypeScript, JavaScript, templates)"), file=sys.stderr)
    if result.unreadable:
        print(_printable(f"lambda-durable-mcp lint: error: could not read {', '.join(result.unreadable[:5])}"
                         + (f" and {len(result.unreadable) - 5} more" if len(result.unreadable) > 5 else "")),
              file=sys.stderr)
        return 2
    return 1 if any(d.severity == "error" for d in result.diagnostics) else 0
