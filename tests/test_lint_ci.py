"""`lint` as a team runs it in CI and pre-commit: what a walk skips, imports read from disk when one
file is staged, paths for code scanning from a subdirectory, annotations, suppression edge cases,
I/O problems as exit 2."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from lambda_durable_mcp.analyzer import analyze_paths
from lambda_durable_mcp.analyzer.cli import main

REPO = Path(__file__).resolve().parents[1]
HANDLER_TS = """\
import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";
import { newOrderId } from "./lib/ids";

export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  const id = newOrderId("ord");
  await context.wait("cool-down", { seconds: 5 });
  return context.step("save", async () => id);
});
"""
IDS_TS = 'import { randomUUID } from "crypto";\nexport function newOrderId(p: string) { return `${p}-${randomUUID()}`; }\n'
BUGGY_PY = """\
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    started = time.time()
    return context.step(lambda _: started, name="save")
"""
BUGGY_JS = """\
const { withDurableExecution } = require("@aws/durable-execution-sdk-js");
exports.handler = withDurableExecution(async (event, context) => {
  const started = Date.now();
  return context.step("save", async () => started);
});
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=cwd,
                   check=True, capture_output=True, timeout=60)


def _rules(capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int, str]]:
    data = json.loads(capsys.readouterr().out)
    return [(d["path"], d["line"], d["rule"]) for d in data["diagnostics"]]


def test_one_staged_file_still_follows_its_helpers_but_not_out_of_the_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "handler.ts").write_text(HANDLER_TS)
    (app / "lib" / "ids.ts").write_text(IDS_TS)
    _git(app, "init", "-q")
    monkeypatch.chdir(app)
    # what pre-commit does when only the handler is staged
    assert main(["--format", "json", "handler.ts"]) == 1
    assert _rules(capsys) == [("handler.ts", 5, "DUR005")]
    # the helper itself is read, not reported on: one file analyzed
    result = analyze_paths([app / "handler.ts"], root=app)
    assert result.files == 1 and "lib/ids.ts:newOrderId -> randomUUID()" in result.diagnostics[0].message
    # a helper outside the import root (the tool's workspace) is never read
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "ids.ts").write_text(IDS_TS)
    (app / "handler.ts").write_text(HANDLER_TS.replace("./lib/ids", "../outside/ids"))
    assert analyze_paths([app / "handler.ts"], root=app).diagnostics == []


def test_walk_skips_gitignored_vendored_and_compiled_copies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(BUGGY_PY)
    # tsc output beside its source, without outDir
    (tmp_path / "src" / "flow.ts").write_text(BUGGY_JS.replace("exports.handler", "export const handler"))
    (tmp_path / "src" / "flow.js").write_text(BUGGY_JS)
    # gitignored build output and a vendored package (pip install -t package/)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "app.py").write_text(BUGGY_PY)
    (tmp_path / "package" / "somelib").mkdir(parents=True)
    (tmp_path / "package" / "somelib-1.0.dist-info").mkdir()
    (tmp_path / "package" / "somelib" / "mod.py").write_text(BUGGY_PY)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(BUGGY_PY)
    (tmp_path / ".gitignore").write_text("out/\n")
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)

    assert main(["--format", "json", "--exclude", "legacy", "."]) == 1
    assert sorted(p for p, _, _ in _rules(capsys)) == ["src/app.py", "src/flow.ts"]
    assert main(["--format", "json", "--exclude", "legacy/*", "--no-respect-gitignore", "."]) == 1
    assert sorted(p for p, _, _ in _rules(capsys)) == ["out/app.py", "src/app.py", "src/flow.ts"]
    # named on the command line, an ignored file is analyzed
    assert main(["--format", "json", "out/app.py"]) == 1
    assert [p for p, _, _ in _rules(capsys)] == ["out/app.py"]


