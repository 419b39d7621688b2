"""Project configuration (durable-lint.toml, pyproject.toml [tool.durable-lint], package.json "durable-lint"):
the CLI and the validate tool read the same file and judge a repository alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import tool_text

from lambda_durable_mcp.analyzer.cli import main
from lambda_durable_mcp.analyzer.config import _matches

# DUR001 (error) at line 10, DUR020 (warning) at line 11, DUR030 (info) at line 12
HANDLER = '''\
import logging
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution

log = logging.getLogger()


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    started = time.time()
    log.info("go")
    first = context.step(lambda _: 1)
    second = context.step(lambda _: started, name="second")
    return {"first": first, "second": second}
'''

TS_HANDLER = """\
import { DurableContext, withDurableExecution } from "@aws/durable-execution-sdk-js";

export const handler = withDurableExecution(async (event: any, context: DurableContext) => {
  console.log("start");
  const r = await context.step("one", async () => 1);
  await context.wait("pause", { seconds: 5 });
  return r;
});
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "src" / "handlers" / "order.py", HANDLER)
    write(root / "tests" / "test_order.py", HANDLER)
    write(root / "src" / "legacy" / "old.py", HANDLER)
    monkeypatch.chdir(root)
    return root


def findings(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[tuple[str, int, str, str]]]:
    code = main(["--format", "json", *argv])
    out = capsys.readouterr().out
    if code == 2:
        return code, []
    return code, [(d["path"], d["line"], d["rule"], d["severity"]) for d in json.loads(out)["diagnostics"]]


PYPROJECT = """\
[project]
name = "orders"

[tool.durable-lint]
ignore = ["DUR030"]
exclude = ["src/legacy/**"]
per-file-ignores = { "tests/**" = ["DUR0"] }
severity = { DUR020 = "error", DUR001 = "warning" }
"""


def test_pyproject_settings_shape_the_report_and_the_exit_status(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, before = findings(capsys, ".")
    assert {p for p, *_ in before} == {"src/handlers/order.py", "tests/test_order.py", "src/legacy/old.py"}
    assert code == 1 and ("src/handlers/order.py", 10, "DUR001", "error") in before
    write(repo / "pyproject.toml", PYPROJECT)
    code, after = findings(capsys, ".")
    # DUR030 ignored, legacy excluded, tests ignored, DUR020 promoted and DUR001 demoted
    assert after == [("src/handlers/order.py", 10, "DUR001", "warning"),
                     ("src/handlers/order.py", 11, "DUR020", "error")]
    assert code == 1  # the exit status follows the configured severity: DUR020 is an error now
    write(repo / "pyproject.toml", PYPROJECT.replace('DUR020 = "error", ', ""))
    assert findings(capsys, ".")[0] == 0  # only warnings left


def test_found_from_a_subfolder_and_applied_to_named_files(repo: Path, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "pyproject.toml", PYPROJECT)
    monkeypatch.chdir(repo / "src")
    # pre-commit names the files: the exclude still applies, and paths are relative to the config's folder
    code, found = findings(capsys, "legacy/old.py", "handlers/order.py", "../tests/test_order.py")
    assert found == [("handlers/order.py", 10, "DUR001", "warning"), ("handlers/order.py", 11, "DUR020", "error")]


def test_cli_flags_combine_with_the_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo / "pyproject.toml", PYPROJECT)
    _, found = findings(capsys, "--ignore", "DUR001", "src")
    assert [r for _p, _l, r, _s in found] == ["DUR020"]  # --ignore adds to the configured ignore
    _, found = findings(capsys, "--select", "DUR030", "src")
    # --select replaces the selection, and an id asked for by name wins over the configured ignore
    assert found == [("src/handlers/order.py", 12, "DUR030", "info")]
    _, found = findings(capsys, "--select", "DUR02", "src")
    assert [r for _p, _l, r, _s in found] == ["DUR020"]
    _, found = findings(capsys, "--isolated", "src")
    assert sorted(r for _p, _l, r, _s in found) == ["DUR001", "DUR001", "DUR020", "DUR020", "DUR030", "DUR030"]


def test_the_nearest_file_wins_and_nothing_above_the_repository_is_read(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo.parent / "durable-lint.toml", 'ignore = ["DUR0"]\n')  # another project's: never read
    assert len(findings(capsys, ".")[1]) == 9
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")  # no table: passed over
    write(repo / "durable-lint.toml", 'select = ["DUR001"]\n')
    assert {r for _p, _l, r, _s in findings(capsys, ".")[1]} == {"DUR001"}
    write(repo / "src" / ".durable-lint.toml", 'select = ["DUR020"]\n')
    assert {r for _p, _l, r, _s in findings(capsys, "src")[1]} == {"DUR020"}
    # each file follows the nearest file above it, whichever folder the run starts from
    for argv in (["src", "tests"], ["."], ["src/handlers/order.py", "tests/test_order.py"]):
        assert {(p.split("/")[0], r) for p, _l, r, _s in findings(capsys, *argv)[1]} == \
            {("src", "DUR020"), ("tests", "DUR001")}, argv


def test_package_json_key_for_a_typescript_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "src" / "handler.ts", TS_HANDLER)
    monkeypatch.chdir(tmp_path)
    assert [r for _p, _l, r, _s in findings(capsys, ".")[1]] == ["DUR020"]
    write(tmp_path / "package.json", json.dumps({"name": "app", "durable-lint": {"ignore": ["DUR020"]}}))
    assert findings(capsys, ".") == (0, [])


