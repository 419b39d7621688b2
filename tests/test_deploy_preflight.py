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