def test_sarif_from_a_package_folder_points_at_repository_paths(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = tmp_path / "packages" / "orders"
    (pkg / "src").mkdir(parents=True)
    (pkg / "src" / "app.py").write_text(BUGGY_PY)
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(pkg)
    assert main(["--format", "sarif", "."]) == 1
    run = json.loads(capsys.readouterr().out)["runs"][0]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "packages/orders/src/app.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    # a file outside the repository: an absolute file URI, no base
    other = tmp_path.parent / f"{tmp_path.name}-other.py"
    other.write_text(BUGGY_PY)
    try:
        assert main(["--format", "sarif", str(other)]) == 1
        loc = json.loads(capsys.readouterr().out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"] == {"uri": other.resolve().as_uri()}
    finally:
        other.unlink()


def test_github_annotations_and_counts_on_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "app.py").write_text(BUGGY_PY)
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path / "svc")
    assert main(["--format", "github", "app.py"]) == 1
    out, err = capsys.readouterr()
    (line,) = out.splitlines()
    assert line.startswith("::error file=svc/app.py,line=7,col=15,endLine=7,endColumn=26,title=DUR001::")
    assert "%0Afix: " in line and "\n" not in line.strip()
    assert "1 error(s), 0 warning(s), 0 info in 1 file(s)" in err
    # a report written to a file still says what it found
    assert main(["--format", "sarif", "--output", "r.sarif", "app.py"]) == 1
    assert "1 error(s)" in capsys.readouterr().err


def test_suppression_edge_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.js").write_text(
        BUGGY_JS.replace("  const started = Date.now();",
                         "  /* durable-lint: ignore[DUR001] */\n  const started = Date.now();\n"
                         '  const s = "durable-lint: ignore"; const t = Date.now();\n'
                         "  const u = Date.now(); // durable-lint: ignore DUR001\n"
                         "  const v = Date.now(); // durable-lint: ignore[DUR01]"))
    assert main(["--format", "json", "--select", "DUR001", "a.js"]) == 1
    out, err = capsys.readouterr()
    assert [(d["line"], d["rule"]) for d in json.loads(out)["diagnostics"]] == [(5, "DUR001"), (7, "DUR001")]
    assert "a.js:7: the suppression names DUR01, which is no rule id" in err


def test_rule_options_and_io_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(BUGGY_PY.replace("    started = time.time()",
                                                      "    started = time.time()\n    print(started)"))
    assert main(["--format", "json", "--select", "DUR001", "--select", "DUR020", "app.py"]) == 1
    assert {r for _, _, r in _rules(capsys)} == {"DUR001", "DUR020"}
    assert main(["--format", "json", "--select", "DUR001 dur020", "app.py"]) == 1
    assert {r for _, _, r in _rules(capsys)} == {"DUR001", "DUR020"}
    assert main(["--ignore", "D", "app.py"]) == 2  # would switch every rule off
    assert "unknown rule id(s) D" in capsys.readouterr().err
    # nothing to lint is said, not silently passed
    (tmp_path / "empty").mkdir()
    assert main(["empty"]) == 0
    assert "no file to analyze under empty" in capsys.readouterr().err
    # a path that cannot be read is an I/O problem: exit 2, even beside a clean result
    os.mkfifo(tmp_path / "pipe.py")
    assert main(["pipe.py"]) == 2
    assert "pipe.py: skipped, not a regular file" in capsys.readouterr().out
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    assert main(["gone.py"]) == 2
    # JSON that is no template is passed over silently (pre-commit hands every package.json over)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    assert main(["package.json", "app.py", "--select", "DUR001"]) == 1
    assert "package.json" not in capsys.readouterr().out


def test_sarif_hook_lints_the_repository_in_one_run() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    sarif = hooks["durable-lint-sarif"]
    # pre-commit splits long file lists into several runs, each of which would overwrite the report
    assert sarif["pass_filenames"] is False and sarif["entry"].endswith(" .")
    assert hooks["durable-lint"].get("pass_filenames", True) is True


