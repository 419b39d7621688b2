"""End-to-end demo: a real MCP client spawns the server over stdio and walks through the story.

    make demo      (or: .venv/bin/python demo/demo.py)

The server runs with --local (the embedded durable-execution emulator) and --allow-write in a
scratch workspace, so no AWS account is needed: guides, scaffold, lint a replay bug, run a handler
that waits for approval, answer its callback, read its history, diagnose a failing run.
"""

import json
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import anyio
import mcp
from mcp.client.stdio import StdioServerParameters

SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")
HANDLERS = Path(__file__).resolve().parent / "handlers"


def say(title: str) -> None:
    print(f"\n== {title}")


def show(value: Any, width: int = 100) -> None:
    print(textwrap.indent(textwrap.shorten(json.dumps(value), width * 3, placeholder=" ..."), "   "))


async def call(client: mcp.Client, tool: str, **args: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        raise SystemExit(f"demo: {tool} failed: {text}")
    if result.structured_content is not None:
        return dict(result.structured_content)
    return dict(json.loads(text))


async def main() -> None:
    workspace = Path(tempfile.mkdtemp(prefix="durable-demo-"))
    for handler in HANDLERS.glob("*.py"):
        shutil.copy(handler, workspace / handler.name)
    params = StdioServerParameters(
        command=str(SCRIPT), args=["--workspace-root", str(workspace), "--local", "--allow-write"],
        cwd=str(workspace),
    )
    async with mcp.Client(params) as client:
        print(f"server: {client.server_info.name} {client.server_info.version}, workspace {workspace}")
        print(textwrap.fill(client.instructions or "", 100))

        say("tools")
        for tool in (await client.list_tools()).tools:
            kind = "read-only" if tool.annotations and tool.annotations.read_only_hint else "write"
            print(f"  {tool.name:32} {kind:9} {(tool.description or '').splitlines()[0][:56]}")

        say("guides (resources)")
        for resource in (await client.list_resources()).resources:
            print(f"  {resource.uri:44} {resource.title or resource.name}")

        say("get_durable_guide: 'how do I wait for a human approval with a timeout?'")
        guide = await call(client, "get_durable_guide", question="how do I wait for a human approval with a timeout?")
        print(f"   best topics: {guide['topics']}")

        say("scaffold_durable_project: a Python + SAM human-approval project")
        scaffold = await call(client, "scaffold_durable_project", name="approvals", directory="approvals",
                              language="python", iac="sam", pattern="human-approval")
        files = scaffold.get("files") or scaffold.get("written") or []
        print(f"   wrote {len(files)} files under approvals/")

        say("validate_durable_code: buggy.py")
        lint = await call(client, "validate_durable_code", paths=["buggy.py"])
        for d in lint["diagnostics"]:
            print(f"   {d['path']}:{d['line']} {d['rule']} {d['severity']}: {d['message'][:80]}")

        say("run_durable_function_locally: approval.py waits for a manager")
        run = await call(client, "run_durable_function_locally", handler="approval.py:handler",
                         input={"order_id": "o-1"})
        print(f"   status {run['status']}")
        arn = run["execution_arn"]

        say("diagnose_durable_execution: what is it waiting on?")
        diagnosis = await call(client, "diagnose_durable_execution", execution_arn=arn)
        waiting = diagnosis["waiting_on"][0]
        print(f"   {diagnosis['summary']}")
        print(f"   callback {waiting['operation_name']}: {waiting['callback_id'][:40]}...")

        say("send_durable_callback: approve")
        sent = await call(client, "send_durable_callback", callback_id=waiting["callback_id"], outcome="success",
                          result={"approved": True})
        show(sent)

        say("get_durable_execution_history: the timeline")
        history = await call(client, "get_durable_execution_history", execution_arn=arn)
        print(f"   execution {history['status']}")
        for op in history["operations"]:
            print(f"   {op.get('name') or '-':18} {op['type']:9} {op['status']}")

        say("run_durable_function_locally: payment.py, whose charge step keeps failing")
        failed = await call(client, "run_durable_function_locally", handler="payment.py:handler", input={})
        print(f"   status {failed['status']}")

        say("diagnose_durable_execution: the root cause in one call")
        diagnosis = await call(client, "diagnose_durable_execution", execution_arn=failed["execution_arn"])
        print(f"   {diagnosis['summary']}")
        show(diagnosis["root_cause"])
    print("\ndemo finished")


if __name__ == "__main__":
    anyio.run(main)
