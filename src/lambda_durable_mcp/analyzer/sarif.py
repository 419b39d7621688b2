"""SARIF 2.1.0 output, shaped for GitHub code scanning (upload-sarif)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from lambda_durable_mcp import __version__
from lambda_durable_mcp.analyzer.model import RULES, AnalysisResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:@-._~")


def to_sarif(result: AnalysisResult, root: Path | None = None) -> dict[str, object]:
    rule_ids = sorted(RULES)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    rules = []
    for rid in rule_ids:
        r = RULES[rid]
        rules.append({
            "id": rid,
            "name": "".join(w.capitalize() for w in r.summary.replace("-", " ").split() if w.isalnum())[:60],
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": f"{r.summary}. Read the guide section {r.guide} "
                                        "(get_durable_guide / durable-guide:// resource)."},
            "help": {"text": f"{r.summary}. Each result's message says why it breaks replay and how to fix it; "
                             f"the guide section {r.guide} explains the rule."},
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
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(d.path), **({"uriBaseId": "%SRCROOT%"}
                                                             if not d.path.startswith("/") else {})},
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
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
