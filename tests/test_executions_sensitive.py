"""Sensitive data: withheld without --allow-sensitive-data-access; secrets masked with it."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mcp
import pytest
from conftest import make_settings, tool_text

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

FIXTURES = Path(__file__).parent / "fixtures" / "handlers"
EMAIL = "jane@example.com"
SECRETS = ("AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "abcdefghijklmnop.qrstuvwx")


def _server(tmp_path_factory: pytest.TempPathFactory, sensitive: bool) -> Any:
    workspace = tmp_path_factory.mktemp("sensitive-ws")
    shutil.copytree(FIXTURES, workspace, dirs_exist_ok=True)
    return build_server(
        make_settings(workspace_root=workspace, local=True, allow_write=True, allow_sensitive_data_access=sensitive)
    )


@pytest.fixture(scope="module", params=[False, True], ids=["withheld", "allowed"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, bool]]:
    srv = _server(tmp_path_factory, request.param)
    yield srv, request.param
    executions_context(srv).shutdown()


async def outputs(server: Any, fail: bool) -> list[str]:
    """Every text the agent would see for one run: run, history (both views), diagnosis."""
    texts = []
    async with mcp.Client(server) as client:
        run = await client.call_tool("run_durable_function_locally", {"handler": "leaky.py:handler", "input": {"email": EMAIL, "fail": fail}})
        texts.append(tool_text(run))
        arn = run.structured_content["execution_arn"]
        for tool, args in (
            ("get_durable_execution_history", {"execution_arn": arn}),
            ("get_durable_execution_history", {"execution_arn": arn, "raw": True}),
            ("diagnose_durable_execution", {"execution_arn": arn}),
        ):
            result = await client.call_tool(tool, args)
            assert not result.is_error, tool_text(result)
            texts.append(tool_text(result))
            texts.append(str(result.structured_content))
    return texts


@pytest.mark.parametrize("fail", [False, True], ids=["succeeds", "fails"])
async def test_payloads_withheld_or_shown_with_secrets_masked(server: tuple[Any, bool], fail: bool) -> None:
    srv, sensitive = server
    texts = await outputs(srv, fail)
    joined = "\n".join(texts)
    for secret in SECRETS:
        assert secret not in joined, secret
    if sensitive:
        assert EMAIL in joined
        assert "[REDACTED]" in joined
        if fail:
            assert "LeakyError" in joined
    else:
        assert EMAIL not in joined
        assert "--allow-sensitive-data-access" in texts[1]
        assert "--allow-sensitive-data-access" in texts[5]
        if fail:
            assert "LeakyError" in joined  # the error type is not data: the diagnosis still names it
            assert "charge" in joined
