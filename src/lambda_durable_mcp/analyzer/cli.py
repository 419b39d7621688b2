"""``lambda-durable-mcp lint``: the replay-safety analyzer on the command line and in pre-commit.

Exit status: 0 when no error-severity diagnostic, 1 when there is one, 2 for usage or I/O problems.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from lambda_durable_mcp.analyzer.engine import analyze_paths, unknown_rule_ids
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lambda-durable-mcp lint",
        description="Find replay bugs in durable functions (Python, TypeScript, JavaScript, SAM/CloudFormation, "
                    "CDK). Suppress one finding with a comment on its line or the line above: "
                    "'# durable-lint: ignore[DUR001]'.",
        allow_abbrev=False,
        epilog="Rules: " + ", ".join(f"{r.id} {r.summary}" for r in RULES.values()),
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (directories are walked)")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    p.add_argument("--select", default="", metavar="IDS",
                   help="comma-separated rule ids or prefixes to report (default: all), e.g. DUR001,DUR01")
    p.add_argument("--ignore", default="", metavar="IDS", help="comma-separated rule ids or prefixes to skip")
    p.add_argument("--output", default=None, metavar="FILE", help="write the report here instead of stdout")
    return p


def _ids(text: str) -> list[str]:
    return [t.strip().upper() for t in text.split(",") if t.strip()]


def render_text(result: AnalysisResult) -> str:
    lines: list[str] = []
    for d in result.diagnostics:
        lines.append(f"{d.path}:{d.line}:{d.column}: {d.severity} {d.rule} {d.message}")
        if d.fix:
            lines.append(f"  fix: {d.fix}")  # the message has the fix in a few words; this is the edit
    s = result.summary()
    tail = f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info in {s['files']} file(s)"
    lines.extend(f"note: {e}" for e in result.parse_errors)
    if result.stopped_early:
        lines.append(f"note: {result.stopped_early}")
    lines.append(tail)
    return "\n".join(lines) + "\n"


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
              f"ids run from DUR001 to DUR055 (see --help)", file=sys.stderr)
        return 2
    missing = [path for path in args.paths if not Path(path).exists()]
    if missing:
        print(f"lambda-durable-mcp lint: error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    root = Path.cwd()
    result = analyze_paths([Path(x) for x in args.paths], root=root, select=select or None, ignore=ignore or None)
    if args.format == "json":
        out = json.dumps(result.to_dict(), indent=2) + "\n"
    elif args.format == "sarif":
        from lambda_durable_mcp.analyzer.sarif import to_sarif

        out = json.dumps(to_sarif(result, root), indent=2) + "\n"
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
    if args.format != "text" and (result.parse_errors or result.stopped_early):
        for e in result.parse_errors:
            print(f"note: {e}", file=sys.stderr)
        if result.stopped_early:
            print(f"note: {result.stopped_early}", file=sys.stderr)
    return 1 if any(d.severity == "error" for d in result.diagnostics) else 0
