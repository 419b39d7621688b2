"""Pre-flight: deploy_durable_function refuses code with replay bugs unless force=true."""

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import tool_text
from test_deploy_direct import FIXTURES, Recorder, moto_url  # noqa: F401 - moto_url is a fixture


async def test_replay_bug_is_refused_with_findings_and_fixes(
    client_for: Any, workspace: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    shutil.copytree(FIXTURES / "replay-bug", workspace / "buggy")

    async with client_for(allow_write=True) as client:
        refused = await client.call_tool("deploy_durable_function",
                                         {"project_dir": "buggy", "function_name": "buggy-fn"})
        text = tool_text(refused)
        assert refused.is_error, text
        assert "Deploy refused" in text and "force=true" in text
        assert "handler.py:16 DUR002" in text and "handler.py:17 DUR001" in text, text
        functions = Recorder(moto_url).clients.client("lambda").list_functions()["Functions"]
        assert "buggy-fn" not in {f["FunctionName"] for f in functions}, "nothing may be deployed"

        forced = await client.call_tool("deploy_durable_function",
                                        {"project_dir": "buggy", "function_name": "buggy-fn", "force": True})
        assert not forced.is_error, tool_text(forced)
        out = forced.structured_content
        assert out is not None and out["qualified_arn"].endswith(":function:buggy-fn:live")
        assert any("force" in note for note in out["notes"])


def test_clean_fixtures_pass_the_preflight() -> None:
    from lambda_durable_mcp.deploy.preflight import run_preflight

    for name in ("python-direct", "ts-direct", "sam-python"):
        found = run_preflight(FIXTURES / name)
        assert not found.errors, (name, found.errors)


def _monorepo(top: Path) -> Path:
    """An npm workspace: services/orders (the SAM project) imports @acme/shared from packages/shared."""
    files = {
        "package.json": '{"name": "acme", "private": true, "workspaces": ["packages/*", "services/*"]}',
        "packages/shared/package.json": '{"name": "@acme/shared", "main": "dist/index.js", "types": "dist/index.d.ts"}',
        "packages/shared/src/index.ts": 'export { makeId } from "./ids";\n',
        "packages/shared/src/ids.ts": "export function makeId(): string {\n  return `id-${Date.now()}`;\n}\n",
        "services/orders/package.json": '{"name": "@acme/orders", "dependencies": {"@acme/shared": "*"}}',
        "services/orders/src/handler.ts": (
            'import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";\n'
            'import { makeId } from "@acme/shared";\n\n'
            "export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {\n"
            "  const id = makeId();\n"
            '  await context.step("save", async () => id);\n'
            "  return { id };\n"
            "});\n"),
    }
    for rel, text in files.items():
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).write_text(text)
    (top / ".git").mkdir()
    return top / "services" / "orders"


def test_preflight_follows_a_monorepos_workspace_packages(tmp_path: Path) -> None:
    """The SAM project is one folder of a repository: its helpers in packages/ are read too (as `lint` does),
    and findings stay relative to the project."""
    from lambda_durable_mcp.deploy.preflight import import_root, run_preflight

    project = _monorepo(tmp_path / "repo")
    found = run_preflight(project)
    assert [(d.path, d.line, d.rule) for d in found.errors] == [("src/handler.ts", 5, "DUR005")]
    assert "makeId" in found.errors[0].message
    # never above the server's workspace root: a workspace that is the project alone reads only the project
    assert run_preflight(project, workspace=project).errors == []
    assert import_root(project, workspace=tmp_path) == (tmp_path / "repo").resolve()
    assert import_root(project, workspace=tmp_path / "repo" / "services") == (tmp_path / "repo" / "services").resolve()
    plain = tmp_path / "plain"
    plain.mkdir()
    assert import_root(plain, workspace=plain) == plain.resolve()


def test_preflight_follows_the_repositorys_analyzer_configuration(tmp_path: Path) -> None:
    """What CI's `lint` accepts, a deploy accepts: the repository's [tool.durable-lint] applies, and a
    configuration that cannot be used refuses the deploy with the reason."""
    from lambda_durable_mcp.analyzer.config import ConfigError
    from lambda_durable_mcp.deploy.preflight import run_preflight

    project = _monorepo(tmp_path / "repo")
    assert [d.rule for d in run_preflight(project).errors] == ["DUR005"]
    (tmp_path / "repo" / "durable-lint.toml").write_text('severity = { DUR005 = "warning" }\n')
    checked = run_preflight(project)
    assert checked.errors == [] and checked.warnings == 1
    (tmp_path / "repo" / "durable-lint.toml").write_text('per-file-ignores = { "services/orders/src/*.ts" = ["DUR005"] }\n')
    assert run_preflight(project).warnings == 0 and run_preflight(project).errors == []
    (tmp_path / "repo" / "durable-lint.toml").write_text('ignore = ["DUR05X"]\n')
    with pytest.raises(ConfigError, match="DUR05X"):
        run_preflight(project)
    # a server whose workspace lies below the configuration's folder never reads it
    (tmp_path / "repo" / "durable-lint.toml").write_text('ignore = ["DUR001"]\n')
    (project / "src" / "clock.ts").write_text(
        'import { withDurableExecution, DurableContext } from "@aws/durable-execution-sdk-js";\n'
        "export const handler = withDurableExecution(async (event: unknown, context: DurableContext) => {\n"
        "  const at = Date.now();\n"
        '  await context.step("save", async () => at);\n'
        "});\n")
    assert "DUR001" not in [d.rule for d in run_preflight(project).errors]
    assert [d.rule for d in run_preflight(project, workspace=project).errors] == ["DUR001"]
