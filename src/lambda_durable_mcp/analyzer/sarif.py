"""SARIF 2.1.0 output, shaped for GitHub code scanning (upload-sarif)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from lambda_durable_mcp import __version__
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    uri = quote(path.replace("\\", "/"), safe="/:@-._~")
    # a relative reference whose first segment has a colon reads as a scheme ("javascript:x.py")
    return "./" + uri if ":" in uri.split("/", 1)[0] and not uri.startswith("/") else uri


def _rule_name(summary: str) -> str:
    """PascalCase of the summary's words (SARIF's rule name), whole words only."""
    words = re.findall(r"[A-Za-z0-9]+", summary)
    name = ""
    for w in words:
        part = w[0].upper() + w[1:]
        if len(name) + len(part) > 80:
            break
        name += part
    return name


def _location(path: str, root: Path | None, base: Path | None) -> dict[str, str]:
    """A URI relative to %SRCROOT% (the repository root: GitHub resolves relative URIs from there)
    for files below it, else an absolute file: URI."""
    full = Path(path) if os.path.isabs(path) else ((base or root or Path.cwd()) / path)
    if root is not None:
        rel = os.path.relpath(full, root)
        if not rel.startswith(".."):
            return {"uri": _uri(Path(rel).as_posix()), "uriBaseId": "%SRCROOT%"}
    elif not os.path.isabs(path):
        return {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}
    return {"uri": full.resolve().as_uri()}


def to_sarif(result: AnalysisResult, root: Path | None = None, *, base: Path | None = None) -> dict[str, object]:
    """``root`` becomes %SRCROOT% (give the repository root); diagnostic paths are relative to ``base``
    (default: ``root``)."""
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = []
    for rid in rule_ids:
        r = RULES[rid]
        rules.append({
            "id": rid,
            "name": _rule_name(r.summary),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": f"{r.summary}. The lambda-durable-mcp guide section {r.guide} explains "
                                        "the rule."},
            "help": {"text": f"{r.summary}. Each result's message says why it breaks replay and how to fix it; "
                             f"the guide section {r.guide} explains the rule (lambda-durable-mcp: "
                             f"get_durable_guide or the durable-guide:// resource)."},
            "defaultConfiguration": {"level": LEVELS[r.severity]},
            "properties": {"tags": ["durable-functions", "replay-safety"], "guide": r.guide},
        })
    results = []
    for d in result.diagnostics:
        region: dict[str, int] = {"startLine": max(1, d.line), "startColumn": max(1, d.column)}
        if d.end_line >= d.line:
            region["endLine"] = d.end_line
            if d.end_line > d.line or d.end_column > d.column:
                region["endColumn"] = max(1, d.end_column)
        entry: dict[str, object] = {
            "ruleId": d.rule,
            "level": LEVELS[d.severity],
            "message": {"text": d.message + (f" Fix: {d.fix}" if d.fix else "")},
            "locations": [{"physicalLocation": {
                "artifactLocation": _location(d.path, root, base),
                "region": region,
            }}],
        }
        if d.rule in index:
            entry["ruleIndex"] = index[d.rule]
        if d.fix:
            entry["properties"] = {"fix": d.fix}
        results.append(entry)
    notes = [{"level": "warning", "message": {"text": e}} for e in result.parse_errors]
    if result.stopped_early:
        notes.append({"level": "warning", "message": {"text": result.stopped_early}})
    run: dict[str, object] = {
        "tool": {"driver": {"name": "lambda-durable-mcp", "version": __version__, "rules": rules}},
        "results": results,
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
        "columnKind": "unicodeCodePoints",
    }
    if root is not None:
        uri = root.resolve().as_uri()
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": uri if uri.endswith("/") else uri + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