def test_a_template_alone_still_reads_its_functions_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """DUR055 compares ExecutionTimeout with the waits in the handler: `lint template.yaml` (a commit that
    only touches the template) reads the handler it names."""
    (tmp_path / "wf").mkdir()
    (tmp_path / "wf" / "app.py").write_text(
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n"
        "from aws_durable_execution_sdk_python.config import Duration\n\n\n"
        "@durable_execution\ndef handler(event, context: DurableContext):\n"
        '    context.wait(Duration.from_days(10), name="cool-off")\n    return {"ok": True}\n')
    (tmp_path / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Flow:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: wf/\n"
        "      Handler: app.handler\n      Runtime: python3.13\n      AutoPublishAlias: live\n"
        "      DurableConfig:\n        ExecutionTimeout: 86400\n")
    monkeypatch.chdir(tmp_path)
    assert main(["--format", "json", "template.yaml"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(d["path"], d["rule"]) for d in data["diagnostics"]] == [("template.yaml", "DUR055")]
    assert "wf/app.py:7" in data["diagnostics"][0]["message"] and data["summary"]["files"] == 1


def test_a_file_of_another_project_follows_that_projects_helpers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`cd some-checkout && lint /elsewhere/project/handler.ts`: the helpers are read where the file lives."""
    proj = tmp_path / "project"
    (proj / "lib").mkdir(parents=True)
    (proj / "handler.ts").write_text(HANDLER_TS)
    (proj / "lib" / "ids.ts").write_text(IDS_TS)
    other = tmp_path / "checkout"
    other.mkdir()
    _git(other, "init", "-q")
    monkeypatch.chdir(other)
    assert main(["--format", "json", str(proj / "handler.ts")]) == 1
    assert [r for _, _, r in _rules(capsys)] == ["DUR005"]


def test_a_hostile_git_config_runs_nothing(tmp_path: Path) -> None:
    """The walk asks git what it ignores; a workspace's .git/config must not make that call run a
    program (core.fsmonitor runs one for every command that reads the index)."""
    proof = tmp_path / "pwned"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(BUGGY_PY)
    _git(repo, "init", "-q")
    _git(repo, "add", "app.py")
    _git(repo, "commit", "-qm", "x")
    _git(repo, "config", "core.fsmonitor", f"touch {proof}; true")
    # the vector is real: plain git runs it
    subprocess.run(["git", "ls-files", "--others"], cwd=repo, capture_output=True, timeout=60)
    assert proof.exists()
    proof.unlink()
    result = analyze_paths([repo], root=repo)
    assert [d.rule for d in result.diagnostics] == ["DUR001"]
    assert not proof.exists()


def test_a_long_run_of_comment_characters_is_read_in_linear_time(tmp_path: Path) -> None:
    """A workspace file is input: a suppression pattern that backtracks would stall the server."""
    import time

    (tmp_path / "app.py").write_text("x = 1  " + "#" * 1_000_000 + "durable-lint\n")
    started = time.monotonic()
    analyze_paths([tmp_path / "app.py"], root=tmp_path)
    assert time.monotonic() - started < 5  # about 0.1 s; the unbounded pattern took hours


def test_file_names_cannot_start_lines_of_their_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A repository chooses its file names: a newline in one must not forge a GitHub workflow command."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x\n::error file=README.md::forged\n.py").write_text(BUGGY_PY)
    (tmp_path / "gone.py").symlink_to("missing\n::error title=Injected::from stderr\n")
    for fmt in ("text", "github"):
        assert main(["--format", fmt, "."]) == 2  # the dangling link is an I/O problem
        out, err = capsys.readouterr()
        lines = (out + err).splitlines()
        assert not [x for x in lines if x.startswith(("::error file=README.md", "::error title=Injected"))], lines
        assert any("DUR001" in x for x in lines)
