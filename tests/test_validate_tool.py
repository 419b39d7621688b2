"""validate_durable_code through the real MCP client: inline code, workspace paths, confinement, paging."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import tool_text

from lambda_durable_mcp.analyzer import analyze_paths

HANDLER = '''\
import uuid
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order_id = str(uuid.uuid4())
    return context.step(lambda _: order_id, name="save")
'''


async def call(client: Any, **args: Any) -> Any:
    return await client.call_tool("validate_durable_code", args)


async def test_inline_code_with_detected_language(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c, code=HANDLER)
    assert not result.is_error, tool_text(result)
    data = result.structured_content
    (d,) = data["diagnostics"]
    # the range is what the fix replaces: str(uuid.uuid4()), not only the call inside
    assert (d["rule"], d["line"], d["column"], d["end_column"], d["severity"]) == ("DUR002", 7, 16, 33, "error")
    assert "order_id = context.step(lambda _: str(uuid.uuid4()), name=\"order-id\")" in d["fix"]
    assert data["summary"]["error"] == 1 and data["next_cursor"] == ""


async def test_correct_code_is_silent(client_for: Any) -> None:
    fixed = HANDLER.replace("str(uuid.uuid4())", 'context.step(lambda _: str(uuid.uuid4()), name="id")')
    async with client_for() as c:
        result = await call(c, code=fixed, language="python")
    assert result.structured_content["diagnostics"] == []


async def test_paths_give_the_same_diagnostics_as_the_cli(client_for: Any, workspace: Path) -> None:
    app = workspace / "app"
    app.mkdir()
    (app / "handler.py").write_text(HANDLER)
    (workspace / "node_modules").mkdir()
    (workspace / "node_modules" / "junk.py").write_text("import time\ntime.time()\n")
    async with client_for() as c:
        result = await call(c, paths=["app", "."])
    data = result.structured_content
    cli = analyze_paths([workspace], root=workspace).to_dict()
    assert data["diagnostics"] == cli["diagnostics"]
    assert [d["path"] for d in data["diagnostics"]] == ["app/handler.py"]


async def test_paths_outside_the_workspace_are_refused(client_for: Any, tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(HANDLER)
    async with client_for() as c:
        escaped = await call(c, paths=[str(outside)])
        dotdot = await call(c, paths=["../outside.py"])
        missing = await call(c, paths=["nope.py"])
        neither = await call(c)
        both = await call(c, code=HANDLER, paths=["."])
    for r in (escaped, dotdot):
        assert r.is_error and "outside the workspace root" in tool_text(r)
    assert missing.is_error and "does not exist" in tool_text(missing)
    for r in (neither, both):
        assert r.is_error and "either code" in tool_text(r)


async def test_many_diagnostics_are_paged(client_for: Any, workspace: Path) -> None:
    body = "\n".join(f"    t{i} = time.time()" for i in range(120))
    (workspace / "many.py").write_text(
        "import time\nfrom aws_durable_execution_sdk_python import durable_execution\n\n\n"
        f"@durable_execution\ndef handler(event, context):\n{body}\n    context.wait(Duration.from_seconds(1), name=\"later\")\n")
    seen: list[dict[str, Any]] = []
    cursor = ""
    async with client_for() as c:
        for _ in range(5):
            result = await call(c, paths=["many.py"], cursor=cursor)
            data = result.structured_content
            seen.extend(data["diagnostics"])
            cursor = data["next_cursor"]
            if not cursor:
                break
            assert "pass cursor" in data["summary"]["shown"]
        bad = await call(c, paths=["many.py"], cursor="zzz")
    assert len(seen) == 120 and len({d["line"] for d in seen}) == 120
    assert len(json.dumps(seen[:50])) < 40_000
    assert bad.is_error and "cursor" in tool_text(bad)


async def test_unparseable_inline_code_reports_a_parse_error(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c, code="def handler(event, context:\n    pass\n", language="python")
    data = result.structured_content
    assert data["diagnostics"] == []
    assert data["summary"]["parse_errors"][0].startswith("<input>:")
