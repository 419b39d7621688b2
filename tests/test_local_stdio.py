"""Over stdio: a handler that floods stdout and one that crashes leave the protocol intact, and
the server exits cleanly with its emulator and handler processes."""

import shutil
from pathlib import Path

import mcp
from conftest import SCRIPT
from mcp.client.stdio import StdioServerParameters

FIXTURES = Path(__file__).parent / "fixtures" / "handlers"


async def test_noisy_and_crashing_handlers_over_stdio(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    params = StdioServerParameters(
        command=str(SCRIPT),
        args=["--workspace-root", str(tmp_path), "--local", "--allow-write", "--allow-sensitive-data-access"],
        cwd=str(tmp_path),
    )
    async with mcp.Client(params) as client:
        noisy = await client.call_tool("run_durable_function_locally", {"handler": "misbehaving.py:noisy"})
        assert not noisy.is_error
        assert noisy.structured_content["status"] == "SUCCEEDED"
        hung = await client.call_tool("run_durable_function_locally", {"handler": "misbehaving.py:hang", "timeout_seconds": 2})
        assert hung.structured_content["status"] == "TIMED_OUT"
        tools = await client.list_tools()
        assert "diagnose_durable_execution" in [t.name for t in tools.tools]


async def test_local_runs_ignore_an_aws_profile_this_machine_lacks(tmp_path: Path) -> None:
    """The README's uvx config sets AWS_PROFILE for the team's account; --local needs no account, so a
    machine without that profile still runs handlers locally."""
    import os

    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    params = StdioServerParameters(
        command=str(SCRIPT),
        args=["--workspace-root", str(tmp_path), "--local", "--allow-write"],
        cwd=str(tmp_path),
        env={**os.environ, "AWS_PROFILE": "no-such-profile", "AWS_CONFIG_FILE": str(tmp_path / "none"),
             "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")},
    )
    async with mcp.Client(params) as client:
        ran = await client.call_tool("run_durable_function_locally", {"handler": "misbehaving.py:noisy"})
        assert not ran.is_error, ran.content
        assert ran.structured_content["status"] == "SUCCEEDED"
        listed = await client.call_tool("list_durable_executions", {"function_name": "misbehaving-noisy"})
        assert not listed.is_error, listed.content
