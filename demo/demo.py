"""End-to-end demo: a real MCP client spawns the server over stdio and walks through the tools.

    make demo      (or: .venv/bin/python demo/demo.py)
"""

import sys
import tempfile
import textwrap
from pathlib import Path

import anyio
import mcp
from mcp.client.stdio import StdioServerParameters

SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")


def say(title: str) -> None:
    print(f"\n== {title}")


async def main() -> None:
    workspace = Path(tempfile.mkdtemp(prefix="durable-demo-"))
    params = StdioServerParameters(command=str(SCRIPT), args=["--workspace-root", str(workspace)],
                                   cwd=str(workspace))
    async with mcp.Client(params) as client:
        print(f"server: {client.server_info.name} {client.server_info.version}")
        print(textwrap.fill(client.instructions or "", 100))

        say("tools")
        for tool in (await client.list_tools()).tools:
            kind = "read-only" if tool.annotations and tool.annotations.read_only_hint else "write"
            print(f"  {tool.name:34} {kind:9} {(tool.description or '').splitlines()[0][:60]}")

        say("guides (resources)")
        for resource in (await client.list_resources()).resources:
            print(f"  {resource.uri:48} {resource.title or resource.name}")


if __name__ == "__main__":
    anyio.run(main)
