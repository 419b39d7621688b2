"""End to end: the installed console script over stdio, driven by the SDK's own stdio client."""

from pathlib import Path

import mcp
from conftest import SCRIPT
from mcp.client.stdio import StdioServerParameters


async def test_console_script_serves_over_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(command=str(SCRIPT), args=["--workspace-root", str(tmp_path)], cwd=str(tmp_path))
    async with mcp.Client(params) as client:
        assert client.server_info.name == "lambda-durable-mcp"
        assert "read-only" in (client.instructions or "").lower()
        tools = (await client.list_tools()).tools
        assert [t.name for t in tools] == sorted({t.name for t in tools}, key=[t.name for t in tools].index)