@pytest.mark.parametrize(("text", "message"), [
    ('[tool.durable-lint]\nignor = ["DUR030"]\n', "unknown setting 'ignor'"),
    ('[tool.durable-lint]\nignore = ["DUR999"]\n', "unknown rule id(s) DUR999"),
    ('[tool.durable-lint]\nignore = "DUR0" ]\n', "not valid TOML"),
    ('[tool.durable-lint]\nseverity = { DUR020 = "fatal" }\n', "'fatal' is not one of error, warning, info"),
    ('[tool.durable-lint]\nper-file-ignores = ["tests"]\n', "per-file-ignores must be a table"),
    ('[tool.durable-lint]\nrespect-gitignore = "no"\n', "respect-gitignore must be true or false"),
    ('[tool.durable-lint]\nselect = ["D"]\n', "unknown rule id(s) D"),
])
def test_a_bad_file_is_a_usage_error_naming_file_and_setting(repo: Path, capsys: pytest.CaptureFixture[str],
                                                             text: str, message: str) -> None:
    write(repo / "pyproject.toml", text)
    assert main(["."]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and message in err, err


def test_config_option(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo / "ci" / "strict.toml", 'severity = { DUR0 = "error" }\nselect = ["DUR020"]\n')
    code, found = findings(capsys, "--config", "ci/strict.toml", "src/handlers")
    assert (code, found) == (1, [("src/handlers/order.py", 11, "DUR020", "error")])
    write(repo / "ci" / "as-pyproject.toml", '[tool.durable-lint]\nselect = ["DUR001"]\n')
    assert {r for _p, _l, r, _s in findings(capsys, "--config", "ci/as-pyproject.toml", "src/handlers")[1]} == {"DUR001"}
    assert main(["--config", "ci/missing.toml", "."]) == 2
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n")
    assert main(["--config", "pyproject.toml", "."]) == 2
    err = capsys.readouterr().err
    assert "missing.toml" in err and "has no [tool.durable-lint] table" in err


@pytest.mark.parametrize(("rel", "glob", "hit"), [
    ("tests/unit/test_a.py", "tests/**", True),
    ("tests/unit/test_a.py", "tests", True),          # a folder name: everything below it
    ("src/tests/test_a.py", "tests", True),           # no `/`: any folder or file name on the way
    ("src/tests/test_a.py", "tests/**", False),       # with `/`: relative to the configuration's folder
    ("src/handler_test.py", "*_test.py", True),
    ("src/handler.py", "*_test.py", False),
    ("src/a/b/c.ts", "src/**/*.ts", True),
    ("src/c.ts", "src/**/*.ts", True),
    ("src/a/c.ts", "src/*.ts", False),                # `*` stays within one folder
    ("src/legacy", "src/legacy/**", True),            # the folder itself, so the walk skips it
    ("../other/a.py", "**", False),                   # outside the configuration's folder
    ("src/a1.py", "src/a[0-9].py", True),
    ("src/ab.py", "src/a[!b].py", False),
    ("src/a.py", "/src", True),                       # anchored, as in .gitignore
    ("lib/src/a.py", "/src", False),
    ("lib/src/a.py", "src", True),
])
def test_glob_semantics(rel: str, glob: str, hit: bool) -> None:
    assert _matches(rel, glob) is hit


async def test_validate_tool_reads_the_workspace_configuration(client_for: Any, workspace: Path) -> None:
    write(workspace / "app" / "handler.py", HANDLER)
    write(workspace / "tests" / "test_handler.py", HANDLER)
    write(workspace / "pyproject.toml", PYPROJECT.replace("src/legacy/**", "tests"))

    async def call(**args: Any) -> Any:
        async with client_for() as c:
            return await c.call_tool("validate_durable_code", args)

    data = (await call(paths=["."])).structured_content
    assert [(d["path"], d["rule"], d["severity"]) for d in data["diagnostics"]] == [
        ("app/handler.py", "DUR001", "warning"), ("app/handler.py", "DUR020", "error")]
    assert data["summary"]["config"] == "pyproject.toml"
    inline = (await call(code=HANDLER)).structured_content  # the workspace's selection and severities
    assert [(d["rule"], d["severity"]) for d in inline["diagnostics"]] == [("DUR001", "warning"), ("DUR020", "error")]
    write(workspace / "pyproject.toml", '[tool.durable-lint]\nignore = ["DUR999"]\n')
    bad = await call(paths=["app"])
    assert bad.is_error and "pyproject.toml" in tool_text(bad) and "DUR999" in tool_text(bad)
    assert str(workspace) not in tool_text(bad)  # the workspace's own path is not shown


async def test_validate_tool_never_reads_above_the_workspace(client_for: Any, workspace: Path) -> None:
    write(workspace.parent / "durable-lint.toml", 'ignore = ["DUR0"]\n')
    write(workspace / "app" / "handler.py", HANDLER)
    async with client_for() as c:
        data = (await c.call_tool("validate_durable_code", {"paths": ["app"]})).structured_content
    assert len(data["diagnostics"]) == 3 and "config" not in data["summary"]


def test_exclude_also_drops_findings_in_files_read_for_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A Terraform module is read as a folder, so an excluded iam.tf is still read beside main.tf; its
    findings are not reported (trial W3)."""
    import shutil

    project = tmp_path / "infra"
    shutil.copytree(Path(__file__).parent / "fixtures" / "analyzer" / "templates" / "project-terraform", project)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert any(p == "infra/iam.tf" for p, *_ in findings(capsys, "infra")[1])
    write(tmp_path / "durable-lint.toml", 'exclude = ["infra/iam.tf"]\n')
    found = findings(capsys, "infra")[1]
    assert found and not any(p == "infra/iam.tf" for p, *_ in found)
