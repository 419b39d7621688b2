"""From a scaffolded project, one deploy_durable_function call returns the qualified ARN to invoke.

Uses the scaffolder (another work package); skipped while it is not on this branch.
"""

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TOOLCHAIN, tool_text
from test_deploy_direct import Recorder, moto_url  # noqa: F401 - moto_url is a fixture
from test_deploy_iac import ALIAS_ARN, FakeCli

scaffold = pytest.importorskip("lambda_durable_mcp.scaffold", reason="the scaffolder is not on this branch yet")


def _scaffold(workspace: Path, language: str, iac: str) -> Path:
    project = workspace / f"orders-{language}-{iac}"
    for item in scaffold.plan("orders-app", language, iac).files:
        target = project / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(item.content)
    return project


async def test_scaffolded_python_project_deploys_directly_in_one_call(
    client_for: Any, workspace: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    project = _scaffold(workspace, "python", "cloudformation")

    async with client_for(allow_write=True) as client:
        result = await client.call_tool("deploy_durable_function", {"project_dir": project.name})
        assert not result.is_error, tool_text(result)
        out = result.structured_content
        assert out is not None and out["method"] == "direct"
        assert out["qualified_arn"].endswith(":live") and out["version"] == "1"
        checked = await client.call_tool("check_durable_deployment", {"function_name": out["qualified_arn"]})
        assert checked.structured_content is not None and checked.structured_content["ok"], tool_text(checked)


async def test_scaffolded_cdk_project_synthesizes_and_deploys_in_one_call(
    client_for: Any, workspace: Path, tmp_path: Path, moto_url: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    project = _scaffold(workspace, "typescript", "cdk")
    modules = project / "node_modules"
    (modules / ".bin").mkdir(parents=True)
    for entry in (TOOLCHAIN / "node_modules").iterdir():
        if entry.name != ".bin":
            (modules / entry.name).symlink_to(entry)
    # What `npm ci` would leave: the lock file (NodejsFunction looks for it) and the packages.
    (project / "package-lock.json").write_text((TOOLCHAIN / "package-lock.json").read_text())
    for tool in ("tsc", "esbuild"):
        (modules / ".bin" / tool).symlink_to(TOOLCHAIN / "node_modules" / ".bin" / tool)
    fake = FakeCli(tmp_path, monkeypatch)
    fake.install("cdk", modules / ".bin")
    fake.set(FAKE_CDK_REAL=str(TOOLCHAIN / "node_modules" / ".bin" / "cdk"),
             FAKE_CDK_OUTPUTS=json.dumps({"orders-app": {"AliasArn": ALIAS_ARN, "FunctionName": "orders-fn"}}))

    async with client_for(allow_write=True) as client:
        result = await client.call_tool("deploy_durable_function", {"project_dir": project.name})

    assert not result.is_error, tool_text(result)
    out = result.structured_content
    assert out is not None and (out["method"], out["qualified_arn"], out["alias"]) == ("cdk", ALIAS_ARN, "live")
    assert out["stacks"] == ["orders-app"]
    template = json.loads((project / "cdk.out" / "orders-app.template.json").read_text())
    assert any("DurableConfig" in r.get("Properties", {}) for r in template["Resources"].values())
