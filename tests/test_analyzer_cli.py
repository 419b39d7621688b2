"""`lambda-durable-mcp lint`: exit codes, the three output formats, SARIF for code scanning, pre-commit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from lambda_durable_mcp.analyzer.cli import main
from lambda_durable_mcp.analyzer.model import RULES

REPO = Path(__file__).resolve().parents[1]
BUGGY = '''\
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    started = time.time()
    print("started", started)
    return context.step(lambda _: started, name="save")
'''
CLEAN = '''\
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    started = context.step(lambda _: time.time(), name="started")
    context.logger.info("started")
    return {"started": started}
'''
# a print before the last operation repeats on replay (one after it runs once, in the completing invocation)
WARN_ONLY = CLEAN.replace('    context.logger.info("started")\n', '').replace(
    '    started = context.step(', '    print("starting")\n    started = context.step(')

# The parts of the SARIF 2.1.0 schema that GitHub code scanning relies on (required properties,
# enums and types), written from the OASIS specification.
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "version": {"type": "string"},
                        "rules": {"type": "array", "items": {
                            "type": "object", "required": ["id"],
                            "properties": {
                                "id": {"type": "string"},
                                "shortDescription": {"type": "object", "required": ["text"]},
                                "fullDescription": {"type": "object", "required": ["text"]},
                                "helpUri": {"type": "string", "format": "uri"},
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                            }}},
                    }}}},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"],
                                    "properties": {"text": {"type": "string", "minLength": 1}}},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"],
                            "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"],
                                "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"],
                                                         "properties": {"uri": {"type": "string"}}},
                                    "region": {"type": "object", "required": ["startLine"], "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1},
                                        "endLine": {"type": "integer", "minimum": 1},
                                        "endColumn": {"type": "integer", "minimum": 1}}},
                                }}}}},
                    }}},
                "invocations": {"type": "array", "items": {"type": "object",
                                                           "required": ["executionSuccessful"]}},
            }}},
    },
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "buggy.py").write_text(BUGGY)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "warn.py").write_text(WARN_ONLY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clean.py"]) == 0
    assert main(["warn.py"]) == 0  # warnings alone do not fail
    assert main(["buggy.py"]) == 1
    assert main(["buggy.py", "--ignore", "DUR001"]) == 0
    assert main(["missing.py"]) == 2
    assert main(["--select", "DUR999", "buggy.py"]) == 2
    assert main(["--format", "xml", "buggy.py"]) == 2
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "missing.py" in err and "DUR999" in err


def test_text_output_names_file_line_rule_and_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["."])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("buggy.py:7:15: error DUR001 ")
    assert "; move it into a step (guide: replay-model-rules#determinism)" in out[0]
    # the exact edit follows on its own line
    assert out[1].startswith("  fix: ") and "context.step(lambda _: time.time()" in out[1]
    assert any(line.startswith("buggy.py:8:5: warning DUR020") for line in out)
    assert out[-1] == "1 error(s), 2 warning(s), 0 info in 3 file(s)"


def test_json_output_is_the_shared_contract(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "json", "--select", "DUR001", "."]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["summary"] == {"files": 3, "error": 1, "warning": 0, "info": 0}
    (d,) = data["diagnostics"]
    assert set(d) == {"path", "line", "column", "end_line", "end_column", "rule", "severity", "message", "fix"}
    assert (d["path"], d["line"], d["column"], d["end_line"], d["end_column"]) == ("buggy.py", 7, 15, 7, 26)
    assert d["rule"] == "DUR001" and d["severity"] == "error" and "replay-model-rules#determinism" in d["message"]


def test_sarif_is_valid_for_code_scanning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "sarif", "."]) == 1
    sarif = json.loads(capsys.readouterr().out)
    jsonschema.validate(sarif, SARIF_SUBSET)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"DUR001": "error", "DUR020": "warning"}
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] in ("buggy.py", "warn.py")
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")


def test_output_file_and_parse_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "broken.py").write_text("def handler(:\n")
    assert main(["--format", "sarif", "--output", "report.sarif", "broken.py", "clean.py"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "broken.py:1" in captured.err
    notes = json.loads((project / "report.sarif").read_text())["runs"][0]["invocations"][0]
    assert "broken.py" in notes["toolExecutionNotifications"][0]["message"]["text"]


def test_console_script_runs_lint(project: Path) -> None:
    exe = Path(sys.executable).with_name("lambda-durable-mcp")
    done = subprocess.run([str(exe), "lint", "buggy.py"], cwd=project, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "buggy.py:7:15: error DUR001" in done.stdout


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    ids = {h["id"] for h in hooks}
    assert "durable-lint" in ids
    for h in hooks:
        assert {"id", "name", "entry", "language"} <= set(h)
        assert h["entry"].startswith("lambda-durable-mcp lint")
        assert h["language"] == "python"
